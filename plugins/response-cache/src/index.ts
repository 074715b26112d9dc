import { CAPTURED_COMPLETION } from '@switchyard/core/protocol';
import { definePlugin, exchangeKey, Reply } from '@switchyard/core';
import { KEY_ACCESS, keptScope, toolModelsOf } from '@switchyard/plugin-auth/contract';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import type { ModelRoutes } from '@switchyard/plugin-models/contract';
import { CACHE_OUTCOME } from './contract.js';
import type { AttemptResult, Exchange, Gateway, Plugin, Target } from '@switchyard/core';
import type { ChatCompletion, ChatCompletionChunk } from '@switchyard/core/protocol';
import { completionChunks } from '@switchyard/wire-chat';
import { MemoryBackend, StoreBackend } from './backend.js';
import type { Backend } from './backend.js';
import { optionsSchema } from './options.js';
import type { ResponseCacheOptions } from './options.js';
import { isDeterministic, requestKey } from './request-key.js';

export const PLUGIN = 'response-cache';
export { CACHE_OUTCOME } from './contract.js';
/** `hit`, `miss` or `bypass`, on every chat response while the plugin is on. */
export const HEADER = 'x-switchyard-cache';
export { optionsSchema } from './options.js';
export type { ResponseCacheOptions } from './options.js';
export { requestKey, isDeterministic } from './request-key.js';
export { MemoryBackend, StoreBackend } from './backend.js';
export type { Backend, Entry } from './backend.js';

/** What a store operation bounded by storeWaitMs gives when the store did not answer in time. */
const TOO_SLOW: unique symbol = Symbol('response-cache store too slow');

/** The key an answer is stored under, and the request's output limits when it was made. */
const PENDING = exchangeKey<{ key: string; limits: string }>('response-cache:pending');

export interface ResponseCacheCounts {
  hits: number;
  misses: number;
  bypassed: number;
  stored: number;
  /** Answers not stored: partial, tool calls, too large. */
  refused: number;
  errors: number;
  /** Lookups and writes the store did not answer within storeWaitMs: the request went on without them. */
  slow: number;
}

export interface ResponseCachePlugin extends Plugin<ResponseCacheOptions> {
  /** What the cache did on the gateway it was applied to. */
  counts(): Readonly<ResponseCacheCounts>;
}

export interface ResponseCacheSetup {
  /** Milliseconds since the epoch; entries older than ttlSeconds on this clock are misses. @default Date.now */
  clock?: () => number;
}

/**
 * Exact-match response cache: a deterministic chat request asked again (same model targets,
 * messages, tools and parameters) is answered from the cache, in the caller's protocol and
 * stream mode, without an upstream call.
 */
export function responseCache(setup: ResponseCacheSetup = {}): ResponseCachePlugin {
  const clock = setup.clock ?? Date.now;
  const counts: ResponseCacheCounts = {
    hits: 0,
    misses: 0,
    bypassed: 0,
    stored: 0,
    refused: 0,
    errors: 0,
    slow: 0,
  };
  const plugin = definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    provides: [CACHE_OUTCOME],
    apply(gateway, options) {
      if (!options.enabled) return;
      // The in-memory cache outlives a config reload (same size bound).
      const backend: Backend =
        options.backend === 'store'
          ? new StoreBackend(gateway.store, options.keyPrefix)
          : gateway.keep(PLUGIN, `memory:${options.maxBytes}`, () => new MemoryBackend(options.maxBytes));
      const cache = new ResponseCaching(gateway, options, backend, counts, clock);
      gateway.hooks.beforeRoute.tapPromise(PLUGIN, (x) => cache.lookup(x));
      gateway.hooks.onResult.tapPromise(PLUGIN, (result, x) => cache.store(result, x));
      addAdminRoute(gateway, options, backend, counts);
    },
  });
  return { ...plugin, counts: () => ({ ...counts }) };
}

/** The cache of one gateway generation: looks requests up before routing, stores their answers. */
class ResponseCaching {
  readonly #gateway: Gateway;
  readonly #options: ResponseCacheOptions;
  readonly #backend: Backend;
  readonly #counts: ResponseCacheCounts;
  readonly #clock: () => number;
  readonly #ttlMs: number;
  readonly #routes: ModelRoutes | undefined;
  /** How long a request waits for the store; undefined when it answers at once (memory). */
  readonly #waitMs: number | undefined;
  #slowLoggedAt = -Infinity;

  constructor(
    gateway: Gateway,
    options: ResponseCacheOptions,
    backend: Backend,
    counts: ResponseCacheCounts,
    clock: () => number,
  ) {
    this.#gateway = gateway;
    this.#options = options;
    this.#backend = backend;
    this.#counts = counts;
    this.#clock = clock;
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#routes = gateway.contract(MODEL_ROUTES);
    this.#waitMs = backend instanceof StoreBackend && gateway.store.kind !== 'memory' ? options.storeWaitMs : undefined;
  }

  async lookup(x: Exchange): Promise<Reply | void> {
    if (x.operation !== 'chat' || !x.request) return;
    const asked = directives(x);
    const policyAllows = this.#options.cacheable === 'all' || isDeterministic(x);
    const read = policyAllows && asked.read;
    const write = policyAllows && asked.write;
    if (!read && !write) {
      this.#counts.bypassed++;
      x.setResponseHeader(HEADER, 'bypass');
      x.set(CACHE_OUTCOME, 'bypass');
      return;
    }
    const targets = this.#targets(x);
    if (!targets) return;
    // With gateway keys, per key: a name no target of is known here (a `tag:` query), and hosted
    // tools running models of their own (an image model), which routing checks after this lookup.
    const keyed = this.#gateway.contract(KEY_ACCESS) !== undefined;
    const shared = this.#options.shared && (!keyed || (targets.length > 0 && toolModelsOf(x.body).length === 0));
    const scope = shared ? '*' : keptScope(x.caller);
    const key = requestKey(x, scope, modelKey(targets, x.model));
    if (read) {
      const found = await this.#bounded(
        this.#backend.get(key).catch((err: unknown) => this.#warn(err, 'lookup')),
        'lookup',
      );
      const entry = found === TOO_SLOW ? undefined : found;
      if (entry) {
        const age = this.#clock() - entry.storedAt;
        if (age >= 0 && age < this.#ttlMs) {
          this.#counts.hits++;
          x.set(CACHE_OUTCOME, 'hit');
          const completion = JSON.parse(entry.completion) as ChatCompletion;
          return this.#replay(x, completion, { [HEADER]: 'hit', age: String(Math.floor(age / 1000)) });
        }
        if (age >= this.#ttlMs) void this.#backend.delete(key).catch((err: unknown) => this.#warn(err, 'delete'));
      }
      this.#counts.misses++;
    } else this.#counts.bypassed++;
    x.setResponseHeader(HEADER, read ? 'miss' : 'bypass');
    x.set(CACHE_OUTCOME, read ? 'miss' : 'bypass');
    if (write) {
      x.captureResponse = true;
      x.set(PENDING, { key, limits: outputLimits(x) });
    }
  }

  /**
   * A stored answer in the caller's protocol: its response body, or for a streamed request a
   * well-formed stream of it (OpenAI chunks and `[DONE]`, Anthropic message events).
   */
  #replay(x: Exchange, completion: ChatCompletion, headers: Record<string, string>): Reply {
    const codec = this.#gateway.protocols.get(x.protocol)!;
    if (!x.stream) return Reply.json(codec.encodeResponse(completion, x), 200, headers);
    const chunks = completionChunks(completion, x.request?.stream_options?.include_usage === true);
    return Reply.stream(codec.encodeStream(replayed(chunks), x, { events: 0, done: false }), headers);
  }

  /**
   * The targets the name resolves to that the caller's gateway key may use: an entry is keyed by
   * them, so no key reads an answer of a target it may not use. Undefined when it may use none
   * (routing refuses the request).
   */
  #targets(x: Exchange): readonly Target[] | undefined {
    const resolved = this.#routes?.resolver.resolve(x.model) ?? [];
    const allows = this.#gateway.contract(KEY_ACCESS)?.(x.headers, x.url);
    if (!allows || resolved.length === 0) return resolved;
    const allowed = resolved.filter((t) => allows(x.model, t));
    return allowed.length ? allowed : undefined;
  }

  async store(result: AttemptResult, x: Exchange): Promise<void> {
    const pending = x.get(PENDING);
    if (pending === undefined || result.outcome !== 'success') return;
    // A plugin that set an output limit after the lookup (budgets) made an answer the key does not describe.
    if (outputLimits(x) !== pending.limits) {
      this.#counts.refused++;
      return;
    }
    const key = pending.key;
    const completion = x.get(CAPTURED_COMPLETION);
    if (!completion || !storable(completion, this.#options)) {
      this.#counts.refused++;
      return;
    }
    const json = JSON.stringify(completion);
    if (json.length > this.#options.maxEntryBytes) {
      this.#counts.refused++;
      return;
    }
    const write = this.#backend.set(key, { completion: json, storedAt: this.#clock() }, this.#ttlMs).then(
      () => void this.#counts.stored++,
      (err: unknown) => this.#warn(err, 'store'),
    );
    await this.#bounded(write, 'store');
  }

  /** `op`, or TOO_SLOW once storeWaitMs passed without its answer (counted, logged at most once a second). */
  #bounded<T>(op: Promise<T>, what: string): Promise<T | typeof TOO_SLOW> {
    if (this.#waitMs === undefined) return op;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof TOO_SLOW>((resolve) => {
      timer = setTimeout(resolve, this.#waitMs, TOO_SLOW);
    });
    return Promise.race([op, late]).then((answer) => {
      clearTimeout(timer);
      if (answer === TOO_SLOW) this.#slow(what);
      return answer;
    });
  }

  #slow(what: string): void {
    this.#counts.slow++;
    const now = Date.now();
    if (now - this.#slowLoggedAt < 1000) return;
    this.#slowLoggedAt = now;
    this.#gateway.logger.warn(
      { plugin: PLUGIN, event: 'response_cache_slow', what, storeWaitMs: this.#waitMs },
      `response-cache: the store did not answer a ${what} within ${this.#waitMs} ms; requests go on without waiting (a lookup counts as a miss)`,
    );
  }

  #warn(err: unknown, what: string): void {
    this.#counts.errors++;
    this.#gateway.logger.warn({ err, plugin: PLUGIN }, `response-cache: ${what} failed`);
  }
}

function addAdminRoute(
  gateway: Gateway,
  options: ResponseCacheOptions,
  backend: Backend,
  counts: ResponseCacheCounts,
): void {
  gateway.routes.add({
    method: 'GET',
    path: '/admin/response-cache',
    plugin: PLUGIN,
    handle: () => ({
      body: {
        backend: backend.kind,
        ttlSeconds: options.ttlSeconds,
        ...(backend.size === undefined ? {} : { entries: backend.size }),
        ...counts,
      },
    }),
  });
}

/** What the caller allows: `Cache-Control: no-store` and `x-switchyard-cache: bypass` skip both, `no-cache` skips the read. */
function directives(x: Exchange): { read: boolean; write: boolean } {
  const bypass = header(x, HEADER)?.trim().toLowerCase() === 'bypass';
  const control = header(x, 'cache-control')?.toLowerCase() ?? '';
  const noStore = bypass || /(^|,)\s*no-store\s*(,|$)/.test(control);
  const noCache = noStore || /(^|,)\s*no-cache\s*(,|$)/.test(control);
  return { read: !noCache, write: !noStore };
}

/**
 * The model part of the key: the targets the name resolves to, so that an alias and the model it
 * points to share entries; a name only a routing plugin resolves (e.g. `tag:`) keys by itself.
 */
function modelKey(targets: readonly Target[], model: string): string[] {
  return targets.length ? targets.map((t) => t.id) : [`name:${model}`];
}

/** The limits a plugin may set after the lookup (budgets): output tokens, and web searches (`max_tool_calls`, a tool's `max_uses`). */
function outputLimits(x: Exchange): string {
  const tools = Array.isArray(x.body.tools) ? (x.body.tools as Array<{ max_uses?: unknown } | null>) : [];
  const searches = tools.map((tool) => tool?.max_uses);
  return JSON.stringify([x.request?.max_tokens, x.request?.max_completion_tokens, x.body.max_tool_calls, searches]);
}

function header(x: Exchange, name: string): string | undefined {
  const value = x.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Complete answers only: every choice finished, and no tool calls unless configured. */
function storable(completion: ChatCompletion, options: ResponseCacheOptions): boolean {
  if (completion.choices.length === 0) return false;
  for (const choice of completion.choices) {
    if (!choice.finish_reason || carriesOpenAIReasoning(choice.message)) return false;
    if (
      !options.cacheToolCalls &&
      (choice.finish_reason === 'tool_calls' || (choice.message.tool_calls?.length ?? 0) > 0)
    )
      return false;
  }
  return true;
}

/**
 * OpenAI's encrypted reasoning is tied to the output item that followed it (OpenAI refuses the
 * reasoning item sent back without that item, by id), which a replay from the canonical form
 * would mint anew: such answers are not stored.
 */
function carriesOpenAIReasoning(message: ChatCompletion['choices'][number]['message']): boolean {
  return message.reasoning_blocks?.some((b) => b.type === 'encrypted_reasoning' && b.source === 'openai') ?? false;
}

export default responseCache;

async function* replayed(chunks: readonly ChatCompletionChunk[]): AsyncGenerator<ChatCompletionChunk> {
  yield* chunks;
}
