import {
  advisorCallsOf,
  advisorToolsOf,
  bodyTokens,
  compactsContext,
  inlinePdfTokens,
  promptMediaOf,
  readsToolResults,
} from '@switchyard/plugin-models/contract';
import type { KeyLimits, LimitSet } from './schema.js';

export type { InstanceCaps, KeyLimits, LimitSet } from './schema.js';

export type Dimension = 'requests' | 'tokens' | 'concurrent' | 'daily';

/** One counter to move at admission: which window, which scope, how much, and its limit. */
export interface Charge {
  readonly dimension: Dimension;
  readonly scope: string;
  readonly points: number;
  readonly limit: number;
  /** The request may use more than this limit though its body fits it: it takes the whole window of the limit; `beyond` says why. */
  readonly whole?: true;
  readonly beyond?: string;
}

/**
 * A request's token reservation: `tokens` with what the upstream may read beyond the body and write
 * when the request sets no output limit, `shown` without (the body, and the output limit it sets or
 * `defaultMaxTokens`); `beyond` says what makes them differ.
 */
export interface Reservation {
  readonly tokens: number;
  readonly shown: number;
  readonly beyond?: string;
  /** The output limit to send a request that sets none: what was reserved for it, where its model's own is not known. */
  readonly sendOutput?: number;
}

/** The limits that apply to a request, flattened into charges. */
export function chargesFor(scopes: ReadonlyArray<{ id: string; limits: LimitSet }>, tokens: Reservation): Charge[] {
  const charges: Charge[] = [];
  for (const { id, limits } of scopes) {
    if (limits.requestsPerMinute !== undefined)
      charges.push({ dimension: 'requests', scope: id, points: 1, limit: limits.requestsPerMinute });
    if (limits.tokensPerMinute !== undefined) charges.push(tokenCharge('tokens', id, tokens, limits.tokensPerMinute));
    if (limits.tokensPerDay !== undefined) charges.push(tokenCharge('daily', id, tokens, limits.tokensPerDay));
    if (limits.concurrent !== undefined)
      charges.push({ dimension: 'concurrent', scope: id, points: 1, limit: limits.concurrent });
  }
  return charges;
}

/**
 * A token limit's charge. A request the upstream may read more for than the limit holds, though its
 * body fits (hosted tools reading results, a file by reference), takes the whole limit: it runs
 * alone in its window, and settles to its usage, instead of being refused in every window.
 */
function tokenCharge(dimension: 'tokens' | 'daily', scope: string, tokens: Reservation, limit: number): Charge {
  if (tokens.tokens <= limit || tokens.shown > limit) return { dimension, scope, points: tokens.tokens, limit };
  return { dimension, scope, points: limit, limit, whole: true, ...(tokens.beyond ? { beyond: tokens.beyond } : {}) };
}

/**
 * The scopes a request counts against: the key (plugin `keys[name]`, else the caller's
 * `metadata.limits` from the auth plugin, else `defaults`), then each matching key × model entry.
 * A model entry matches the requested name or a model it resolves to (`reached`: an alias's or
 * an `instance/model`'s), and counts under that model's name: no other name for it steps around.
 * A glob opens no scope for a requested name that resolves to nothing (`reached` answers `[]`;
 * `undefined` when nothing resolves names): it is refused as unknown whatever its limits, and a
 * caller could otherwise open a counter, kept for a day, per name it makes up.
 */
export function scopesFor(
  caller: string,
  model: string,
  configured: KeyLimits | undefined,
  fromCaller: KeyLimits | undefined,
  defaults: KeyLimits | undefined,
  reached: (model: string) => readonly string[] | undefined = () => undefined,
  familyOf: (model: string) => string | undefined = () => undefined,
): Array<{ id: string; limits: LimitSet }> {
  const base = configured ?? fromCaller ?? defaults;
  if (!base) return [];
  const scopes: Array<{ id: string; limits: LimitSet }> = [{ id: `key:${caller}`, limits: base }];
  const entries = Object.entries(base.models ?? {});
  if (entries.length === 0) return scopes;
  const reach = reached(model);
  const names = new Set([model, ...(reach ?? [])]);
  // A dated snapshot is its model by another name: it counts under the model's name too.
  for (const name of [...names]) {
    const family = familyOf(name);
    if (family !== undefined) names.add(family);
  }
  const unknown = reach?.length === 0;
  for (const [pattern, limits] of entries) {
    if (!limits || typeof limits !== 'object') continue;
    for (const name of names) {
      if (unknown && pattern.includes('*')) continue;
      const id = `key:${caller}|model:${name}`;
      if (globMatch(pattern, name) && !scopes.some((s) => s.id === id)) scopes.push({ id, limits });
    }
  }
  return scopes;
}

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const body = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`, 's').test(value);
}

/** Characters per token in the prompt estimate: ~4 for English text with OpenAI-style tokenizers. */
export const DEFAULT_CHARS_PER_TOKEN = 4;

/**
 * Input tokens a request the upstream may read up to the window for is taken for when no context
 * window is known for the model: the largest windows served (2M tokens).
 */
export const UNKNOWN_WINDOW_TOKENS = 2_000_000;

/** What estimateTokens asks of the requested model, each only when it needs it. */
export interface ModelFacts {
  /** The largest context window of the models the name resolves to. */
  readonly contextWindow?: () => number | undefined;
  /**
   * The largest output limit of the models the name resolves to; undefined when one has none known.
   * Absent: a request that sets no output limit is reserved `defaultMaxTokens` and sent none.
   */
  readonly outputLimit?: () => number | undefined;
  /** Whether a target of the name reads any file by URL (Gemini's fileData): an image URL of unknown kind may be a video. */
  readonly readsAnyUrl?: () => boolean;
  /** The context window and output limit known of another model the request runs by name (an advisor tool's). */
  readonly limitsOf?: (model: string) => { readonly contextWindow?: number; readonly outputLimit?: number };
}

/**
 * Tokens to reserve at admission: the whole body's text / `charsPerToken` (plugin-models' bodyTokens:
 * every string but the model name, characters past ASCII weighed by their bytes, 1000 per image, one
 * per token id of an embeddings input given as tokens), or the inline PDFs' pages at PDF_PAGE_TOKENS
 * each when that is more (plugin-models' inlinePdfTokens) — the whole `model.contextWindow()` (else
 * UNKNOWN_WINDOW_TOKENS) when the upstream may read input the body does not show: a PDF whose pages
 * cannot be counted, hosted tools whose results it reads, a document given by reference, an image
 * URL of unknown kind where a target reads any file by URL (the input budgets reserve up to the
 * window, plugin-models' readsToolResults and promptMediaOf) — plus
 * `max_tokens` / `max_completion_tokens` / `max_output_tokens` times `n`. A request that sets none
 * is reserved `defaultMaxTokens`; when `model.outputLimit` is given (`outputWithoutLimit: reserve`),
 * its model's limit instead, or where that is unknown `defaultMaxTokens`, then to be sent as its
 * limit (`sendOutput`); all that twice for a request asking for a server-side compaction
 * (plugin-models' compactsContext). An Anthropic advisor tool adds, for each call its `max_uses` allows (else
 * plugin-models' ADVISOR_CALLS_UNCAPPED), its model's context window (else the requested model's, else
 * UNKNOWN_WINDOW_TOKENS) and its `max_tokens` (else its model's output limit, else `defaultMaxTokens`):
 * each call reads the whole transcript. `shown` is the same without the windows, the advisor and the
 * compaction, and with `defaultMaxTokens` at most for an output limit the request does not set.
 */
export function estimateTokens(
  body: Record<string, unknown>,
  charsPerToken: number,
  defaultMaxTokens: number,
  model: ModelFacts = {},
): Reservation {
  // An inline PDF is billed by its pages, whatever its bytes: a blank page takes a few dozen. One
  // whose pages cannot be counted (encrypted, broken), search or fetch results, a file read by
  // reference, an image URL that may serve any file to an upstream reading it may fill the window:
  // counted so, or a burst of short bodies passes the limit at once.
  const pdfs = inlinePdfTokens(body);
  const media = promptMediaOf(body);
  const unbounded =
    pdfs.uncounted > 0 ||
    readsToolResults(body) ||
    media.byReference ||
    (media.unknownKind && model.readsAnyUrl?.() === true);
  const shown = Math.max(bodyTokens(body, charsPerToken), pdfs.tokens);
  const prompt = unbounded ? Math.max(shown, model.contextWindow?.() ?? UNKNOWN_WINDOW_TOKENS) : shown;
  // The larger of the fields a caller set: an upstream may read either.
  const asked = largestInteger(body.max_completion_tokens, body.max_tokens, body.max_output_tokens);
  const limit = asked === undefined ? model.outputLimit?.() : undefined;
  const output = asked ?? limit ?? defaultMaxTokens;
  const choices = Math.max(1, largestInteger(body.n) ?? 1); // n answers, each up to max
  const advised = advisorTokens(body, defaultMaxTokens, model);
  // A server-side compaction reads the prompt and writes a summary before the answer does both.
  const samplings = compactsContext(body) ? 2 : 1;
  const beyond = unbounded
    ? `this request may read up to its model's context window${advised ? ", and its advisor tool's model up to its own at each call" : ''}`
    : samplings > 1
      ? 'this request compacts its context server-side: its prompt is read twice'
      : limit !== undefined && limit > defaultMaxTokens
        ? `this request sets no output limit: its model may write up to ${limit} tokens`
        : undefined;
  return {
    tokens: (prompt + output * choices) * samplings + advised,
    shown: shown + Math.min(output, asked ?? defaultMaxTokens) * choices,
    ...(beyond ? { beyond } : {}),
    ...(asked === undefined && limit === undefined && model.outputLimit ? { sendOutput: defaultMaxTokens } : {}),
  };
}

/** What a body's advisor tools may read and write over all their calls (estimateTokens). */
function advisorTokens(body: Record<string, unknown>, defaultMaxTokens: number, model: ModelFacts): number {
  let tokens = 0;
  for (const tool of advisorToolsOf(body)) {
    const known = tool.model === undefined ? {} : (model.limitsOf?.(tool.model) ?? {});
    const window = known.contextWindow ?? model.contextWindow?.() ?? UNKNOWN_WINDOW_TOKENS;
    const limit = known.outputLimit;
    const output = Math.min(tool.maxTokens ?? limit ?? defaultMaxTokens, limit ?? Infinity);
    tokens += advisorCallsOf(tool) * (window + output);
  }
  return tokens;
}

function largestInteger(...values: unknown[]): number | undefined {
  let largest: number | undefined;
  for (const v of values)
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && (largest === undefined || v > largest)) largest = v;
  return largest;
}

/** One counter reading: used points and ms until its window resets. */
export interface Reading {
  readonly used: number;
  readonly resetMs: number;
}

/** OpenAI-style `x-ratelimit-*` headers, for a refusal (its Retry-After comes from core's retryAdvice()). */
export function rateLimitHeaders(
  requests: { limit: number; reading: Reading } | undefined,
  tokens: { limit: number; reading: Reading } | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  setRateLimitHeaders((name, value) => (headers[name] = value), requests, tokens);
  return headers;
}

const HEADER_NAMES = {
  requests: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
} as const;

/** The `x-ratelimit-*` headers of rateLimitHeaders(), each handed to `set` (no object in between). */
export function setRateLimitHeaders(
  set: (name: string, value: string) => void,
  requests: { limit: number; reading: Reading } | undefined,
  tokens: { limit: number; reading: Reading } | undefined,
): void {
  if (requests) setEntry(set, HEADER_NAMES.requests, requests);
  if (tokens) setEntry(set, HEADER_NAMES.tokens, tokens);
}

function setEntry(
  set: (name: string, value: string) => void,
  names: readonly [string, string, string],
  entry: { limit: number; reading: Reading },
): void {
  set(names[0], String(entry.limit));
  set(names[1], String(Math.max(0, entry.limit - entry.reading.used)));
  set(names[2], formatDuration(entry.reading.resetMs));
}

/** `1.5s`, `6m0s`: the duration format OpenAI uses in x-ratelimit-reset-*. */
export function formatDuration(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 60_000) return `${Math.ceil(clamped / 100) / 10}s`;
  const minutes = Math.floor(clamped / 60_000);
  const seconds = Math.ceil((clamped % 60_000) / 1000);
  return minutes >= 60 ? `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds}s` : `${minutes}m${seconds}s`;
}
