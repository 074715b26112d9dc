import { secretValuesOf } from '../mask.js';
import { SwitchyardError } from '../errors.js';
import { CALLER_GONE } from '../exchange.js';
import type { Exchange } from '../exchange.js';
import type { ProtocolCodec, StreamObservation } from '../protocols/codec.js';
import { defaultClassifyError } from '../providers.js';
import type { ProviderAdapter, UpstreamErrorInfo } from '../providers.js';
import type { AttemptResult, FailureKind, Target, UpstreamRequest } from '../types.js';
import { UpstreamAbort } from './abort.js';
import type { UpstreamClient } from './client.js';
import { formatSse, readSse, SseReader } from './sse.js';
import type { SseEvent } from '../types.js';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../protocols/canonical.js';
import { CompletionAccumulator } from '../protocols/completion-stream.js';
import { CAPTURED_COMPLETION } from '../exchange.js';

/** What a successful attempt hands to the HTTP layer. */
export type Delivery =
  | { kind: 'bytes'; status: number; contentType: string; body: Buffer }
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'stream'; body: AsyncIterable<string | Uint8Array> };

export type AttemptOutput =
  { ok: true; delivery: Delivery } | { ok: false; result: AttemptResult; error: SwitchyardError };

export interface AttemptContext {
  readonly x: Exchange;
  readonly target: Target;
  readonly adapter: ProviderAdapter;
  readonly codec: ProtocolCodec;
  readonly http: UpstreamClient;
  readonly request: UpstreamRequest;
  /** Reports to onResult; never throws. */
  readonly report: (result: AttemptResult) => Promise<void>;
  /** Head (streaming: first event) timeout of this attempt. @default target.instance.timeoutMs */
  readonly timeoutMs?: number;
  /** Started as a hedge beside another attempt (reported on its result). */
  readonly hedge?: boolean;
  /** Where the attempt's abort switch is bound. @default the exchange's (one attempt at a time) */
  readonly bind?: (controller: UpstreamAbort | undefined) => void;
}

const MAX_ERROR_BODY = 64 * 1024;
const TIMEOUT = Symbol('attempt timeout');
/** The abort reason of a hedged attempt whose twin answered first. */
export const HEDGE_LOST = Symbol('hedge lost');
const abortForTimeout = (controller: UpstreamAbort): void => controller.abort(TIMEOUT);

/** One upstream call: send, wait for the head (streaming: the first event), classify, report. */
export async function runAttempt(c: AttemptContext): Promise<AttemptOutput> {
  const { x, target, request } = c;
  const started = performance.now();
  const controller = new UpstreamAbort();
  bindUpstream(c, controller);
  const timeoutMs = c.timeoutMs ?? target.instance.timeoutMs;
  const timer = setTimeout(abortForTimeout, timeoutMs, controller);
  const base = c.hedge
    ? { target, attempt: x.attempt, stream: request.stream, hedge: true }
    : { target, attempt: x.attempt, stream: request.stream };
  let streaming = false;
  try {
    const body =
      typeof request.body === 'string' || request.body === undefined ? request.body : JSON.stringify(request.body);
    const res = await c.http.send(
      request.url,
      body === undefined
        ? { method: request.method, headers: request.headers }
        : { method: request.method, headers: request.headers, body },
      { signal: controller, bodyTimeoutMs: target.instance.timeoutMs },
    );
    if (!request.stream) clearTimeout(timer);

    if (res.status >= 400) {
      clearTimeout(timer);
      const text = await readCapped(res.body, MAX_ERROR_BODY);
      const info = (c.adapter.classifyError ?? defaultClassifyError)(res.status, text);
      const retryAfter = retryAfterOf(res.headers);
      const limits = info.outcome === 'rate_limited' ? rateLimitHeaders(res.headers) : undefined;
      const error = upstreamError(info, res.status, target, retryAfter, limits);
      return await failed(
        c,
        base,
        performance.now() - started,
        info.outcome,
        info.outcome === 'failure' ? 'status' : undefined,
        error,
        {
          status: res.status,
          ...(retryAfter === undefined ? {} : { retryAfter }),
          ...(limits ? { rateLimitHeaders: limits } : {}),
        },
      );
    }

    const passThrough = speaks(c.adapter, target, x.protocol) === x.protocol;
    if (!request.stream) {
      const bytes = await res.body.bytes();
      const latencyMs = performance.now() - started;
      x.timings.upstreamMs += latencyMs;
      if (passThrough) {
        // The body goes out as received; usage is parsed only if a plugin asks for it.
        if (x.captureResponse && x.operation === 'chat')
          capture(x, () => c.adapter.decodeResponse(parseJson(bytes), x));
        await c.report(passThroughResult(base, res.status, latencyMs, c.codec, bytes));
        return {
          ok: true,
          delivery: {
            kind: 'bytes',
            status: 200,
            contentType: headerValue(res.headers['content-type']) ?? 'application/json',
            body: bytes,
          },
        };
      }
      const result = { ...base, outcome: 'success', status: res.status, latencyMs } as const;
      if (x.operation === 'embeddings') {
        const decodeEmbeddings = c.adapter.decodeEmbeddings;
        if (!decodeEmbeddings)
          throw new SwitchyardError(
            'SWITCHYARD_ERR_INTERNAL',
            `provider type ${target.instance.type} cannot decode embeddings`,
            { expose: false },
          );
        const list = decodeOrFail(() => decodeEmbeddings(parseJson(bytes), x), target);
        await c.report(list.usage ? { ...result, usage: { ...list.usage, completion_tokens: 0 } } : result);
        return { ok: true, delivery: { kind: 'json', status: 200, body: list } };
      }
      const completion = decodeOrFail(() => c.adapter.decodeResponse(parseJson(bytes), x), target);
      if (x.captureResponse) x.set(CAPTURED_COMPLETION, completion);
      await c.report(completion.usage ? { ...result, usage: completion.usage } : result);
      return { ok: true, delivery: { kind: 'json', status: 200, body: c.codec.encodeResponse(completion, x) } };
    }

    const obs: StreamObservation = { events: 0, done: false };
    const recording = x.captureResponse && x.operation === 'chat' ? new StreamRecording() : undefined;
    const framed = c.adapter.readEvents?.(res.body, x);
    const pieces = passThrough
      ? framed
        ? reframedEvents(framed, c.codec, obs, x, recording?.events)
        : passThroughEvents(res.body, c.codec, obs, x, recording?.events)
      : c.codec.encodeStream(
          recording
            ? recording.accumulate(c.adapter.decodeStream(framed ?? readSse(res.body), x))
            : c.adapter.decodeStream(framed ?? readSse(res.body), x),
          x,
          obs,
        );
    const it = pieces[Symbol.asyncIterator]();
    const head: Array<string | Uint8Array> = [];
    while (obs.events === 0) {
      const next = await it.next();
      if (next.done) break;
      head.push(next.value);
    }
    clearTimeout(timer);
    if (obs.events === 0 || obs.error !== undefined) {
      await it.return?.(undefined);
      const why = obs.error ?? 'upstream stream ended before its first event';
      return await failed(
        c,
        base,
        performance.now() - started,
        'failure',
        'stream_broken',
        new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: ${why}`, { expose: true }),
        {
          status: res.status,
        },
      );
    }
    const ttftMs = performance.now() - started;
    x.timings.ttftMs = ttftMs;
    streaming = true;
    return {
      ok: true,
      delivery: {
        kind: 'stream',
        body: deliverStream(c, head, it, obs, {
          attempt: base.attempt,
          started,
          ttftMs,
          status: res.status,
          controller,
          recording,
        }),
      },
    };
  } catch (err) {
    clearTimeout(timer);
    if (controller.reason === TIMEOUT) {
      const what = request.stream ? 'no first event' : 'no response';
      return await failed(
        c,
        base,
        performance.now() - started,
        'failure',
        'timeout',
        new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_TIMEOUT', `${target.id}: ${what} within ${timeoutMs} ms`, {
          expose: true,
        }),
      );
    }
    if (controller.reason === HEDGE_LOST) {
      return await failed(
        c,
        base,
        performance.now() - started,
        'cancelled',
        'hedge_lost',
        new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: another hedged attempt answered first`, {
          expose: true,
        }),
      );
    }
    if (x.aborted) {
      return await failed(
        c,
        base,
        performance.now() - started,
        'cancelled',
        'client_abort',
        new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: the client went away`, { expose: true }),
      );
    }
    if (err instanceof SwitchyardError) {
      // An upstream that reports throttling inside its stream (readEvents) before the first event.
      if (err.code === 'SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED')
        return await failed(c, base, performance.now() - started, 'rate_limited', undefined, err);
      return await failed(c, base, performance.now() - started, 'failure', 'stream_broken', err);
    }
    return await failed(
      c,
      base,
      performance.now() - started,
      'failure',
      'connection',
      new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: ${connectionMessage(err)}`, {
        expose: true,
        cause: err,
      }),
    );
  } finally {
    if (!streaming) bindUpstream(c, undefined);
  }
}

/** Reports a failed attempt and hands its result and error to dispatch. */
async function failed(
  c: AttemptContext,
  base: Pick<AttemptResult, 'target' | 'attempt' | 'stream' | 'hedge'>,
  latencyMs: number,
  outcome: AttemptResult['outcome'],
  failure: FailureKind | undefined,
  error: SwitchyardError,
  extra?: Partial<AttemptResult>,
): Promise<AttemptOutput> {
  const result: AttemptResult = {
    ...base,
    outcome,
    latencyMs,
    message: error.message,
    ...extra,
    ...(failure === undefined ? {} : { failure }),
  };
  c.x.timings.upstreamMs += latencyMs;
  await c.report(result);
  return { ok: false, result, error };
}

/**
 * A pass-through JSON attempt's result, its usage read from the bytes only when someone asks (an
 * own enumerable getter, so spreading the result reads it too). Written out rather than spread
 * from `base`, and without defineProperty: the hot path's one result per request.
 */
function passThroughResult(
  base: Pick<AttemptResult, 'target' | 'attempt' | 'stream' | 'hedge'>,
  status: number,
  latencyMs: number,
  codec: ProtocolCodec,
  bytes: Buffer,
): AttemptResult {
  let usage: Usage | undefined | null = null;
  const result = {
    target: base.target,
    attempt: base.attempt,
    stream: base.stream,
    outcome: 'success' as const,
    status,
    latencyMs,
    get usage(): Usage | undefined {
      return usage === null ? (usage = codec.usageOf(bytes)) : usage;
    },
  };
  return base.hedge ? { ...result, hedge: true, usage: result.usage } : result;
}

function bindUpstream(c: AttemptContext, controller: UpstreamAbort | undefined): void {
  if (c.bind) c.bind(controller);
  else c.x.bindUpstream(controller);
}

interface StreamState {
  attempt: number;
  started: number;
  ttftMs: number;
  status: number;
  controller: UpstreamAbort;
  /** Present when the exchange asked for the served answer. */
  recording: StreamRecording | undefined;
}

/** The committed part of a stream: flows with backpressure, ends with an error event if it breaks, reports once. */
async function* deliverStream(
  c: AttemptContext,
  head: Array<string | Uint8Array>,
  it: AsyncIterator<string | Uint8Array>,
  obs: StreamObservation,
  s: StreamState,
): AsyncGenerator<string | Uint8Array> {
  let broken: SwitchyardError | undefined;
  let finished = false;
  try {
    for (const piece of head) yield piece;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
    if (obs.error !== undefined) {
      broken = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${c.target.id}: ${obs.error}`, { expose: true });
    } else if (!obs.done) {
      broken = new SwitchyardError(
        'SWITCHYARD_ERR_UPSTREAM_FAILED',
        `${c.target.id}: upstream stream ended before completion`,
        { expose: true },
      );
      yield c.codec.streamError(broken, obs);
    }
    finished = true;
  } catch (err) {
    if (!c.x.aborted) {
      const why = err instanceof SwitchyardError ? err.message : `upstream stream broke: ${connectionMessage(err)}`;
      broken = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${c.target.id}: ${why}`, {
        expose: true,
        cause: err,
      });
      yield c.codec.streamError(broken, obs);
      finished = true;
    }
  } finally {
    bindUpstream(c, undefined);
    if (!finished) s.controller.abort(CALLER_GONE);
    await it.return?.().catch(() => undefined);
    const latencyMs = performance.now() - s.started;
    c.x.timings.upstreamMs += latencyMs;
    if (finished && !broken && s.recording) await s.recording.complete(c);
    const result: AttemptResult = {
      target: c.target,
      attempt: s.attempt,
      stream: true,
      ...(c.hedge ? { hedge: true } : {}),
      status: s.status,
      latencyMs,
      ttftMs: s.ttftMs,
      ...(obs.usage ? { usage: obs.usage } : {}),
      ...(!finished
        ? { outcome: 'cancelled', failure: 'client_abort', message: 'the client went away mid-stream' }
        : broken
          ? { outcome: 'failure', failure: 'stream_broken', message: broken.message }
          : { outcome: 'success' }),
    } as AttemptResult;
    await c.report(result);
  }
}

/**
 * Same-protocol streams: every event is observed; a chunk made of whole events is forwarded as
 * the upstream's own bytes, and any other chunk (or one with an event the codec withholds) as
 * its completed events, re-framed, so that a stream cut mid-event never hands the caller half
 * an event before the error event.
 */
async function* passThroughEvents(
  body: AsyncIterable<Uint8Array>,
  codec: ProtocolCodec,
  obs: StreamObservation,
  x: Exchange,
  record?: SseEvent[],
): AsyncGenerator<string | Uint8Array> {
  const reader = new SseReader();
  let aligned = true;
  for await (const chunk of body) {
    const events = reader.feed(chunk);
    let kept: SseEvent[] | undefined;
    for (let i = 0; i < events.length; i++) {
      if (codec.observe(events[i]!, obs, x) === false) kept ??= events.slice(0, i);
      else kept?.push(events[i]!);
    }
    if (record) record.push(...events);
    const whole = aligned && endsOnEventBoundary(chunk);
    if (whole && !kept) yield chunk;
    else if ((kept ?? events).length) yield (kept ?? events).map(formatSse).join('');
    aligned = endsOnEventBoundary(chunk);
  }
}

/** Same-protocol streams of an upstream that frames them otherwise (readEvents): every event observed and re-framed as SSE. */
async function* reframedEvents(
  events: AsyncIterable<SseEvent>,
  codec: ProtocolCodec,
  obs: StreamObservation,
  x: Exchange,
  record?: SseEvent[],
): AsyncGenerator<string> {
  for await (const event of events) {
    const keep = codec.observe(event, obs, x) !== false;
    record?.push(event);
    if (keep) yield formatSse(event);
  }
}

/** The wire protocol an attempt on `target` speaks for a caller of `inbound`. */
export function speaks(adapter: ProviderAdapter, target: Target, inbound: string): string {
  return adapter.protocolFor ? adapter.protocolFor(target, inbound) : adapter.protocol;
}

/**
 * The served answer of a stream, for exchanges that asked for it: converted streams accumulate
 * their canonical chunks as they pass; pass-through streams keep their events, decoded once,
 * after the stream completed, so the bytes path itself stays untouched.
 */
class StreamRecording {
  readonly events: SseEvent[] = [];
  readonly #completion = new CompletionAccumulator();
  #chunks = 0;

  async *accumulate(chunks: AsyncIterable<ChatCompletionChunk>): AsyncGenerator<ChatCompletionChunk> {
    for await (const chunk of chunks) {
      this.#completion.push(chunk);
      this.#chunks++;
      yield chunk;
    }
  }

  /** Sets CAPTURED_COMPLETION from what was recorded; an undecodable recording sets nothing. */
  async complete(c: AttemptContext): Promise<void> {
    try {
      if (this.events.length) {
        for await (const chunk of c.adapter.decodeStream(replay(this.events), c.x)) this.#completion.push(chunk);
      } else if (this.#chunks === 0) return;
      c.x.set(CAPTURED_COMPLETION, this.#completion.result());
    } catch {
      /* not capturable: the answer simply is not handed over */
    }
  }
}

async function* replay(events: readonly SseEvent[]): AsyncGenerator<SseEvent> {
  yield* events;
}

/**
 * Non-stream pass-through: the canonical completion of the bytes sent, decoded only for exchanges
 * that asked. What the decoder would warn about converting does not concern the caller, who got
 * the upstream's own body: its warnings are dropped.
 */
function capture(x: Exchange, decode: () => ChatCompletion): void {
  const warnings = x.warnings.length;
  try {
    x.set(CAPTURED_COMPLETION, decode());
  } catch {
    /* not capturable */
  } finally {
    x.warnings.length = warnings;
  }
}

/** A blank line ends an SSE event: `\n\n`, `\r\r` or `\r\n\r\n`. */
function endsOnEventBoundary(chunk: Uint8Array): boolean {
  const n = chunk.length;
  if (n < 2) return false;
  const last = chunk[n - 1];
  const prev = chunk[n - 2];
  if ((last === 0x0a && prev === 0x0a) || (last === 0x0d && prev === 0x0d)) return true;
  return n >= 4 && last === 0x0a && prev === 0x0d && chunk[n - 3] === 0x0a && chunk[n - 4] === 0x0d;
}

function decodeOrFail<T>(decode: () => T, target: Target): T {
  try {
    return decode();
  } catch (err) {
    throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: unreadable upstream response`, {
      expose: true,
      cause: err,
    });
  }
}

function upstreamError(
  info: UpstreamErrorInfo,
  status: number,
  target: Target,
  retryAfter: string | undefined,
  limits?: Record<string, string>,
): SwitchyardError {
  const message = scrub(info.message, target);
  if (info.outcome === 'business_error') {
    return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_BUSINESS', message, {
      status,
      expose: true,
      ...(info.type ? { type: info.type } : {}),
      ...(info.code ? { publicCode: info.code } : {}),
      ...(info.param ? { param: info.param } : {}),
    });
  }
  if (info.outcome === 'rate_limited') {
    const headers = { ...limits, ...(retryAfter ? { 'retry-after': retryAfter } : {}) };
    return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED', `${target.id}: ${message}`, {
      expose: true,
      ...(Object.keys(headers).length ? { headers } : {}),
    });
  }
  return new SwitchyardError(
    'SWITCHYARD_ERR_UPSTREAM_FAILED',
    `${target.id}: upstream answered ${status}: ${message}`,
    { expose: true },
  );
}

/** An upstream must never get to echo the gateway's credentials (its key, secrets in its base URL or headers) to a caller. */
function scrub(message: string, target: Target): string {
  let clean = message;
  for (const secret of secretValuesOf(target.instance))
    if (clean.includes(secret)) clean = clean.split(secret).join('****');
  return clean;
}

function connectionMessage(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset by upstream';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'upstream stopped sending';
  return code ? `connection error (${code})` : 'connection error';
}

async function readCapped(body: AsyncIterable<Uint8Array>, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < cap) chunks.push(Buffer.from(chunk));
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** An upstream's rate-limit headers, passed on to callers with its 429 (and remembered by a breaker). */
function rateLimitHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> | undefined {
  let found: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !(name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-'))) continue;
    (found ??= {})[name] = headerValue(value)!;
  }
  return found;
}

/** Retry-After in seconds: `retry-after-ms` (Azure OpenAI's, more precise) rounded up when present, else `retry-after`. */
function retryAfterOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const ms = Number(headerValue(headers['retry-after-ms']));
  return Number.isFinite(ms) && ms > 0 ? String(Math.ceil(ms / 1000)) : headerValue(headers['retry-after']);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
