import type { Exchange } from '../exchange.js';
import type { ProtocolCodec, StreamObservation } from '../protocols/codec.js';
import type { SseEvent } from '../types.js';
import { SseReader } from './sse.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Same-protocol SSE pass-through without decoding: finds where events end by scanning bytes,
 * hands the codec only the events it wants to see (`wants`, or all of them without it), and
 * forwards the upstream's own bytes, whole events only. Bytes of an event not yet complete wait
 * for the next chunk, so a stream cut mid-event never hands the caller half an event; events
 * the codec withholds are cut out.
 */
export class PassThroughFramer {
  readonly #codec: ProtocolCodec;
  readonly #obs: StreamObservation;
  readonly #x: Exchange;
  /** The start of an event that has not ended yet. */
  #tail: Buffer | undefined;
  #first = true;

  constructor(codec: ProtocolCodec, obs: StreamObservation, x: Exchange) {
    this.#codec = codec;
    this.#obs = obs;
    this.#x = x;
  }

  /** What of `chunk` (after what was held back) to forward now; undefined when nothing. */
  frame(chunk: Buffer): Buffer | undefined {
    const tail = this.#tail;
    const data = tail ? Buffer.concat([tail, chunk]) : chunk;
    const n = data.length;
    let lineStart = 0;
    if (this.#first) {
      this.#first = false;
      // A UTF-8 byte order mark opens the stream, not its first line.
      if (n >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) lineStart = 3;
    }
    let eventStart = 0;
    let hasData = false;
    /** Whole events to forward, when some were withheld. */
    let kept: Buffer[] | undefined;
    let keptUpTo = 0;
    let i = lineStart;
    while (i < n) {
      const b = data[i];
      if (b !== LF && b !== CR) {
        i++;
        continue;
      }
      const lineEnd = i;
      i += b === CR && data[i + 1] === LF ? 2 : 1;
      if (lineEnd !== lineStart) {
        if (!hasData) hasData = isDataLine(data, lineStart, lineEnd);
      } else {
        // A blank line: the event ends here. One without data (comments, retry) is no event, but is forwarded.
        if (hasData && !this.#observe(data, eventStart, i)) {
          (kept ??= []).push(data.subarray(keptUpTo, eventStart));
          keptUpTo = i;
        }
        eventStart = i;
        hasData = false;
      }
      lineStart = i;
    }
    this.#tail = eventStart < n ? data.subarray(eventStart) : undefined;
    if (kept) {
      kept.push(data.subarray(keptUpTo, eventStart));
      const out = Buffer.concat(kept);
      return out.length ? out : undefined;
    }
    if (eventStart === 0) return undefined;
    return eventStart === n ? data : data.subarray(0, eventStart);
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
 * The pass-through stream itself: the upstream body's chunks through a PassThroughFramer. A plain
 * iterator rather than an async generator, as it runs once per chunk: it hands on the body's own
 * iterator results. A recording (`record`) gets every event, decoded, as it passes.
 */
export class PassThroughStream implements AsyncIterableIterator<Uint8Array> {
  readonly #body: AsyncIterator<Buffer>;
  readonly #framer: PassThroughFramer;
  readonly #reader: SseReader | undefined;
  readonly #record: SseEvent[] | undefined;

  constructor(body: AsyncIterable<Buffer>, framer: PassThroughFramer, record?: SseEvent[]) {
    this.#body = body[Symbol.asyncIterator]();
    this.#framer = framer;
    this.#record = record;
    this.#reader = record ? new SseReader() : undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    return this.#body.next().then(this.#onChunk);
  }

  /** Stopped early: so is the upstream body. */
  async return(): Promise<IteratorResult<Uint8Array>> {
    await this.#body.return?.();
    return { value: undefined, done: true };
  }

  readonly #onChunk = (
    result: IteratorResult<Buffer>,
  ): IteratorResult<Uint8Array> | Promise<IteratorResult<Uint8Array>> => {
    if (result.done) return result;
    const chunk = result.value;
    if (this.#reader) this.#record!.push(...this.#reader.feed(chunk));
    const out = this.#framer.frame(chunk);
    if (out === undefined) return this.next();
    result.value = out;
    return result;
  };
}

/** `data` or `data:…`: the line carries a data field. */
function isDataLine(data: Buffer, start: number, end: number): boolean {
  return (
    end - start >= 4 &&
    data[start] === 0x64 &&
    data[start + 1] === 0x61 &&
    data[start + 2] === 0x74 &&
    data[start + 3] === 0x61 &&
    (end - start === 4 || data[start + 4] === 0x3a)
  );
}

/** One whole SSE event (its lines, a blank line ending them), parsed as the SSE spec reads its fields. */
export function parseEvent(text: string): SseEvent {
  let event: string | undefined;
  let data: string | undefined;
  let id: string | undefined;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (start < n) {
    let end = start;
    while (end < n && text.charCodeAt(end) !== LF && text.charCodeAt(end) !== CR) end++;
    if (end > start && text.charCodeAt(start) !== 0x3a) {
      const colon = text.indexOf(':', start);
      const hasValue = colon !== -1 && colon < end;
      const field = hasValue ? text.slice(start, colon) : text.slice(start, end);
      const value = hasValue ? text.slice(text.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1, end) : '';
      if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
      else if (field === 'event') event = value || undefined;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
    start = end + (text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF ? 2 : 1);
  }
  return { event, data: data ?? '', id };
}

/** Where `needle` first occurs in `bytes[from..to)`, or -1: a search that stays within one event. */
export function indexOfBytes(bytes: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0];
  const last = to - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (bytes[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
