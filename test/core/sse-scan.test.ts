import { describe, expect, it } from 'vitest';
import { formatSse, readSse } from '@switchyard/core/stream';
import type { Exchange, ProviderInstance } from '@switchyard/core';
import type { SseEvent } from '@switchyard/core/stream';
import type { StreamObservation } from '@switchyard/core/protocol';
import { openaiCodec } from '@switchyard/protocol-openai';
import { PassThroughFramer } from '../../core/dist/upstream/pass-through.js';
import { referenceEvents } from '../support/sse-reference.js';

/** Every line ending, comments, a retry-only block, multi-line data, ids, an empty event name. */
const TRICKY =
  'data: {"a":1}\n\n' +
  ': keep-alive\n\n' +
  'event: message_start\r\nid: 7\r\ndata: {"b":2}\r\n\r\n' +
  'retry: 10\n\n' +
  'data:no-space\rdata\r\r' +
  'event:\nid: x\0y\ndata: line one\ndata: line two\n\n' +
  'data: é ✓ 😀\n\n' +
  'unknown: field\ndata: [DONE]\n\n' +
  'data: never ended';

const bytes = Buffer.from(TRICKY);

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

/** What eventsource-parser reads from the same bytes in one piece. */
function reference(): SseEvent[] {
  return referenceEvents(bytes);
}

async function read(parts: Buffer[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of readSse(chunks(...parts))) out.push(event);
  return out;
}

describe('readSse', () => {
  it('reads what eventsource-parser reads, wherever the bytes are split', async () => {
    const expected = reference();
    expect(expected.length).toBe(6);
    expect(await read([bytes])).toEqual(expected);
    for (let at = 1; at < bytes.length; at++)
      expect(await read([bytes.subarray(0, at), bytes.subarray(at)]), `split at ${at}`).toEqual(expected);
  });

  it('reads a stream byte by byte', async () => {
    const parts = [...bytes].map((b) => Buffer.from([b]));
    expect(await read(parts)).toEqual(reference());
  });

  it('skips a byte order mark opening the stream, as the SSE spec does', async () => {
    const bom = Buffer.from('\uFEFFdata: x\n\n');
    const expected = [{ event: undefined, data: 'x', id: undefined }];
    expect(await read([bom])).toEqual(expected);
    expect(await read([bom.subarray(0, 2), bom.subarray(2)])).toEqual(expected);
  });
});

const exchange = (includeUsage: boolean): Exchange =>
  ({ request: { stream_options: includeUsage ? { include_usage: true } : undefined } }) as unknown as Exchange;

const chunk = (content: string): string =>
  `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"}}],"usage":null}\n\n`;
const USAGE =
  'data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n';
const STREAM = `: ping\n\n${chunk('a')}${chunk('b')}${USAGE}data: [DONE]\n\n`;

/** The upstream key of the instance the framed stream comes from. */
const UPSTREAM_KEY = 'Zq9xLocalVllmToken0123456789';
const INSTANCE = { name: 'u', baseUrl: 'http://127.0.0.1:9/v1', apiKey: UPSTREAM_KEY, headers: {} } as ProviderInstance;

function frame(parts: Buffer[], includeUsage: boolean): { out: string; obs: StreamObservation } {
  const obs: StreamObservation = { events: 0, done: false };
  const framer = new PassThroughFramer(openaiCodec, obs, exchange(includeUsage), INSTANCE);
  let out = '';
  for (const part of parts) {
    const forwarded = framer.frame(part);
    if (forwarded) {
      // Whole events only: what is forwarded ends where an event does.
      expect(forwarded.toString()).toMatch(/(\n\n|\r\n\r\n)$/);
      out += forwarded.toString();
    }
  }
  return { out, obs };
}

describe('formatSse', () => {
  const events: SseEvent[] = [
    { event: undefined, data: '{"a":1}', id: undefined },
    { event: 'message_start', data: 'line one\nline two\n', id: '7' },
    { event: undefined, data: '', id: '' },
    { event: 'ping', data: '\n\n', id: undefined },
  ];

  it('writes one data line per line of data, after the event name and id', () => {
    expect(events.map(formatSse)).toEqual([
      'data: {"a":1}\n\n',
      'event: message_start\nid: 7\ndata: line one\ndata: line two\ndata: \n\n',
      'id: \ndata: \n\n',
      'event: ping\ndata: \ndata: \ndata: \n\n',
    ]);
  });

  it('writes what readSse and eventsource-parser read back as the same events', async () => {
    const text = events.map(formatSse).join('');
    const read: SseEvent[] = [];
    for await (const event of readSse(chunks(Buffer.from(text)))) read.push(event);
    expect(read).toEqual(events);
    expect(referenceEvents(text)).toEqual(events);
  });
});

describe('PassThroughFramer', () => {
  const all = Buffer.from(STREAM);

  it('forwards the upstream bytes as they are and observes every event, wherever they are split', () => {
    for (let at = 0; at <= all.length; at++) {
      const { out, obs } = frame([all.subarray(0, at), all.subarray(at)], true);
      expect(out, `split at ${at}`).toBe(STREAM);
      expect(obs.events).toBe(4); // the comment is no event
      expect(obs.done).toBe(true);
      expect(obs.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    }
  });

  it('cuts out the usage event the caller did not ask for, still reading its usage', () => {
    for (let at = 0; at <= all.length; at++) {
      const { out, obs } = frame([all.subarray(0, at), all.subarray(at)], false);
      expect(out, `split at ${at}`).toBe(STREAM.replace(USAGE, ''));
      expect(obs.usage?.total_tokens).toBe(5);
      expect(obs.events).toBe(4);
    }
  });

  it('holds back an event until its end arrives, and never forwards a cut one', () => {
    const { out, obs } = frame([Buffer.from(chunk('a') + 'data: {"id":"c","cho')], true);
    expect(out).toBe(chunk('a'));
    expect(obs.events).toBe(1);
  });

  it('reads usage however the event is framed or spaced', () => {
    const spaced = 'data:{ "choices": [], "usage" : { "total_tokens": 9 } }\n\n';
    expect(frame([Buffer.from(spaced)], true).obs.usage).toEqual({ total_tokens: 9 });
    const withId = 'id: 4\ndata: {"choices":[],"usage":{"total_tokens":8}}\n\n';
    expect(frame([Buffer.from(withId)], true).obs.usage).toEqual({ total_tokens: 8 });
    const split = 'data: {"choices":[],"usage":\ndata: {"total_tokens":7}}\n\n';
    expect(frame([Buffer.from(split)], true).obs.usage).toEqual({ total_tokens: 7 });
  });

  it('notes an error event', () => {
    const { obs } = frame([Buffer.from('data: {"error":{"message":"overloaded"}}\r\n\r\n')], true);
    expect(obs.error).toBe('overloaded');
  });

  it("forwards an error event quoting the instance's key without it, wherever the stream is split", () => {
    const error = `data: {"error":{"message":"Incorrect API key provided: ${UPSTREAM_KEY}"}}\n\n`;
    const stream = Buffer.from(chunk('a') + error + chunk('b'));
    for (let at = 0; at <= stream.length; at++) {
      const { out, obs } = frame([stream.subarray(0, at), stream.subarray(at)], true);
      expect(out, `split at ${at}`).toBe(chunk('a') + error.replace(UPSTREAM_KEY, '****') + chunk('b'));
      expect(obs.error).toContain(UPSTREAM_KEY); // core builds the caller's error from it through withoutSecrets()
    }
  });
});
