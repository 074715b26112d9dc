import type { Exchange } from '../exchange.js';
import type { ProtocolCodec, StreamObservation } from '../protocols/codec.js';
import type { ProviderInstance, SseEvent } from '../types.js';
import { EventScanner, parseEvent } from './sse.js';
import type { EventSink } from './sse.js';
import { PushLayer, RETURNED } from '../protocols/push.js';
import type { PushListener, PushSource } from '../protocols/push.js';
import { withoutSecrets } from './upstream-error.js';

/**
 * Same-protocol SSE pass-through without decoding: finds where events end by scanning bytes,
 * hands the codec only the events it wants to see (`wants`, or all of them without it), and
 * forwards the upstream's own bytes, whole events only. Bytes of an event not yet complete wait
 * for the next chunk, so a stream cut mid-event never hands the caller half an event; events
 * the codec withholds are cut out.
 */
export class PassThroughFramer implements EventSink {
  readonly #codec: ProtocolCodec;
  readonly #obs: StreamObservation;
  readonly #x: Exchange;
  readonly #instance: ProviderInstance;
  readonly #scanner = new EventScanner();
  /** While framing a chunk that has withheld events: the parts to forward, and where the next one starts. */
  #kept: Buffer[] | undefined;
  #keptFrom = 0;
  /** A recording (the exchange asked for the served answer): every event, decoded, as it passes. */
  readonly #record: SseEvent[] | undefined;

  constructor(
    codec: ProtocolCodec,
    obs: StreamObservation,
    x: Exchange,
    instance: ProviderInstance,
    record?: SseEvent[],
  ) {
    this.#codec = codec;
    this.#obs = obs;
    this.#x = x;
    this.#instance = instance;
    this.#record = record;
  }

  /** What of `chunk` (after what was held back) to forward now; undefined when nothing. */
  frame(chunk: Buffer): Buffer | undefined {
    const data = this.#scanner.scan(chunk, this);
    if (data === undefined) return undefined;
    const end = this.#scanner.end;
    const kept = this.#kept;
    if (kept) {
      kept.push(data.subarray(this.#keptFrom, end));
      this.#kept = undefined;
      this.#keptFrom = 0;
      const out = Buffer.concat(kept);
      return out.length ? out : undefined;
    }
    if (end === 0) return undefined;
    return end === data.length ? data : data.subarray(0, end);
  }

  /**
   * @internal Observes one event; a withheld one is cut out of what frame() forwards, and an error
   * event (the upstream's own words) quoting the instance's credentials is forwarded without them.
   */
  event(data: Buffer, start: number, end: number): void {
    this.#record?.push(parseEvent(data.toString('utf8', start, end)));
    const error = this.#obs.error;
    if (!this.#observe(data, start, end)) this.#replace(data, start, end);
    else if (this.#obs.error !== error) {
      const text = data.toString('utf8', start, end);
      const clean = withoutSecrets(text, this.#instance);
      if (clean !== text) this.#replace(data, start, end, Buffer.from(clean));
    }
  }

  /** Forwards `data[start..end)` as `by`, or not at all. */
  #replace(data: Buffer, start: number, end: number, by?: Buffer): void {
    const kept = (this.#kept ??= []);
    kept.push(data.subarray(this.#keptFrom, start));
    if (by) kept.push(by);
    this.#keptFrom = end;
  }

  /** Whether the event `data[start..end)` goes to the caller. */
  #observe(data: Buffer, start: number, end: number): boolean {
    const codec = this.#codec;
    if (codec.wants && !codec.wants(data, start, end)) {
      this.#obs.events++;
      return true;
    }
    return codec.observe(parseEvent(data.toString('utf8', start, end)), this.#obs, this.#x) !== false;
  }
}

/**
 * The pass-through stream itself: the upstream body's chunks through a PassThroughFramer, read
 * with next() (a plain iterator handing on the body's own iterator results) or pushed (listen())
 * when the body pushes.
 */
export class PassThroughStream
  extends PushLayer<Buffer, Uint8Array>
  implements AsyncIterableIterator<Uint8Array>, PushSource<Uint8Array>, PushListener<Buffer>
{
  readonly #framer: PassThroughFramer;

  constructor(body: AsyncIterable<Buffer>, framer: PassThroughFramer) {
    super(body[Symbol.asyncIterator]());
    this.#framer = framer;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    return this.source.next().then(this.#onChunk);
  }

  listen(listener: PushListener<Uint8Array>): void {
    this.listener = listener;
    this.listenToSource(this);
  }

  /** @internal A chunk of the body (listen()). */
  item(chunk: Buffer): void {
    const out = this.#framer.frame(chunk);
    if (out !== undefined) this.listener!.item(out);
  }

  /** Stopped early: so is the upstream body. */
  return(): Promise<IteratorResult<Uint8Array>> {
    return this.source.return ? this.source.return() : RETURNED;
  }

  readonly #onChunk = (
    result: IteratorResult<Buffer>,
  ): IteratorResult<Uint8Array> | Promise<IteratorResult<Uint8Array>> => {
    if (result.done) return result;
    const out = this.#framer.frame(result.value);
    if (out === undefined) return this.next();
    result.value = out;
    return result;
  };
}
