import { createParser } from 'eventsource-parser';
import type { SseEvent } from '@switchyard/core/stream';

/** The events eventsource-parser (an independent SSE parser) reads from `text` in one piece: what core's own parsing must match. */
export function referenceEvents(text: string | Uint8Array): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: ({ event, data, id }) => void events.push({ event, data, id }) });
  parser.feed(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  return events;
}
