import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { brotliCompressSync, constants, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExchanges } from '../support/finishes.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { sendHttp } from '../support/raw-http.js';
import { completionJson, httpAnswer, messageJson, startRawUpstream, writeFlushed } from '../support/raw-upstream.js';
import type { Script, RawUpstream } from '../support/raw-upstream.js';

/**
 * A request without Accept-Encoding accepts any content coding, and upstreams or proxies do
 * compress unasked: the gateway reads such answers decoded, JSON and SSE, passed on or converted.
 */
const COMPLETION = completionJson('décodé', 2);
const MESSAGE = messageJson('décodé', 4);
const chunkEvent = (content: string): string =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const SSE = `${chunkEvent('dé')}${chunkEvent('codé')}data: [DONE]\n\n`;
const chunked = (bytes: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);

const json =
  (body: string, encoding: string, encode: (b: Buffer) => Buffer): Script =>
  (socket) =>
    void socket.write(
      httpAnswer(200, { 'content-type': 'application/json', 'content-encoding': encoding }, encode(Buffer.from(body))),
    );

/** An SSE answer compressed as one gzip stream, flushed in pieces as a streaming server does. */
const gzipSse: Script = async (socket) => {
  await writeFlushed(
    socket,
    'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  const whole = gzipSync(SSE);
  const third = Math.floor(whole.length / 3);
  for (const piece of [whole.subarray(0, third), whole.subarray(third, 2 * third), whole.subarray(2 * third)])
    await writeFlushed(socket, chunked(piece));
  socket.write('0\r\n\r\n');
};

/** A gzip SSE answer that turns to garbage before its first event, its connection held open. */
const corruptGzipSse: Script = async (socket) => {
  await writeFlushed(
    socket,
    'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  await writeFlushed(socket, chunked(gzipSync(SSE).subarray(0, 10)));
  await writeFlushed(socket, chunked(Buffer.from('not a deflate stream at all')));
};

/**
 * A long gzip stream of events the compressor cannot shrink much (random text, each event beyond
 * gzip's 32 KiB window from its repeat), written while the socket takes it.
 */
const LONG_EVENTS = Array.from({ length: 4 }, () => chunkEvent(randomBytes(48 * 1024).toString('base64')));
const LONG_BYTES = 96 * 1024 * 1024;
const long = { written: 0, stalled: false, finished: false, stall: undefined as (() => void) | undefined };
const longGzipSse: Script = (socket) => {
  socket.write(
    'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\nconnection: close\r\n\r\n',
  );
  const gzip = createGzip({ flush: constants.Z_SYNC_FLUSH });
  gzip.pipe(socket);
  socket.on('error', () => gzip.destroy());
  const pump = (): void => {
    long.stalled = false;
    for (let i = 0; long.written < LONG_BYTES; i++) {
      const event = LONG_EVENTS[i % LONG_EVENTS.length]!;
      long.written += event.length;
      if (!gzip.write(event)) {
        long.stalled = true;
        long.stall?.();
        return void gzip.once('drain', pump);
      }
    }
    long.finished = true;
    gzip.end('data: [DONE]\n\n');
    long.stall?.();
  };
  pump();
};

/** A gzip body of 300 MiB of spaces (about 300 KB), made once. */
let bomb: Buffer | undefined;
function gzipBomb(): Buffer {
  if (!bomb) {
    const mib = Buffer.alloc(1024 * 1024, 0x20);
    const parts = [gzipSync(Buffer.from('{"a":"'))];
    // A gzip body may hold several members, each decoded in turn: one member of a MiB, 300 times.
    const member = gzipSync(mib, { level: 9 });
    for (let i = 0; i < 300; i++) parts.push(member);
    bomb = Buffer.concat(parts);
  }
  return bomb;
}

let broken: RawUpstream;
let good: RawUpstream;
let gw: RunningGateway;
const finished = finishedExchanges();

beforeAll(async () => {
  broken = await startRawUpstream({
    corrupt: (socket) =>
      void socket.write(
        httpAnswer(
          200,
          { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          gzipSync(COMPLETION).subarray(0, 30),
        ),
      ),
    zstd: json(COMPLETION, 'zstd', (b) => b),
    'corrupt-sse': corruptGzipSse,
    bomb: (socket) =>
      void socket.write(
        httpAnswer(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipBomb()),
      ),
  });
  good = await startRawUpstream({
    gzip: json(COMPLETION, 'gzip', gzipSync),
    'x-gzip': json(COMPLETION, 'x-gzip', gzipSync),
    br: json(COMPLETION, 'br', brotliCompressSync),
    deflate: json(COMPLETION, 'deflate', deflateSync),
    sse: gzipSse,
    long: longGzipSse,
    a: json(MESSAGE, 'gzip', gzipSync),
    corrupt: json(COMPLETION, 'identity', (b) => b),
    zstd: json(COMPLETION, 'identity', (b) => b),
    bomb: json(COMPLETION, 'identity', (b) => b),
    'corrupt-sse': gzipSse,
  });
  const provider = (name: string, up: RawUpstream, models: string[], priority: number) => ({
    name,
    priority,
    type: 'openai',
    baseUrl: `${up.origin}/v1`,
    apiKey: 'test-key-1',
    models,
  });
  gw = await startGateway(
    {
      providers: [
        provider('broken', broken, ['corrupt', 'zstd', 'bomb', 'corrupt-sse'], 1),
        provider(
          'good',
          good,
          ['gzip', 'x-gzip', 'br', 'deflate', 'sse', 'long', 'corrupt', 'zstd', 'bomb', 'corrupt-sse'],
          2,
        ),
        { name: 'claude', type: 'anthropic', baseUrl: good.origin, apiKey: 'test-key-1', models: ['a'] },
      ],
    },
    { plugins: [finished.plugin] },
  );
});

afterAll(async () => {
  await gw.close();
  await broken.close();
  await good.close();
});

const chat = (model: string, stream = false) =>
  sendHttp(Number(new URL(gw.url).port), {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'x' }] }),
  });

describe('an upstream answer with a content-encoding', () => {
  it.each(['gzip', 'x-gzip', 'br', 'deflate'])(
    '%s JSON passed on: the caller gets the JSON, its usage counted',
    async (model) => {
      const res = await chat(model);
      expect(res.status, res.text).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.text).toBe(COMPLETION);
      expect((await finished.next()).response?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2 });
    },
  );

  it('gzip SSE passed on: every event, decoded', async () => {
    const res = await chat('sse', true);
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe(SSE);
    await finished.next();
  });

  it('gzip JSON converted (Anthropic upstream, OpenAI caller)', async () => {
    const res = await chat('a');
    expect(res.status, res.text).toBe(200);
    expect(res.json.choices[0].message.content).toBe('décodé');
    expect(res.json.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 1 });
    await finished.next();
  });

  it.each([
    ['corrupt', /content-encoding gzip, corrupt/],
    ['zstd', /content-encoding zstd, which the gateway cannot read/],
    // 300 MiB of spaces in 300 KB: the decoded answer is cut at 256 MiB (MAX_WHOLE_BYTES).
    ['bomb', /upstream answer over 256 MiB/],
  ])('%s: a failed attempt, the next target answers', async (model, why) => {
    const res = await chat(model);
    expect(res.status, res.text).toBe(200);
    expect(res.headers['x-switchyard-target']).toBe(`good/${model}`);
    expect(res.text).toBe(COMPLETION);
    const x = await finished.next();
    expect(x.results[0]).toMatchObject({ outcome: 'failure' });
    expect(x.results[0]!.message).toMatch(why);
  });

  it('a gzip stream corrupt before its first event, its connection open: a failed attempt naming why', async () => {
    const res = await chat('corrupt-sse', true);
    expect(res.status, res.text).toBe(200);
    expect(res.headers['x-switchyard-target']).toBe('good/corrupt-sse');
    expect(res.text).toBe(SSE);
    const x = await finished.next();
    expect(x.results[0]).toMatchObject({ outcome: 'failure' });
    expect(x.results[0]!.message).toMatch(/content-encoding gzip, corrupt/);
  });
});

describe('a gzip stream whose caller stops reading', () => {
  it('stops the upstream rather than decoding the stream into the gateway', async () => {
    let stall!: () => void;
    const stalled = new Promise<void>((resolve) => (stall = resolve));
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', resolve).on('error', reject);
      req.end(JSON.stringify({ model: 'long', stream: true, messages: [{ role: 'user', content: 'x' }] }));
    });
    expect(res.statusCode).toBe(200);
    res.pause(); // reads nothing from here on
    long.stall = stall;
    if (!long.stalled && !long.finished) await stalled;
    // The gateway keeps serving meanwhile; had it kept reading the upstream, the stream would have moved on.
    for (let i = 0; i < 20; i++) {
      expect((await chat('gzip')).status).toBe(200);
      await finished.next();
    }
    expect(long.stalled).toBe(true);
    expect(long.finished).toBe(false);
    expect(long.written).toBeLessThan(LONG_BYTES / 4);
    res.destroy();
    await finished.next();
  });
});
