import type { Usage } from '@switchyard/core/protocol';
import type { ModelPricing, Price } from '@switchyard/plugin-models/contract';

/** A request's tokens by how they are priced; every usage token lands in exactly one kind. */
export interface TokenCounts {
  /** Input neither read from nor written to a prompt cache. */
  input: number;
  /** Input read from a prompt cache. */
  cachedRead: number;
  /** Input written to a prompt cache kept five minutes (or of unstated lifetime). */
  cacheWrite5m: number;
  /** Input written to a prompt cache kept one hour. */
  cacheWrite1h: number;
  /** Output that is not reasoning. */
  output: number;
  /** Reasoning (thinking) output. */
  reasoning: number;
}

/** USD per token kind. */
export type CostBreakdown = { [K in keyof TokenCounts]: number };

export const TOKEN_KINDS: readonly (keyof TokenCounts)[] = [
  'input',
  'cachedRead',
  'cacheWrite5m',
  'cacheWrite1h',
  'output',
  'reasoning',
];

/**
 * Splits canonical usage into token kinds. Cache reads and writes are part of `prompt_tokens`,
 * one-hour writes part of the writes, reasoning part of `completion_tokens` (OpenAI's
 * accounting, which every decoder follows); a count that claims more than its whole is capped.
 */
export function tokensOf(usage: Usage): TokenCounts {
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  const details = usage.prompt_tokens_details;
  const cachedRead = Math.min(prompt, count(details?.cached_tokens));
  const written = Math.min(prompt - cachedRead, count(details?.cache_write_tokens));
  const hour = Math.min(written, count(details?.cache_write_1h_tokens));
  const reasoning = Math.min(completion, count(usage.completion_tokens_details?.reasoning_tokens));
  return {
    input: prompt - cachedRead - written,
    cachedRead,
    cacheWrite5m: written - hour,
    cacheWrite1h: hour,
    output: completion - reasoning,
    reasoning,
  };
}

/** USD per 1M tokens of each kind, the defaults of a price filled in. */
export function ratesOf(price: Price): CostBreakdown {
  const cacheWrite = price.cacheWrite ?? price.input;
  return {
    input: price.input,
    cachedRead: price.cachedRead ?? price.input,
    cacheWrite5m: cacheWrite,
    cacheWrite1h: price.cacheWrite1h ?? cacheWrite,
    output: price.output,
    reasoning: price.reasoning ?? price.output,
  };
}

/** Web searches a server tool ran for an answer (canonical usage's `server_tool_use.web_search_requests`), billed per search. */
export function webSearchesOf(usage: Usage): number {
  return count(usage.server_tool_use?.web_search_requests);
}

/** OpenAI's Chat Completions search models (`gpt-4o-search-preview`, `gpt-5-search-api`), as wire-chat knows them. */
const CHAT_SEARCH_MODEL = /(^|[-/])search([-_]|$)/;

/**
 * Web searches a request runs on `model` whatever its usage says: one for a Chat Completions
 * `web_search_options`, and one for every answer of OpenAI's search models, which search whether
 * the request sets it or not, and report no count.
 */
export function requestedSearchesOf(body: Record<string, unknown>, model?: string): number {
  const asked = body.web_search_options !== undefined && body.web_search_options !== null;
  return asked || (model !== undefined && CHAT_SEARCH_MODEL.test(model)) ? 1 : 0;
}

/** What `searches` web searches cost at `price`; undefined when they ran and the price has no `webSearch`. */
export function searchFeeOf(price: Price, searches: number): number | undefined {
  if (searches === 0) return 0;
  return price.webSearch === undefined ? undefined : (searches * price.webSearch) / 1000;
}

/** What `tokens` cost at `price`: USD per kind and in total. */
export function costOf(price: Price, tokens: TokenCounts): { usd: number; breakdown: CostBreakdown } {
  const rates = ratesOf(price);
  const breakdown = {} as CostBreakdown;
  let usd = 0;
  for (const kind of TOKEN_KINDS) {
    const part = (tokens[kind] * rates[kind]) / 1_000_000;
    breakdown[kind] = part;
    usd += part;
  }
  return { usd, breakdown };
}

/** A price in force and the `from` of the version it came from (none: the base price). */
export interface PriceInForce {
  readonly price: Price;
  readonly from?: string;
}

type Schedule = ReadonlyArray<{ at: number; version: Price & { from: string } }>;
const schedules = new WeakMap<ModelPricing, Schedule>();

/**
 * The price of a model at epoch ms `at`: the latest version whose `from` has come, else the
 * base fields. Versions are parsed once per pricing object (the model table memoizes them).
 */
export function priceAt(pricing: ModelPricing, at: number): PriceInForce {
  if (!pricing.versions?.length) return { price: pricing };
  let schedule = schedules.get(pricing);
  if (!schedule) {
    schedule = pricing.versions
      .map((version) => ({ at: instantOf(version.from), version }))
      .filter((v) => Number.isFinite(v.at))
      .sort((a, b) => a.at - b.at);
    schedules.set(pricing, schedule);
  }
  let inForce: PriceInForce = { price: pricing };
  for (const { at: from, version } of schedule) {
    if (from > at) break;
    inForce = { price: version, from: version.from };
  }
  return inForce;
}

/** Epoch ms of a version's `from`: a date is its UTC midnight, a time without an offset is UTC. */
export function instantOf(from: string): number {
  const zoned = /T.*(Z|[+-]\d{2}:\d{2})$/.test(from) || !from.includes('T') ? from : `${from}Z`;
  return Date.parse(zoned);
}

/** Tiers priced as the model's own price: OpenAI's `auto` and `default`, Anthropic's `standard_only`. */
const STANDARD_TIERS = new Set(['auto', 'default', 'standard', 'standard_only']);

/**
 * Body fields a caller sets that the upstream bills at a price of their own, with the values billed
 * at the model's own price: OpenAI's and Anthropic's `service_tier`, Anthropic's fast mode (`speed:
 * "fast"`, six times the price on Claude Opus 4.6) and US-only inference (`inference_geo: "us"`, 1.1 times).
 */
const PRICED_FIELDS: ReadonlyArray<readonly [string, ReadonlySet<string>]> = [
  ['service_tier', STANDARD_TIERS],
  ['speed', new Set(['standard'])],
  ['inference_geo', new Set(['global'])],
];

/** The priced fields a request sets to a value billed beyond the model's own price, as [field, value]. */
function pricedChoicesOf(body: Record<string, unknown>): Array<[string, string]> | undefined {
  let choices: Array<[string, string]> | undefined;
  for (const [field, standard] of PRICED_FIELDS) {
    const value = body[field];
    if (typeof value === 'string' && !standard.has(value)) (choices ??= []).push([field, value]);
  }
  return choices;
}

/**
 * The price tier a request asks for, when not the standard one: its `service_tier` (`priority`),
 * `speed` (`fast`) or `inference_geo` (`us`) value, several joined by `+` (`fast+us`).
 */
export function serviceTierOf(body: Record<string, unknown>): string | undefined {
  return pricedChoicesOf(body)
    ?.map(([, value]) => value)
    .join('+');
}

/** What asked for the request's price tier, for a message: `service_tier priority`, `speed fast and inference_geo us`. */
export function tierRequestOf(body: Record<string, unknown>): string | undefined {
  return pricedChoicesOf(body)
    ?.map(([field, value]) => `${field} ${value}`)
    .join(' and ');
}

/** The price of `tier` (undefined: the standard one); undefined when the catalog prices no such tier. */
export function tierPrice(price: Price, tier: string | undefined): Price | undefined {
  if (tier === undefined) return price;
  return Object.hasOwn(price.tiers ?? {}, tier) ? price.tiers![tier] : undefined;
}

/** A request's prompt tokens: its input, cache reads and cache writes (what a long-context price's `above` counts). */
export function promptTokensOf(tokens: TokenCounts): number {
  return tokens.input + tokens.cachedRead + tokens.cacheWrite5m + tokens.cacheWrite1h;
}

/**
 * The price of a request whose prompt is `promptTokens` long: the price's `longContext` when the
 * prompt is above its `above` (the whole request, output included, with the price's `webSearch`), else
 * the price itself.
 */
export function longContextPrice(price: Price, promptTokens: number): Price {
  const long = price.longContext;
  if (!long || !(promptTokens > long.above)) return price;
  const { above: _above, ...rates } = long;
  return price.webSearch === undefined ? rates : { ...rates, webSearch: price.webSearch };
}

/**
 * The most `inputTokens` of prompt and `outputTokens` of answer can cost at `price`: any of the
 * prompt may be written to a prompt cache (by the caller's or the prompt-cache plugin's breakpoints,
 * for five minutes or an hour), which costs more than input; reasoning may be dearer than output.
 */
export function worstCaseUsd(price: Price, inputTokens: number, outputTokens: number): number {
  const rates = ratesOf(price);
  const input = Math.max(rates.input, rates.cacheWrite5m, rates.cacheWrite1h);
  return (inputTokens * input + outputTokens * Math.max(rates.output, rates.reasoning)) / 1_000_000;
}

/** USD as a header value: plain decimal, at most 10 places, no trailing zeros. */
export function formatUsd(usd: number): string {
  const fixed = usd.toFixed(10);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
