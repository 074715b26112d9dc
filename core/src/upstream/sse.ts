import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import type { SseEvent } from '../types.js';

/** Incremental SSE parsing over byte chunks: feed a chunk, get the events it completed. */
export class SseReader {
  readonly #decoder = new StringDecoder('utf8');
  #events: SseEvent[] = [];
  readonly #parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      this.#events.push({ event: message.event, data: message.data, id: message.id });
    },
  });

  feed(chunk: Uint8Array | string): SseEvent[] {
    this.#parser.feed(typeof chunk === 'string' ? chunk : this.#decoder.write(chunk as Buffer));
    const events = this.#events;
    this.#events = [];
    return events;
  }
}

/** Every SSE event of a byte stream, in order. */
export async function* readSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const reader = new SseReader();
  for await (const chunk of body) yield* reader.feed(chunk);
}

/** Serializes one event; multi-line data becomes several `data:` lines as the spec requires. */
export function formatSse(event: SseEvent): string {
  let out = event.event ? `event: ${event.event}\n` : '';
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  out += event.data.includes('\n')
    ? event.data
        .split('\n')
        .map((l) => `data: ${l}\n`)
        .join('')
    : `data: ${event.data}\n`;
  return `${out}\n`;
}
