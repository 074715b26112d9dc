import { SwitchyardError } from '../errors.js';
import type { SseEvent } from '../types.js';
import { PushLayer, RETURNED } from '../protocols/push.js';
import type { PushListener, PushSource } from '../protocols/push.js';
import { cancel } from './timeouts.js';
import type { PendingTimeout } from './timeouts.js';

const LF = 0x0a;
const CR = 0x0d;

/** Receives the events scanEvents() finds: `data[start..end)`, its lines and the blank line ending it. */
export interface EventSink {
  event(data: Buffer, start: number, end: number): void;
}

/**
 * Finds where SSE events end in `data` by scanning its bytes (lines end with LF, CR or CRLF; a
 * blank line ends an event) and hands `sink` each whole event that has a data field: one with
 * none (comments, retry) is no event. Returns where the unfinished rest begins. `from` skips a
 * byte order mark.
 */
function scanEvents(data: Buffer, from: number, sink: EventSink): number {
  const n = data.length;
  // Lines ended by LF alone (nearly every stream): found natively, a line at a time.
  const lfOnly = data.indexOf(CR, from) === -1;
  let eventStart = 0;
  let lineStart = from;
  let hasData = false;
  let i = from;
  while (i < n) {
    let lineEnd: number;
    if (lfOnly) {
      lineEnd = data.indexOf(LF, i);
      if (lineEnd === -1) break;
      i = lineEnd + 1;
    } else {
      const b = data[i];
      if (b !== LF && b !== CR) {
        i++;
        continue;
      }
      lineEnd = i;
      i += b === CR && data[i + 1] === LF ? 2 : 1;
    }
    if (lineEnd !== lineStart) {
      if (!hasData) hasData = isDataLine(data, lineStart, lineEnd);
    } else {
      if (hasData) sink.event(data, eventStart, i);
      eventStart = i;
      hasData = false;
    }
    lineStart = i;
  }
  return eventStart;
}

/** The longest SSE event read (an image in a data line is a few MiB). */
export const MAX_EVENT_BYTES = 64 * 1024 * 1024;

/**
 * Whole events across a stream's chunks, a leading byte order mark skipped. The start of an
 * event that has not ended is held until a chunk may end it: a long event (a data line of
 * megabytes, in chunks of kilobytes) is joined and scanned once, not once per chunk.
 */
export class EventScanner {
  readonly #parts: Buffer[] = [];
  #bytes = 0;
  #last = 0;
  #first = true;
  /** Where the unfinished rest of what scan() last returned begins (held for the next chunk). */
  end = 0;

  /** `chunk`, after what was held, with its whole events handed to `sink`; undefined while it only adds to a held event. */
  scan(chunk: Buffer, sink: EventSink): Buffer | undefined {
    const held = this.#parts.length > 0;
    if (held && !this.#mayEnd(chunk)) return void this.#hold(chunk);
    const data = held ? this.#join(chunk) : chunk;
    const end = (this.end = scanEvents(data, this.#first ? afterBom(data) : 0, sink));
    // Until 3 bytes came, a byte order mark may still be arriving.
    if (end > 0 || data.length >= 3) this.#first = false;
    if (end < data.length) this.#hold(data.subarray(end));
    return data;
  }

  /**
   * Holds `data` (a chunk, or a scanned chunk's unfinished rest). Throws past MAX_EVENT_BYTES: an
   * upstream writing one endless line would otherwise be held in memory for as long as it writes.
   */
  #hold(data: Buffer): void {
    if (data.length === 0) return;
    this.#bytes += data.length;
    if (this.#bytes > MAX_EVENT_BYTES)
      throw new SwitchyardError(
        'SWITCHYARD_ERR_UPSTREAM_FAILED',
        `upstream stream event over ${MAX_EVENT_BYTES / 1024 / 1024} MiB`,
        { expose: true },
      );
    this.#parts.push(data);
    this.#last = data[data.length - 1]!;
  }

  /**
   * Whether `chunk` may end the held event: it holds two line ends in a row (LF LF, LF CR or
   * CR CR; CR LF is one), or its first byte makes them with the held last one.
   */
  #mayEnd(chunk: Buffer): boolean {
    const first = chunk[0];
    return (
      ((this.#last === LF || this.#last === CR) &&
        (first === LF || first === CR) &&
        !(this.#last === CR && first === LF)) ||
      chunk.indexOf(LF_LF) !== -1 ||
      chunk.indexOf(LF_CR) !== -1 ||
      chunk.indexOf(CR_CR) !== -1
    );
  }

  /** What is held followed by `chunk`, in one buffer; holds nothing after. */
  #join(chunk: Buffer): Buffer {
    const parts = this.#parts;
    parts.push(chunk);
    const data = Buffer.concat(parts);
    parts.length = 0;
    this.#bytes = 0;
    return data;
  }
}

const LF_LF = Buffer.from('\n\n');
const LF_CR = Buffer.from('\n\r');
const CR_CR = Buffer.from('\r\r');

/** Where a stream's first chunk starts once a UTF-8 byte order mark is skipped. */
function afterBom(data: Buffer): number {
  return data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
}

/**
 * Every SSE event of a byte stream, in order: events found by scanning bytes, each decoded once.
 * A plain iterator rather than an async generator, as it runs once per event.
 */
export class SseEvents
  extends PushLayer<Uint8Array | string, SseEvent>
  implements AsyncIterableIterator<SseEvent>, EventSink, PushSource<SseEvent>, PushListener<Buffer>
{
  readonly #scanner = new EventScanner();
  #queue: SseEvent[] = [];
  #at = 0;
  /** An attempt's first-event timeout, cancelled by the first event (attempt.ts). */
  #firstEventCancels: PendingTimeout | undefined;

  constructor(body: AsyncIterable<Uint8Array | string>, firstEventCancels?: PendingTimeout) {
    super(body[Symbol.asyncIterator]());
    this.#firstEventCancels = firstEventCancels;
  }

  next(): Promise<IteratorResult<SseEvent>> {
    if (this.#at < this.#queue.length) return Promise.resolve({ value: this.#take(), done: false });
    return this.source.next().then(this.#onChunk);
  }

  return(): Promise<IteratorResult<SseEvent>> {
    this.#queue.length = this.#at = 0;
    if (!this.source.return) return RETURNED;
    const returned = this.source.return();
    return returned === RETURNED ? RETURNED : returned.then(() => DONE);
  }

  listen(listener: PushListener<SseEvent>): void {
    this.listener = listener;
    while (this.#at < this.#queue.length) listener.item(this.#take());
    this.listenToSource(this);
  }

  /** @internal A chunk of the body (listen()): its events go to the listener. */
  item(chunk: Buffer): void {
    this.#scanner.scan(chunk, this);
  }

  /** @internal An event found in a chunk. */
  event(data: Buffer, start: number, end: number): void {
    if (this.#firstEventCancels) {
      cancel(this.#firstEventCancels);
      this.#firstEventCancels = undefined;
    }
    const event = parseEvent(data.toString('utf8', start, end));
    if (this.listener) this.listener.item(event);
    else this.#queue.push(event);
  }

  #take(): SseEvent {
    const event = this.#queue[this.#at++]!;
    if (this.#at === this.#queue.length) this.#queue.length = this.#at = 0;
    return event;
  }

  readonly #onChunk = (
    result: IteratorResult<Uint8Array | string>,
  ): IteratorResult<SseEvent> | Promise<IteratorResult<SseEvent>> => {
    if (result.done) return result;
    this.#scanner.scan(typeof result.value === 'string' ? Buffer.from(result.value) : asBuffer(result.value), this);
    if (this.#at === this.#queue.length) return this.next();
    return { value: this.#take(), done: false };
  };
}

const DONE = Object.freeze({ value: undefined, done: true as const });

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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

/** Every SSE event of a byte stream, in order. */
export function readSse(body: AsyncIterable<Uint8Array | string>): AsyncIterableIterator<SseEvent> {
  return new SseEvents(body);
}

/** Serializes one event; multi-line data becomes several `data:` lines as the spec requires. */
export function formatSse(event: SseEvent): string {
  let out = event.event ? `event: ${event.event}\n` : '';
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  out += `data: ${event.data.includes('\n') ? event.data.replaceAll('\n', '\ndata: ') : event.data}\n`;
  return `${out}\n`;
}
