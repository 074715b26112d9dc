import { StringDecoder } from 'node:string_decoder';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readSse } from '@switchyard/core/stream';
import type { Exchange, ProviderInstance } from '@switchyard/core';
import type { SseEvent } from '@switchyard/core/stream';
import type { StreamObservation } from '@switchyard/core/protocol';
import { openaiCodec } from '@switchyard/protocol-openai';
import { PassThroughFramer } from '../../core/dist/upstream/pass-through.js';
import { MAX_EVENT_BYTES } from '../../core/dist/upstream/sse.js';
import { referenceEvents } from '../support/sse-reference.js';

/**
 * An event longer than a chunk (a data line of megabytes: an image, a long tool argument) is
 * held until it ends and joined once: not joined again with every chunk, which copied the
 * held bytes over and over (quadratic: 8 MiB in 16 KiB chunks took seconds of CPU).
 */
const EVENT_BYTES = 4 * 1024 * 1024;
const CHUNK = 16 * 1024;
const LONG = `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${'x'.repeat(EVENT_BYTES)}"}}]}\n\ndata: [DONE]\n\n`;

const INSTANCE = { name: 'u', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'test-key-1', headers: {} } as ProviderInstance;
const exchange = { request: {} } as unknown as Exchange;

function pieces(text: string | Buffer, size: number): Buffer[] {
  const all = Buffer.from(text);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; at += size) out.push(all.subarray(at, at + size));
  return out;
}

function framed(parts: Buffer[]): { out: string; obs: StreamObservation } {
  const obs: StreamObservation = { events: 0, done: false };
  const framer = new PassThroughFramer(openaiCodec, obs, exchange, INSTANCE);
  // Decoded as a whole at the end (a character may be forwarded in two pieces), without Buffer.concat.
  const out = new StringDecoder('utf8');
  let text = '';
  for (const part of parts) {
    const forwarded = framer.frame(part);
    if (forwarded) text += out.write(forwarded);
  }
  return { out: text + out.end(), obs };
}

async function read(parts: Buffer[]): Promise<SseEvent[]> {
  async function* body(): AsyncGenerator<Buffer> {
    yield* parts;
  }
  const events: SseEvent[] = [];
  for await (const event of readSse(body())) events.push(event);
  return events;
}

/** Bytes Buffer.concat copies while `run` runs. */
async function copiedBy(run: () => unknown): Promise<number> {
  const concat = Buffer.concat;
  let copied = 0;
  vi.spyOn(Buffer, 'concat').mockImplementation((list, length) => {
    const out = concat(list, length);
    copied += out.length;
    return out;
  });
  await run();
  vi.restoreAllMocks();
  return copied;
}

afterEach(() => vi.restoreAllMocks());

describe('an SSE event longer than a chunk', () => {
  it('passed through: forwarded whole once it ended, its bytes copied about once', async () => {
    let result: ReturnType<typeof framed> | undefined;
    const copied = await copiedBy(() => (result = framed(pieces(LONG, CHUNK))));
    expect(result!.out).toBe(LONG);
    expect(result!.obs).toMatchObject({ events: 2, done: true });
    expect(copied).toBeLessThan(2 * LONG.length);
  });

  it('read as events (a converted stream): one event, its bytes copied about once', async () => {
    let events: SseEvent[] = [];
    const copied = await copiedBy(async () => (events = await read(pieces(LONG, CHUNK))));
    expect(events.map((e) => e.data.length)).toEqual([LONG.indexOf('\n\n') - 'data: '.length, '[DONE]'.length]);
    expect(copied).toBeLessThan(2 * LONG.length);
  });
});

describe('events held across chunks', () => {
  /** Every kind of line end, and blank lines made of line ends from two chunks. */
  const MIXED =
    ': ping\r\n\r\n' +
    'data: {"id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}\r\r' +
    'event: x\ndata: {"id":"c","choices":[{"index":0,"delta":{"content":"é😀"}}]}\n\r\n' +
    'data: {"id":"c","choices":[{"index":0,"delta":{"content":"b"}}]}\r\n\n' +
    'data: [DONE]\n\n';
  const expected = referenceEvents(MIXED);

  it('are found byte by byte, and in three pieces split anywhere, passed through or read', async () => {
    const bytes = Buffer.from(MIXED);
    const splits: Buffer[][] = [pieces(bytes, 1)];
    for (let a = 1; a < bytes.length; a += 3)
      for (let b = a + 1; b < bytes.length; b += 2)
        splits.push([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]);
    for (const parts of splits) {
      const at = parts.map((p) => p.length).join('+');
      const { out, obs } = framed(parts);
      expect(out, at).toBe(MIXED);
      expect(obs, at).toMatchObject({ events: 4, done: true });
      expect(await read(parts), at).toEqual(expected);
    }
  });
});

describe('an SSE event that never ends', () => {
  /** One MiB of one data line, handed over again and again (the same bytes: the test holds no more). */
  const MIB = Buffer.alloc(1024 * 1024, 'x');
  const endless = (): Buffer[] => [
    Buffer.from('data: {"a":"'),
    ...Array<Buffer>(MAX_EVENT_BYTES / MIB.length + 1).fill(MIB),
  ];

  it(`is refused once it passed ${MAX_EVENT_BYTES / 1024 / 1024} MiB, passed through or read`, async () => {
    expect(() => framed(endless())).toThrow(/upstream stream event over 64 MiB/);
    await expect(read(endless())).rejects.toThrow(/upstream stream event over 64 MiB/);
  });
});
