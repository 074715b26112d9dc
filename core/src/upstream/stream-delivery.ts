import { SwitchyardError } from '../errors.js';
import { CALLER_GONE, CAPTURED_COMPLETION } from '../exchange.js';
import type { ChatCompletionChunk } from '../protocols/canonical.js';
import type { ProtocolCodec, StreamObservation } from '../protocols/codec.js';
import { CompletionAccumulator } from '../protocols/completion-stream.js';
import { canPush, RETURNED } from '../protocols/push.js';
import type { PieceSink, PushedPieces, PushListener, PushSource } from '../protocols/push.js';
import type { AttemptResult, SseEvent } from '../types.js';
import type { UpstreamAbort } from './abort.js';
import { bindUpstream, connectionMessage } from './attempt-context.js';
import type { AttemptContext } from './attempt-context.js';
import { formatSse } from './sse.js';
import { scrubbed, tooLongInStream, withoutSecrets } from './upstream-error.js';

export interface StreamState {
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
export class StreamDelivery implements PushedPieces, PushListener<string | Uint8Array> {
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
    // Made at the first pulled piece: a pushed stream never needs them.
    this.#onPiece ??= (next) => this.#piece(next);
    this.#onError ??= (err) => this.#error(err);
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
    void this.#finish(true);
  }

  /** @internal The upstream broke (pipe()). */
  error(err: unknown): void {
    if (this.#closing) return;
    const last = this.#upstreamFailed(err);
    if (last !== undefined) this.#sink!.write(last);
    void this.#finish(last !== undefined);
  }

  #takeHead(): string | Uint8Array {
    const value = this.#head[this.#headAt]!;
    this.#head[this.#headAt++] = '';
    return value;
  }

  #onPiece: ((next: IteratorResult<string | Uint8Array>) => Pulled) | undefined;
  #onError: ((err: unknown) => Pulled) | undefined;

  #piece(next: IteratorResult<string | Uint8Array>): Pulled {
    if (!next.done) return next;
    const last = this.#upstreamEnded();
    if (last === undefined) return this.#finish(true).then(done);
    this.#over = true;
    return { value: last, done: false };
  }

  #error(err: unknown): Pulled {
    const last = this.#upstreamFailed(err);
    if (last === undefined) return this.#finish(false).then(done);
    this.#over = true;
    return { value: last, done: false };
  }

  /** The upstream's pieces are over: the error event to end with when it did not complete. */
  #upstreamEnded(): string | undefined {
    const obs = this.#obs;
    const target = this.#c.target;
    if (obs.error !== undefined) {
      const why = withoutSecrets(obs.error, target.instance);
      this.#broken =
        tooLongInStream(obs, target) ??
        new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `${target.id}: ${why}`, { expose: true });
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
    // A decoder's error event refusing the prompt as too long for the model is the caller's error, as the decoder worded it.
    if (err instanceof SwitchyardError && err.tooLong) this.#broken = scrubbed(err, this.#c.target.instance);
    else {
      const why = err instanceof SwitchyardError ? err.message : `upstream stream broke: ${connectionMessage(err)}`;
      const message = withoutSecrets(`${this.#c.target.id}: ${why}`, this.#c.target.instance);
      this.#broken = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', message, { expose: true, cause: err });
    }
    return this.#c.codec.streamError(this.#broken, this.#obs);
  }

  /** Once: releases the upstream (aborted unless `finished`), completes a recording, reports the attempt, ends a sink. */
  #finish(finished: boolean): Promise<void> {
    if (!this.#finished) {
      this.#closing = true;
      this.#finished = this.#report(finished);
    }
    return this.#finished;
  }

  /**
   * Releases the upstream (aborted unless `finished`), completes a recording, reports the
   * attempt and ends the sink. Never rejects: a stream whose reporting failed is over all the
   * same. Waits only for what did not finish at once.
   */
  async #report(finished: boolean): Promise<void> {
    const c = this.#c;
    const s = this.#s;
    try {
      bindUpstream(c, undefined);
      if (!finished) s.controller.abort(CALLER_GONE);
      const returned = this.#it.return?.();
      if (returned !== undefined && returned !== RETURNED) await returned.catch(ignore);
      const latencyMs = performance.now() - s.started;
      c.x.timings.upstreamMs += latencyMs;
      if (finished && !this.#broken && s.recording) await s.recording.complete(c);
      const reported = c.report(this.#result(finished, latencyMs));
      if (reported) await reported;
    } catch {
      /* reporting does not throw (dispatch's report logs tap failures): nothing more is owed to the caller */
    } finally {
      this.#sink?.end();
    }
  }

  #result(finished: boolean, latencyMs: number): AttemptResult {
    const c = this.#c;
    const s = this.#s;
    const obs = this.#obs;
    const broken = this.#broken;
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
    } else if (broken?.tooLong) {
      // The upstream refused the caller's prompt as too long for the model: the caller's fault, not the upstream's.
      result.outcome = 'business_error';
      result.message = broken.message;
    } else if (broken) {
      result.outcome = 'failure';
      result.failure = 'stream_broken';
      result.message = broken.message;
    } else result.outcome = 'success';
    return result;
  }
}

const ignore = (): undefined => undefined;

type Pulled = IteratorResult<string | Uint8Array> | Promise<IteratorResult<string | Uint8Array>>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function done(): IteratorResult<string | Uint8Array> {
  return DONE;
}

/** Same-protocol streams of an upstream that frames them otherwise (readEvents): every event observed and re-framed as SSE. */
export async function* reframedEvents(
  events: AsyncIterable<SseEvent>,
  codec: ProtocolCodec,
  obs: StreamObservation,
  c: AttemptContext,
  record?: SseEvent[],
): AsyncGenerator<string> {
  for await (const event of events) {
    const error = obs.error;
    const keep = codec.observe(event, obs, c.x) !== false;
    record?.push(event);
    if (!keep) continue;
    // An error event is the upstream's own words, and may quote the gateway's credentials.
    if (obs.error !== error) event.data = withoutSecrets(event.data, c.target.instance);
    yield formatSse(event);
  }
}

/**
 * The served answer of a stream, for exchanges that asked for it: converted streams accumulate
 * their canonical chunks as they pass; pass-through streams keep their events, decoded once,
 * after the stream completed, so the bytes path itself stays untouched.
 */
export class StreamRecording {
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
