import { mapOf, Type } from '@switchyard/core';
import type { Static } from '@sinclair/typebox';

/** One schema per shape gives its TypeScript type and the validation of config `catalog:` entries. */
const usd = (description: string) => Type.Optional(Type.Number({ minimum: 0, description }));
/** USD per 1M tokens of each kind: what a request's tokens cost. */
const tokenPriceFields = {
  input: Type.Number({ minimum: 0, description: 'USD per 1M input tokens.' }),
  output: Type.Number({ minimum: 0, description: 'USD per 1M output tokens.' }),
  cachedRead: usd('Cached input read back (OpenAI cached tokens, Anthropic cache reads); input when unset.'),
  cacheWrite: usd("Input written to a prompt cache (Anthropic's 5-minute cache writes); input when unset."),
  cacheWrite1h: usd('Input written to a prompt cache kept one hour (Anthropic `ttl: "1h"`); cacheWrite when unset.'),
  reasoning: usd('Reasoning (thinking) tokens, part of the output; output when unset.'),
};
const priceFields = {
  ...tokenPriceFields,
  webSearch: usd(
    'USD per 1,000 web searches (Anthropic `web_search`, OpenAI `web_search` calls, Chat `web_search_options`), billed beside tokens; when unset, an answer that searched is priced for its tokens only and budgeted keys cannot search.',
  ),
  longContext: Type.Optional(
    Type.Object(
      {
        above: Type.Integer({
          minimum: 0,
          description:
            'Prompt tokens (input, cache reads and cache writes together) above which the request is priced here.',
        }),
        ...tokenPriceFields,
      },
      {
        additionalProperties: false,
        description:
          "The whole token price of a request whose prompt is above `above` tokens, its output included (Gemini 2.5 Pro past 200K tokens, Claude Sonnet 4 with the 1M-context beta): unset fields default as the price's own do, from this price's input and output. Web searches keep the price's `webSearch`. The spend of an answer follows its reported prompt tokens; a budget's reservation, the prompt it reserves.",
      },
    ),
  ),
};
/** Prices a caller can choose by request (`service_tier`, Anthropic's `speed` and `inference_geo`): each tier's whole price. */
const tieredFields = {
  ...priceFields,
  tiers: Type.Optional(
    mapOf(Type.Object(priceFields, { additionalProperties: false }), {
      description:
        'Prices by tier a caller asks for, each whole (its own `longContext`, if any): a `service_tier` (`priority`, `flex`, `scale`), Anthropic fast mode (`speed: "fast"`: tier `fast`) or US-only inference (`inference_geo: "us"`: tier `us`); several at once join by `+` (`fast+us`). A request for a tier not listed here is not priced (budgeted keys cannot make it).',
    }),
  ),
};
const ISO_DATE = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?)?$';
const pricing = Type.Object(
  {
    ...tieredFields,
    versions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            from: Type.String({ pattern: ISO_DATE, description: 'UTC unless the time says otherwise' }),
            ...tieredFields,
          },
          { additionalProperties: false },
        ),
        {
          description:
            'Whole prices, each applying from its `from` instant on; the fields above apply before the first.',
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'List prices in USD per 1M tokens of each kind (plugin-pricing, budgets, the cost strategy).',
  },
);

/** JSON Schema of one `catalog:` entry: what a model can do and what it costs; unknown means "not known". */
export const modelInfoSchema = Type.Object(
  {
    contextWindow: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Tokens the model reads, prompt and output together: a longer estimated prompt leaves it out (plugin-capabilities); budgets and rate limits reserve up to it for input they cannot count.',
      }),
    ),
    maxOutputTokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Most output tokens the model writes: a request asking more is sent with it (`routing.fitOutputTokens`).',
      }),
    ),
    vision: Type.Optional(
      Type.Boolean({ description: 'Takes image input; `false`: requests with images go elsewhere.' }),
    ),
    tools: Type.Optional(
      Type.Boolean({ description: 'Takes tools (function calling); `false`: requests with tools go elsewhere.' }),
    ),
    structuredOutput: Type.Optional(Type.Boolean({ description: '`response_format: json_schema`.' })),
    reasoning: Type.Optional(
      Type.Boolean({
        description:
          'Reasons: a reasoning setting is dropped for a model known not to; output-token and sampling fields are fitted for one that does.',
      }),
    ),
    embeddings: Type.Optional(
      Type.Boolean({ description: 'An embeddings model (tagged `embedding` for tag routing).' }),
    ),
    quality: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'Operator-assigned quality score (higher is better), for the quality and balanced strategies.',
      }),
    ),
    pricing: Type.Optional(pricing),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Extra tags for tag routing.' })),
  },
  { additionalProperties: false },
);

/** USD per 1M tokens, by token kind. */
export type Price = Omit<ModelPricing, 'versions'>;
/** The whole token price of a request whose prompt is above `above` tokens. */
export type LongContextPrice = NonNullable<Price['longContext']>;
/** A model's price, with dated `versions`. */
export type ModelPricing = Static<typeof pricing>;
export type ModelInfo = Static<typeof modelInfoSchema>;

/** A list price in USD per 1M tokens: input, output, and the cached-read and cache-write prices where the provider has them. */
export function listPrice(input: number, output: number, cachedRead?: number, cacheWrite?: number): ModelPricing {
  return {
    input,
    output,
    ...(cachedRead === undefined ? {} : { cachedRead }),
    ...(cacheWrite === undefined ? {} : { cacheWrite }),
  };
}

/**
 * A Claude model's list price, wherever it is served (Anthropic, Bedrock, Vertex): one-hour cache
 * writes cost twice the input price.
 */
export function claudePrice(input: number, output: number, cachedRead?: number, cacheWrite?: number): ModelPricing {
  return { ...listPrice(input, output, cachedRead, cacheWrite), cacheWrite1h: input * 2 };
}

/**
 * A Claude model's long-context price (the 1M-token context window): the whole request, output
 * included, at `input` and `output` once its prompt passes 200K tokens, with cache reads at a tenth
 * of the input price and cache writes at 1.25 (five minutes) and 2 (one hour) times it.
 */
export function claudeLongContext(input: number, output: number): LongContextPrice {
  return {
    above: 200_000,
    input,
    output,
    cachedRead: input / 10,
    cacheWrite: input * 1.25,
    cacheWrite1h: input * 2,
  };
}

/** What a model takes, shared by the point releases of its family. */
const KIND_FIELDS = ['vision', 'tools', 'structuredOutput', 'reasoning', 'embeddings'] as const;

/** Most lookups a table remembers; past that the oldest is forgotten (and worked out again when asked). */
export const MAX_MEMO = 4096;

/**
 * Capabilities and prices per model: what provider plugins know of their models, then what model
 * discovery read in an instance's listing, under the config's `catalog:` entries (keyed by
 * model name, or `instance/model` for one instance).
 * Lookups are memoized per name, so the request path pays one map read.
 */
export class ModelInfoTable {
  readonly #overrides: ReadonlyMap<string, ModelInfo>;
  readonly #known: ReadonlyMap<string, ModelInfo>;
  readonly #prefixes: readonly string[];
  /** Lookups answered, by name: at most MAX_MEMO (requested and advisor names are callers' choice). */
  readonly #memo = new Map<string, ModelInfo | undefined>();
  #byTarget = new WeakMap<object, ModelInfo | null>();
  /** What model discovery read in each instance's listing, between built-in and config. */
  readonly #listed = new Map<string, ReadonlyMap<string, ModelInfo>>();

  constructor(overrides: Readonly<Record<string, ModelInfo>> = {}, known: Readonly<Record<string, ModelInfo>> = {}) {
    this.#overrides = new Map(Object.entries(overrides));
    this.#known = new Map(Object.entries(known));
    this.#prefixes = [...this.#known.keys()].sort((a, b) => b.length - a.length);
  }

  /** What is known of `model` as served by `instance` (when given); undefined when nothing is. */
  lookup(model: string, instance?: string): ModelInfo | undefined {
    const key = instance === undefined ? model : `${instance}/${model}`;
    if (this.#memo.has(key)) return this.#memo.get(key);
    let base = this.#builtIn(model);
    if (instance !== undefined) base = merge(base, this.#listed.get(instance)?.get(model));
    let info = merge(base, this.#overrides.get(model));
    if (instance !== undefined) info = merge(info, this.#overrides.get(key));
    if (this.#memo.size >= MAX_MEMO) this.#memo.delete(this.#memo.keys().next().value!);
    this.#memo.set(key, info);
    return info;
  }

  /** How many lookups the table remembers (never more than MAX_MEMO). */
  get remembered(): number {
    return this.#memo.size;
  }

  /**
   * What an instance's model listing says of its models (model discovery): layered over the
   * built-in entry and under config `catalog:` entries. Replaces the instance's previous set.
   */
  setListed(instance: string, models: ReadonlyMap<string, ModelInfo>): void {
    if (models.size === 0 && !this.#listed.has(instance)) return;
    if (models.size === 0) this.#listed.delete(instance);
    else this.#listed.set(instance, models);
    this.#memo.clear();
    this.#byTarget = new WeakMap();
  }

  /** lookup(target.model, target.instance.name), memoized per target object (no key built per call). */
  forTarget(target: { readonly model: string; readonly instance: { readonly name: string } }): ModelInfo | undefined {
    const hit = this.#byTarget.get(target);
    if (hit !== undefined) return hit ?? undefined;
    const info = this.lookup(target.model, target.instance.name);
    this.#byTarget.set(target, info ?? null);
    return info;
  }

  /**
   * The model a dated or versioned name is a snapshot of (`gpt-4o` of `gpt-4o-2024-08-06`,
   * `openai/gpt-4o` of `openai/gpt-4o-2024-08-06`): the longest built-in name it starts with, the
   * rest a date or version (what lookup() falls back to); undefined for any other name.
   */
  familyOf(model: string): string | undefined {
    const vendor = model.slice(0, model.lastIndexOf('/') + 1);
    const name = model.slice(vendor.length);
    const prefix = this.#longestPrefix(name);
    return prefix !== undefined && DATED_SUFFIX.test(name.slice(prefix.length)) ? vendor + prefix : undefined;
  }

  /** Names of the models provider plugins describe. */
  knownNames(): IterableIterator<string> {
    return this.#known.keys();
  }

  /** The config's `catalog:` keys: model names and `instance/model`s. */
  catalogNames(): IterableIterator<string> {
    return this.#overrides.keys();
  }

  /** The built-in entry: exact name, else a dated one of the longest known name it starts with (at a `-`/`@`/`:` boundary), else a point release's or a sibling's kind; after any `vendor/` prefix. */
  #builtIn(model: string): ModelInfo | undefined {
    const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
    return this.#known.get(name) ?? this.#dated(name) ?? this.#pointRelease(name) ?? this.#sibling(name);
  }

  /** A dated or versioned name (`…-2024-08-06`, `…@20250929`, `…-v1:0`, `…-latest`): the longest entry it starts with. */
  #dated(name: string): ModelInfo | undefined {
    const prefix = this.#longestPrefix(name);
    return prefix !== undefined && DATED_SUFFIX.test(name.slice(prefix.length)) ? this.#known.get(prefix) : undefined;
  }

  /**
   * A sibling of a known model (`gpt-5-pro` of `gpt-5`, `gemini-2.5-flash-image`): its kind, not its
   * limits or prices, which a sibling does not share (it would be priced as the cheaper one).
   */
  #sibling(name: string): ModelInfo | undefined {
    const prefix = this.#longestPrefix(name);
    return prefix === undefined ? undefined : kindOf(this.#known.get(prefix)!);
  }

  #longestPrefix(name: string): string | undefined {
    return this.#prefixes.find((p) => name.startsWith(p) && /[-@:]/.test(name[p.length] ?? ''));
  }

  /**
   * A point release of a known family (`gpt-5.5`, `gpt-5.1-mini` of `gpt-5`, `gpt-5-mini`): the
   * family's kind (reasoning, tools, vision), which decides what the model takes; not its
   * limits or prices, which a release does not share.
   */
  #pointRelease(name: string): ModelInfo | undefined {
    const release = /^(.+?-\d+)\.\d+(.*)$/.exec(name);
    if (!release) return undefined;
    const family = release[1]! + release[2]!;
    const info = this.#known.get(family) ?? this.#dated(family);
    return info && kindOf(info);
  }
}

/**
 * A date, a version or `latest` after a known name, each after `-`, `@` or `:`. A number of one
 * or two digits right after a `-` is a newer model, not a version of this one (Anthropic's
 * `claude-opus-4-7` is not `claude-opus-4`); a date or a version (`-20250514`, `-001`) has more.
 */
const DATED_SUFFIX = /^(?:-\d{3,}|-v\d+|-latest|[@:](?:\d+|v\d+|latest))(?:[-@:](?:\d+|v\d+|latest))*$/;

/** What a model takes (vision, tools, reasoning…), without its limits or prices. */
function kindOf(info: ModelInfo): ModelInfo {
  const kind: ModelInfo = {};
  for (const field of KIND_FIELDS) if (info[field] !== undefined) kind[field] = info[field];
  return kind;
}

/**
 * The output tokens to ask of a target: `asked`, or the model's `maxOutputTokens` (model table,
 * config `catalog:`) when `asked` is more, with a warning on the exchange, so that an alias to
 * a smaller model answers instead of failing. Unchanged when the limit is unknown or fitting is
 * off (`routing.fitOutputTokens: false`).
 */
export function fitOutputTokens(
  asked: number | undefined,
  info: ModelInfo | undefined,
  fit: boolean,
  warn: (message: string) => void,
  field = 'max_tokens',
): number | undefined {
  const limit = info?.maxOutputTokens;
  if (!fit || asked === undefined || limit === undefined || asked <= limit) return asked;
  warn(`${field} ${asked} lowered to ${limit}, the most the target model allows`);
  return limit;
}

/**
 * Fields of `over` win, prices field by field; a price given without `versions` applies at all
 * times, so the versions of the entry below it are dropped (they would override it from their dates).
 */
function merge(base: ModelInfo | undefined, over: ModelInfo | undefined): ModelInfo | undefined {
  if (!over) return base;
  if (!base) return over;
  let pricing = base.pricing;
  if (over.pricing) {
    const { versions: _dropped, ...below } = base.pricing ?? {};
    pricing = { ...below, ...over.pricing } as ModelPricing;
  }
  return { ...base, ...over, ...(pricing ? { pricing } : {}) };
}
