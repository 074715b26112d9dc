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
import { formatSse, readSse } from './sse.js';
import { PassThroughFramer, PassThroughStream } from './pass-through.js';
import { canPush } from '../protocols/push.js';
import type { PieceSink, PushedPieces, PushListener, PushSource } from '../protocols/push.js';
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
        : new PassThroughStream(res.body, new PassThroughFramer(c.codec, obs, x), recording?.events)
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

const DONE: IteratorResult<string | Uint8Array> = Object.freeze({ value: undefined, done: true });

/**
 * The committed part of a stream: flows with backpressure, ends with an error event if it breaks,
 * reports once. A plain iterator rather than an async generator, as it runs once per chunk: it
 * hands on the pieces' own iterator results.
 */
function deliverStream(
  c: AttemptContext,
  head: Array<string | Uint8Array>,
  it: AsyncIterator<string | Uint8Array>,
  obs: StreamObservation,
  s: StreamState,
): AsyncIterableIterator<string | Uint8Array> {
  return new StreamDelivery(c, head, it, obs, s);
}

class StreamDelivery implements PushedPieces, PushListener<string | Uint8Array> {
  readonly #c: AttemptContext;
  readonly #head: Array<string | Uint8Array>;
  #headAt = 0;
  readonly #it: AsyncIterator<string | Uint8Array>;
  readonly #obs: StreamObservation;
  readonly #s: StreamState;
  #broken: SwitchyardError | undefined;
  /** The pieces are over, ended by an error event: the next call reports. */
  #over = false;
  /** Reporting has begun: whatever the upstream still pushes is dropped. */
  #closing = false;
  #finished: Promise<void> | undefined;
  /** Set by pipe(): where the pieces are pushed. */
  #sink: PieceSink | undefined;

  constructor(
    c: AttemptContext,
    head: Array<string | Uint8Array>,
    it: AsyncIterator<string | Uint8Array>,
    obs: StreamObservation,
    s: StreamState,
  ) {
    this.#c = c;
    this.#head = head;
    this.#it = it;
    this.#obs = obs;
    this.#s = s;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<string | Uint8Array>> {
    if (this.#finished) return this.#finished.then(done);
    if (this.#over) return this.#finish(true).then(done);
    if (this.#headAt < this.#head.length) return Promise.resolve({ value: this.#takeHead(), done: false });
    return this.#it.next().then(this.#onPiece, this.#onError);
  }

  /** The caller stopped reading (left, or a cut): the upstream is dropped, the attempt reported cancelled. */
  return(): Promise<IteratorResult<string | Uint8Array>> {
    return this.#finish(false).then(done);
  }

  /** Streams read from an upstream body push their pieces (pipe()), without a promise per piece and layer. */
  get pushable(): boolean {
    return canPush(this.#it);
  }

  /** Pushes the pieces to `sink` from now on, instead of next(); `sink.end()` once reported. */
  pipe(sink: PieceSink): void {
    this.#sink = sink;
    let room = true;
    while (this.#headAt < this.#head.length) room = sink.write(this.#takeHead()) && room;
    const source = this.#it as unknown as PushSource<string | Uint8Array>;
    if (!room) source.pause();
    source.listen(this);
  }

  resume(): void {
    (this.#it as unknown as PushSource<string | Uint8Array>).resume();
  }

  /** @internal A piece from the upstream (pipe()). */
  item(piece: string | Uint8Array): void {
    if (!this.#closing && !this.#sink!.write(piece)) (this.#it as unknown as PushSource<string | Uint8Array>).pause();
  }

  /** @internal The upstream ended (pipe()). */
  end(): void {
    if (this.#closing) return;
    const last = this.#upstreamEnded();
    if (last !== undefined) this.#sink!.write(last);
    this.#finish(true).catch(ignore);
  }

  /** @internal The upstream broke (pipe()). */
  error(err: unknown): void {
    if (this.#closing) return;
    const last = this.#upstreamFailed(err);
    if (last !== undefined) this.#sink!.write(last);
    this.#finish(last !== undefined).catch(ignore);
  }

  #takeHead(): string | Uint8Array {
    const value = this.#head[this.#headAt]!;
    this.#head[this.#headAt++] = '';
    return value;
  }

  readonly #onPiece = (
    next: IteratorResult<string | Uint8Array>,
  ): IteratorResult<string | Uint8Array> | Promise<IteratorResult<string | Uint8Array>> => {
    if (!next.done) return next;
    const last = this.#upstreamEnded();
    if (last === undefined) return this.#finish(true).then(done);
    this.#over = true;
    return { value: last, done: false };
  };

  readonly #onError = (
    err: unknown,
  ): IteratorResult<string | Uint8Array> | Promise<IteratorResult<string | Uint8Array>> => {
    const last = this.#upstreamFailed(err);
    if (last === undefined) return this.#finish(false).then(done);
    this.#over = true;
    return { value: last, done: false };
  };

  /** The upstream's pieces are over: the error event to end with when it did not complete. */
  #upstreamEnded(): string | undefined {
    const obs = this.#obs;
    const target = this.#c.target;
    if (obs.error !== undefined) {
      this.#broken = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: ${obs.error}`, {
        expose: true,
      });
    } else if (!obs.done) {
      this.#broken = new SwitchyardError(
        'SWITCHYARD_ERR_UPSTREAM_FAILED',
        `${target.id}: upstream stream ended before completion`,
        { expose: true },
      );
      return this.#c.codec.streamError(this.#broken, obs);
    }
    return undefined;
  }

  /** The upstream broke: the error event to end with, none when the caller is gone. */
  #upstreamFailed(err: unknown): string | undefined {
    if (this.#c.x.aborted) return undefined;
    const why = err instanceof SwitchyardError ? err.message : `upstream stream broke: ${connectionMessage(err)}`;
    this.#broken = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${this.#c.target.id}: ${why}`, {
      expose: true,
      cause: err,
    });
    return this.#c.codec.streamError(this.#broken, this.#obs);
  }

  /** Once: releases the upstream (aborted unless `finished`), completes a recording, reports the attempt, ends a sink. */
  #finish(finished: boolean): Promise<void> {
    if (!this.#finished) {
      this.#closing = true;
      this.#finished = this.#report(finished).finally(this.#endSink);
    }
    return this.#finished;
  }

  readonly #endSink = (): void => this.#sink?.end();

  async #report(finished: boolean): Promise<void> {
    const c = this.#c;
    const s = this.#s;
    const obs = this.#obs;
    const broken = this.#broken;
    bindUpstream(c, undefined);
    if (!finished) s.controller.abort(CALLER_GONE);
    await this.#it.return?.().catch(ignore);
    const latencyMs = performance.now() - s.started;
    c.x.timings.upstreamMs += latencyMs;
    if (finished && !broken && s.recording) await s.recording.complete(c);
    // Built property by property, in the order of the other results, without a spread's temporary objects.
    const result: Mutable<AttemptResult> = { target: c.target, attempt: s.attempt, stream: true } as AttemptResult;
    if (c.hedge) result.hedge = true;
    result.status = s.status;
    result.latencyMs = latencyMs;
    result.ttftMs = s.ttftMs;
    if (obs.usage) result.usage = obs.usage;
    if (!finished) {
      result.outcome = 'cancelled';
      result.failure = 'client_abort';
      result.message = 'the client went away mid-stream';
    } else if (broken) {
      result.outcome = 'failure';
      result.failure = 'stream_broken';
      result.message = broken.message;
    } else result.outcome = 'success';
    await c.report(result);
  }
}

const ignore = (): undefined => undefined;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function done(): IteratorResult<string | Uint8Array> {
  return DONE;
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
