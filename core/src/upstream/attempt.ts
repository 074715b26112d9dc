import { SwitchyardError } from '../errors.js';
import { CAPTURED_COMPLETION } from '../exchange.js';
import type { Exchange } from '../exchange.js';
import type { ChatCompletion, Usage } from '../protocols/canonical.js';
import type { ProtocolCodec, StreamObservation } from '../protocols/codec.js';
import { defaultClassifyError } from '../providers.js';
import type { AttemptResult, FailureKind, Target } from '../types.js';
import { UpstreamAbort } from './abort.js';
import { bindUpstream, connectionMessage } from './attempt-context.js';
import type { AttemptContext } from './attempt-context.js';
import type { UpstreamResponse } from './client.js';
import { PassThroughFramer, PassThroughStream } from './pass-through.js';
import { serializesTo } from './same-json.js';
import { SseEvents } from './sse.js';
import { isPromise } from '../hook-runners.js';
import { Timeouts } from './timeouts.js';
import type { PendingTimeout } from './timeouts.js';
import { reframedEvents, StreamDelivery, StreamRecording } from './stream-delivery.js';
import {
  bytesWithoutSecrets,
  headerValue,
  OVERLOADED,
  rateLimitHeaders,
  readCapped,
  retryAfterOf,
  scrubbed,
  tooLongInStream,
  upstreamError,
} from './upstream-error.js';

/** What a successful attempt hands to the HTTP layer. */
export type Delivery =
  | { kind: 'bytes'; status: number; contentType: string; body: Buffer }
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'stream'; body: AsyncIterable<string | Uint8Array> };

export type AttemptOutput =
  { ok: true; delivery: Delivery } | { ok: false; result: AttemptResult; error: SwitchyardError };

export type { AttemptContext } from './attempt-context.js';

const MAX_ERROR_BODY = 64 * 1024;
const TIMEOUT = Symbol('attempt timeout');
/** The abort reason of a hedged attempt whose twin answered first. */
export const HEDGE_LOST = Symbol('hedge lost');
/** Every attempt's head timeout (streaming: its first event's). */
const timeouts = new Timeouts(TIMEOUT);

/** One upstream call: send, wait for the head (streaming: the first event), classify, report. */
export async function runAttempt(c: AttemptContext): Promise<AttemptOutput> {
  const { x, target, request } = c;
  const started = performance.now();
  const controller = new UpstreamAbort();
  bindUpstream(c, controller);
  const timeoutMs = c.timeoutMs ?? target.instance.timeoutMs;
  const timer = timeouts.start(timeoutMs, controller, started);
  const base = c.hedge
    ? { target, attempt: x.attempt, stream: request.stream, hedge: true }
    : { target, attempt: x.attempt, stream: request.stream };
  let streaming = false;
  /** The status of a success head, once one arrived: what a decoder then rejects was answered, and may be billed. */
  let answeredStatus: number | undefined;
  try {
    const body =
      typeof request.body === 'string' || request.body === undefined ? request.body : wireBody(request.body, x.raw);
    const res = await c.http.send(
      request.url,
      body === undefined
        ? { method: request.method, headers: request.headers }
        : { method: request.method, headers: request.headers, body },
      { signal: controller, bodyTimeoutMs: target.instance.timeoutMs },
    );
    if (!request.stream || res.status >= 300) timeouts.clear(timer);
    if (res.status >= 300) return await (res.status >= 400 ? refused : redirected)(c, base, started, res);
    answeredStatus = res.status;
    if (!request.stream) {
      const output = answered(c, base, started, res);
      return isPromise(output) ? await output : output;
    }
    const output = await firstEvent(c, base, started, res, controller, timer);
    streaming = output.ok;
    return output;
  } catch (err) {
    timeouts.clear(timer);
    const f = thrownFailure(c, controller, err, timeoutMs);
    // A success answer its decoder judged failed (thrown as an upstream failure, not a lost connection).
    if (answeredStatus !== undefined && f.failure === 'stream_broken')
      return await failed(c, base, performance.now() - started, f.outcome, 'unusable_answer', f.error, {
        status: answeredStatus,
      });
    return await failed(c, base, performance.now() - started, f.outcome, f.failure, f.error);
  } finally {
    if (!streaming) bindUpstream(c, undefined);
  }
}

type Base = Pick<AttemptResult, 'target' | 'attempt' | 'stream' | 'hedge'>;

/** An upstream's error status: classified by its adapter, reported, handed to dispatch. */
async function refused(c: AttemptContext, base: Base, started: number, res: UpstreamResponse): Promise<AttemptOutput> {
  const text = await readCapped(res.body, MAX_ERROR_BODY);
  const info = (c.adapter.classifyError ?? defaultClassifyError)(res.status, text);
  const retryAfter = retryAfterOf(res.headers);
  const limits = info.outcome === 'rate_limited' ? rateLimitHeaders(res.headers) : undefined;
  const error = upstreamError(info, res.status, c.target, retryAfter, limits);
  const failure = info.outcome === 'failure' ? 'status' : undefined;
  return await failed(c, base, performance.now() - started, info.outcome, failure, error, {
    status: res.status,
    ...(retryAfter === undefined ? {} : { retryAfter }),
    ...(limits ? { rateLimitHeaders: limits } : {}),
  });
}

/**
 * A redirect, which the gateway does not follow (its upstream credentials would go to the host
 * named): a failed attempt, its Location told to no one.
 */
async function redirected(
  c: AttemptContext,
  base: Base,
  started: number,
  res: UpstreamResponse,
): Promise<AttemptOutput> {
  await readCapped(res.body, 0);
  const message = `${c.target.id}: upstream answered ${res.status}, a redirect the gateway does not follow (check the instance's baseUrl)`;
  const error = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', message, { expose: true });
  return await failed(c, base, performance.now() - started, 'failure', 'status', error, { status: res.status });
}

/** A whole (not streamed) answer, once read to its end: at once when it already arrived with the head (the usual case). */
function answered(c: AttemptContext, base: Base, started: number, res: UpstreamResponse): Answer {
  const bytes = res.body.bytesNow();
  if (bytes) return answeredWith(c, base, started, res, bytes);
  return res.body.bytes().then((whole) => answeredWith(c, base, started, res, whole));
}

type Answer = AttemptOutput | Promise<AttemptOutput>;

/** The answer: the upstream's bytes when it speaks the caller's protocol, else decoded and encoded; handed on once reported. */
function answeredWith(c: AttemptContext, base: Base, started: number, res: UpstreamResponse, raw: Buffer): Answer {
  const { x, target } = c;
  // A 200 may still be a proxy's error, or an echo, quoting the instance's credentials: they never reach the caller.
  const bytes = bytesWithoutSecrets(raw, target.instance);
  const latencyMs = performance.now() - started;
  x.timings.upstreamMs += latencyMs;
  if (c.passThrough) {
    // The body goes out as received; it is decoded only for an exchange that asked for the served answer.
    if (!looksLikeJson(bytes)) throw unreadable(target, res);
    if (x.captureResponse && x.operation === 'chat') capture(x, () => c.adapter.decodeResponse(parseJson(bytes), x));
    const contentType = headerValue(res.headers['content-type']) ?? 'application/json';
    const output: AttemptOutput = { ok: true, delivery: { kind: 'bytes', status: 200, contentType, body: bytes } };
    return afterReport(c.report(passThroughResult(base, res.status, latencyMs, c.codec, bytes, x)), output);
  }
  const result = { ...base, outcome: 'success', status: res.status, latencyMs } as const;
  if (x.operation === 'embeddings') {
    const decodeEmbeddings = c.adapter.decodeEmbeddings;
    if (!decodeEmbeddings)
      throw new SwitchyardError(
        'SWITCHYARD_ERR_INTERNAL',
        `provider type ${target.instance.type} cannot decode embeddings`,
      );
    const list = decodeOrFail(() => decodeEmbeddings(parseJson(bytes), x), target);
    const output: AttemptOutput = { ok: true, delivery: { kind: 'json', status: 200, body: list } };
    return afterReport(
      c.report(list.usage ? { ...result, usage: { ...list.usage, completion_tokens: 0 } } : result),
      output,
    );
  }
  const completion = decodeOrFail(() => c.adapter.decodeResponse(parseJson(bytes), x), target);
  if (x.captureResponse) x.set(CAPTURED_COMPLETION, completion);
  const reported = c.report(completion.usage ? { ...result, usage: completion.usage } : result);
  const body = (): AttemptOutput => ({
    ok: true,
    delivery: { kind: 'json', status: 200, body: c.codec.encodeResponse(completion, x) },
  });
  return reported ? reported.then(body) : body();
}

/** `output` once the report is done: at once when it was. */
function afterReport(reported: void | Promise<void>, output: AttemptOutput): Answer {
  return reported ? reported.then(() => output) : output;
}

/**
 * A stream, read up to its first event: the attempt commits there (failover is over), and the
 * rest flows to the caller through a StreamDelivery; a stream that ends or breaks first has failed.
 */
async function firstEvent(
  c: AttemptContext,
  base: Base,
  started: number,
  res: UpstreamResponse,
  controller: UpstreamAbort,
  timer: PendingTimeout,
): Promise<AttemptOutput> {
  const { x, target } = c;
  const obs: StreamObservation = { events: 0, done: false };
  const recording = x.captureResponse && x.operation === 'chat' ? new StreamRecording() : undefined;
  const it = streamPieces(c, res, obs, recording, timer)[Symbol.asyncIterator]();
  // Nearly always one piece: an array of its size rather than one grown by push.
  let head: Array<string | Uint8Array> | undefined;
  try {
    while (obs.events === 0) {
      const next = await it.next();
      if (next.done) break;
      if (head) head.push(next.value);
      else head = [next.value];
    }
  } catch (err) {
    // A stream refused before its first event (an event too long, an error a decoder throws): the
    // rest is not read, so the upstream request is dropped rather than left open, its socket paused.
    await it.return?.(undefined);
    throw err;
  }
  timeouts.clear(timer);
  if (obs.events === 0 || obs.error !== undefined) {
    await it.return?.(undefined);
    const refused = tooLongInStream(obs, target);
    if (refused)
      return await failed(c, base, performance.now() - started, 'business_error', undefined, refused, {
        status: res.status,
      });
    const why = obs.error ?? 'upstream stream ended before its first event';
    const error = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: ${why}`, {
      expose: true,
      ...(obs.errorType === OVERLOADED.type ? OVERLOADED : {}),
    });
    return await failed(c, base, performance.now() - started, 'failure', 'stream_broken', error, {
      status: res.status,
    });
  }
  const ttftMs = (x.timings.ttftMs = performance.now() - started);
  const state = { attempt: base.attempt, started, ttftMs, status: res.status, controller, recording };
  return { ok: true, delivery: { kind: 'stream', body: new StreamDelivery(c, head ?? [], it, obs, state) } };
}

/**
 * The caller's pieces of an upstream stream: its own bytes when it speaks the caller's protocol, else
 * converted. A converted stream's decoder may hold the upstream's opening events back until its first
 * content (wire-chat's OpeningHold): the upstream's first SSE event ends the first-event timeout.
 */
function streamPieces(
  c: AttemptContext,
  res: UpstreamResponse,
  obs: StreamObservation,
  recording: StreamRecording | undefined,
  firstEventTimeout: PendingTimeout,
): AsyncIterable<string | Uint8Array> {
  const { x, adapter, codec } = c;
  const framed = adapter.readEvents?.(res.body, x);
  if (c.passThrough)
    return framed
      ? reframedEvents(framed, codec, obs, c, recording?.events)
      : new PassThroughStream(res.body, new PassThroughFramer(codec, obs, x, c.target.instance, recording?.events));
  const chunks = adapter.decodeStream(framed ?? new SseEvents(res.body, firstEventTimeout), x);
  return codec.encodeStream(recording ? recording.accumulate(chunks) : chunks, x, obs);
}

/** What an exception during the attempt means: its timeout, a lost hedge, a caller gone, a broken stream or connection. */
function thrownFailure(
  c: AttemptContext,
  controller: UpstreamAbort,
  err: unknown,
  timeoutMs: number,
): { outcome: AttemptResult['outcome']; failure?: FailureKind; error: SwitchyardError } {
  const id = c.target.id;
  const failedWith = (message: string, options: { cause?: unknown } = {}): SwitchyardError =>
    new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${id}: ${message}`, { expose: true, ...options });
  if (controller.reason === TIMEOUT) {
    const what = c.request.stream ? 'no first event' : 'no response';
    const message = `${id}: ${what} within ${timeoutMs} ms`;
    const error = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_TIMEOUT', message, { expose: true });
    return { outcome: 'failure', failure: 'timeout', error };
  }
  if (controller.reason === HEDGE_LOST)
    return { outcome: 'cancelled', failure: 'hedge_lost', error: failedWith('another hedged attempt answered first') };
  if (c.x.aborted) return { outcome: 'cancelled', failure: 'client_abort', error: failedWith('the client went away') };
  if (err instanceof SwitchyardError) {
    // An upstream that reports throttling inside its stream (readEvents) before the first event.
    if (err.code === 'SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED') return { outcome: 'rate_limited', error: err };
    // A decoder's error event refusing the prompt as too long for the model: the caller's error.
    if (err.tooLong) return { outcome: 'business_error', error: err };
    return { outcome: 'failure', failure: 'stream_broken', error: err };
  }
  return { outcome: 'failure', failure: 'connection', error: failedWith(connectionMessage(err), { cause: err }) };
}

/** Reports a failed attempt and hands its result and error to dispatch. */
async function failed(
  c: AttemptContext,
  base: Base,
  latencyMs: number,
  outcome: AttemptResult['outcome'],
  failure: FailureKind | undefined,
  error: SwitchyardError,
  extra?: Partial<AttemptResult>,
): Promise<AttemptOutput> {
  // Its message may quote the upstream (an error event in a stream), and the upstream may quote the gateway's credentials.
  scrubbed(error, c.target.instance);
  const result: AttemptResult = {
    ...base,
    outcome,
    latencyMs,
    message: error.message,
    ...extra,
    ...(failure === undefined ? {} : { failure }),
  };
  c.x.timings.upstreamMs += latencyMs;
  const reported = c.report(result);
  if (reported) await reported;
  return { ok: false, result, error };
}

/**
 * A pass-through JSON attempt's result, its usage read from the bytes as sent (their usage slice
 * alone, see usageSlice). Read at once, in a plain object: a lazy getter would make every result
 * an object with its own accessor and closure, several times the size, and the standard plugins
 * read usage on every request anyway.
 */
function passThroughResult(
  base: Base,
  status: number,
  latencyMs: number,
  codec: ProtocolCodec,
  bytes: Buffer,
  x: Exchange,
): AttemptResult {
  let usage: Usage | undefined;
  try {
    usage = codec.usageOf(bytes, x);
  } catch {
    usage = undefined; // an unreadable usage is unknown usage; the answer itself still goes out
  }
  return base.hedge
    ? { ...base, outcome: 'success', status, latencyMs, usage }
    : { target: base.target, attempt: base.attempt, stream: base.stream, outcome: 'success', status, latencyMs, usage };
}

/** The body's JSON: the caller's own bytes when the body would serialize to exactly them (it went through unchanged). */
function wireBody(body: unknown, raw: Buffer | undefined): string | Buffer {
  return raw !== undefined && serializesTo(body, raw) ? raw : JSON.stringify(body);
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
    // A decoder that judged the answer a failed attempt says why, in words the caller may read.
    const why = isUpstreamFailure(err) ? err.message : 'unreadable upstream response';
    throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: ${why}`, { expose: true, cause: err });
  }
}

/**
 * Whether a success answer passed on unread may be JSON: it opens with `{` or `[`. A proxy's or
 * load balancer's HTML or text page answered 200 is a failed attempt, as a converted answer's
 * unreadable body is, not an answer for the caller.
 */
function looksLikeJson(bytes: Buffer): boolean {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b || bytes[i] === 0x5b;
}

function unreadable(target: Target, res: UpstreamResponse): SwitchyardError {
  const type = headerValue(res.headers['content-type']) ?? 'no content-type';
  const message = `${target.id}: unreadable upstream response (${type}, not JSON)`;
  return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', message, { expose: true });
}

function isUpstreamFailure(err: unknown): err is SwitchyardError {
  return err instanceof SwitchyardError && err.code === 'SWITCHYARD_ERR_UPSTREAM_FAILED' && err.expose;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
