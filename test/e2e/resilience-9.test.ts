/**
 * Resilience, ninth pass: misbehaving upstreams (raw TCP) and callers. What held, with real
 * assertions; the defects found are closed in upstream-encoding, upstream-html-200 and
 * sse-long-event tests.
 */
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExchanges } from '../support/finishes.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { sendHttp } from '../support/raw-http.js';
import { k } from '../support/rule-probes-5.js';
import { httpAnswer, startRawUpstream, writeFlushed } from '../support/raw-upstream.js';
import type { Script, RawUpstream } from '../support/raw-upstream.js';
import { HUNG_MS, until } from '../support/wait.js';

const completion = (content: string): string =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });
const COMPLETION = completion('ok');
const chunkData = (content: string): string =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}`;
const chunked = (bytes: string | Buffer): Buffer => {
  const b = Buffer.from(bytes);
  return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
};
const SSE_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n';
/** A chunked SSE answer, each piece its own TCP segment. */
const sse =
  (...pieces: Array<string | Buffer>): Script =>
  async (socket) => {
    await writeFlushed(socket, SSE_HEAD);
    for (const piece of pieces) await writeFlushed(socket, chunked(piece));
    socket.write('0\r\n\r\n');
  };
const json =
  (body: string): Script =>
  (socket) =>
    void socket.write(httpAnswer(200, { 'content-type': 'application/json' }, body));

/** Anthropic's stream of one text, `é😀` split between two TCP segments inside a character, with pings. */
const ANTHROPIC_TEXT = 'é😀 done';
const anthropicSplit: Script = async (socket) => {
  const start = `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'a', content: [], stop_reason: null, usage: { input_tokens: 2, output_tokens: 0 } } })}\n\n`;
  const block = `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`;
  const delta = Buffer.from(
    `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ANTHROPIC_TEXT } })}\n\n`,
  );
  const cut = delta.indexOf(Buffer.from('😀')) + 2;
  const end =
    `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n` +
    `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } })}\n\n` +
    'event: message_stop\ndata: {"type":"message_stop"}\n\n';
  await sse(
    start,
    ': keep-alive\n\nevent: ping\ndata: {"type": "ping"}\n\n',
    block,
    delta.subarray(0, cut),
    delta.subarray(cut),
    end,
  )(socket, undefined as never);
};

/** Holds a stream open after its first event until the gateway drops the connection. */
const dropped: { count: number } = { count: 0 };
const holdStream: Script = async (socket) => {
  await writeFlushed(socket, SSE_HEAD);
  await writeFlushed(socket, chunked(`${chunkData('partial')}\n\n`));
  await new Promise((resolve) => socket.once('close', resolve));
  dropped.count++;
};

const SCRIPTS: Record<string, Script> = {
  crOnly: sse(`${chunkData('a')}\r\r`, `${chunkData('b')}\r`, '\rdata: [DONE]\r\r'),
  pings: sse(': ping\n\n', 'event: ping\n\n', `${chunkData('a')}\n\n: ping\n\nevent: x\n\n`, 'data: [DONE]\n\n'),
  noDone: sse(`${chunkData('a')}\n\n`),
  http10: (socket) => void socket.end(`HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n${COMPLETION}`),
  tooLong: (socket) =>
    void socket.write(
      Buffer.concat([
        httpAnswer(200, { 'content-type': 'application/json' }, COMPLETION),
        Buffer.from('HTTP/1.1 200 OK\r\n'),
      ]),
    ),
  trailers: async (socket) => {
    await writeFlushed(
      socket,
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\ntrailer: x-checksum\r\n\r\n',
    );
    socket.write(
      Buffer.concat([
        chunked(COMPLETION.slice(0, 40)),
        chunked(COMPLETION.slice(40)),
        Buffer.from('0\r\nx-checksum: 1\r\n\r\n'),
      ]),
    );
  },
  earlyHints: async (socket) => {
    await writeFlushed(socket, 'HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n');
    socket.write(httpAnswer(200, { 'content-type': 'application/json' }, COMPLETION));
  },
  dated429: (socket) =>
    void socket.write(
      httpAnswer(
        429,
        { 'content-type': 'application/json', 'retry-after': new Date(Date.now() + 120_000).toUTCString() },
        '{"error":{"message":"slow down","type":"rate_limit_error"}}',
      ),
    ),
  resetMidBody: async (socket) => {
    await writeFlushed(
      socket,
      `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${COMPLETION.length}\r\n\r\n${COMPLETION.slice(0, 20)}`,
    );
    socket.resetAndDestroy();
  },
  unasked100: async (socket) => {
    await writeFlushed(socket, 'HTTP/1.1 100 Continue\r\n\r\n');
    socket.write(httpAnswer(200, { 'content-type': 'application/json' }, COMPLETION));
  },
  echo: (socket, req) =>
    void socket.write(
      httpAnswer(200, { 'content-type': 'application/json' }, completion(req.body.messages[0].content)),
    ),
  hold: holdStream,
  a: anthropicSplit,
};
const BACKUP: Record<string, Script> = {
  resetMidBody: json(completion('backup')),
  unasked100: json(completion('backup')),
  dated429: json(completion('backup')),
};

let up: RawUpstream;
let backup: RawUpstream;
let gw: RunningGateway;
const finished = finishedExchanges();

beforeAll(async () => {
  up = await startRawUpstream(SCRIPTS);
  backup = await startRawUpstream(BACKUP);
  const openai = (name: string, origin: string, models: string[], priority: number) => ({
    name,
    type: 'openai',
    baseUrl: `${origin}/v1`,
    apiKey: 'test-key-1',
    priority,
    models,
  });
  gw = await startGateway(
    {
      providers: [
        // One instance per model: a 429 or a failure cools only its own.
        ...Object.keys(SCRIPTS)
          .filter((m) => m !== 'a')
          .map((m) => openai(`u-${m}`, up.origin, [m], 1)),
        openai('backup', backup.origin, Object.keys(BACKUP), 2),
        { name: 'claude', type: 'anthropic', baseUrl: up.origin, apiKey: 'test-key-1', models: ['a'] },
      ],
      plugins: {
        auth: {
          keys: [
            { name: 'one', key: k('one'), limits: { concurrent: 1 } },
            { name: 'many', key: k('many') },
          ],
        },
      },
    },
    { plugins: [finished.plugin] },
  );
});

afterAll(async () => {
  await gw.close();
  await up.close();
  await backup.close();
});

const port = (): number => Number(new URL(gw.url).port);
const body = (model: string, stream = false, content = 'x'): string =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content }] });
const chat = (model: string, stream = false, content = 'x') =>
  sendHttp(port(), {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${k('one')}` },
    body: body(model, stream, content),
  });
const dataOf = (text: string): string[] => [...text.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]!);

describe('upstream streams', () => {
  it('CR-only line ends: passed through byte for byte', async () => {
    const res = await chat('crOnly', true);
    expect(res.status).toBe(200);
    expect(res.text).toBe(`${chunkData('a')}\r\r${chunkData('b')}\r\rdata: [DONE]\r\r`);
    await finished.next();
  });

  it('comments and data-less event blocks: passed on, not counted as events', async () => {
    const res = await chat('pings', true);
    expect(res.text).toBe(`: ping\n\nevent: ping\n\n${chunkData('a')}\n\n: ping\n\nevent: x\n\ndata: [DONE]\n\n`);
    await finished.next();
  });

  it('converted (Anthropic → Chat): a character split between segments, pings, keep-alives', async () => {
    const res = await chat('a', true);
    expect(res.status).toBe(200);
    const chunks = dataOf(res.text)
      .filter((d) => d !== '[DONE]')
      .map((d) => JSON.parse(d));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(ANTHROPIC_TEXT);
    expect(res.text).not.toContain('\uFFFD');
    expect(res.text.endsWith('data: [DONE]\n\n')).toBe(true);
    await finished.next();
  });

  it('ending without [DONE]: an error event in the caller protocol, the request a 502 in the log', async () => {
    const res = await chat('noDone', true);
    expect(res.status).toBe(200);
    const last = JSON.parse(dataOf(res.text).at(-1)!);
    expect(last.error.message).toMatch(/ended before completion/);
    const x = await finished.next();
    expect(x.results.at(-1)).toMatchObject({ outcome: 'failure', failure: 'stream_broken' });
  });
});

describe('upstream HTTP framing', () => {
  it.each(['http10', 'trailers', 'earlyHints'])('%s: the answer as sent', async (model) => {
    const res = await chat(model);
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe(COMPLETION);
    await finished.next();
  });

  it('a body longer than its content-length: the answer, and the extra bytes never reach the next answer', async () => {
    const res = await chat('tooLong');
    expect(res.text).toBe(COMPLETION);
    await finished.next();
    const next = await chat('echo', false, 'after');
    expect(next.json.choices[0].message.content).toBe('after');
    await finished.next();
  });

  it('a reset mid-body, and an unasked 100 Continue (undici refuses it): failed attempts, the next target answers', async () => {
    for (const model of ['resetMidBody', 'unasked100']) {
      const res = await chat(model);
      expect(res.status, res.text).toBe(200);
      expect(res.json.choices[0].message.content).toBe('backup');
      const x = await finished.next();
      expect(x.results[0], model).toMatchObject({ outcome: 'failure', failure: 'connection' });
    }
  });

  it('429 with Retry-After as an HTTP date: the instance is cooled for that long, the next target answers', async () => {
    const first = await chat('dated429');
    expect(first.json.choices[0].message.content).toBe('backup');
    const x = await finished.next();
    expect(x.results[0]).toMatchObject({ outcome: 'rate_limited', status: 429 });
    const asked = up.requests.filter((r) => r.body.model === 'dated429').length;
    expect((await chat('dated429')).json.choices[0].message.content).toBe('backup');
    await finished.next();
    expect(up.requests.filter((r) => r.body.model === 'dated429').length).toBe(asked);
  });
});

describe('callers', () => {
  it('pipelined requests on one connection: each answered, in order (a key without a concurrency limit)', async () => {
    const raw = (content: string, extra = ''): string => {
      const b = body('echo', false, content);
      return `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${k('many')}\r\ncontent-length: ${Buffer.byteLength(b)}\r\n${extra}\r\n${b}`;
    };
    const socket = connect(port(), '127.0.0.1');
    let got = '';
    socket.on('data', (c) => (got += c));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(raw('one') + raw('two') + raw('three', 'connection: close\r\n'));
    await closed;
    expect([...got.matchAll(/"content":"(\w+)"/g)].map((m) => m[1])).toEqual(['one', 'two', 'three']);
    expect(got.match(/HTTP\/1.1 200/g)).toHaveLength(3);
    for (let i = 0; i < 3; i++) await finished.next();
  });

  it('expect: 100-continue: the body is asked for, then answered', async () => {
    const b = body('echo', false, 'continued');
    const socket: Socket = connect(port(), '127.0.0.1');
    let got = '';
    socket.on('data', (c) => {
      got += c;
      if (got === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write(b);
    });
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${k('one')}\r\nconnection: close\r\nexpect: 100-continue\r\ncontent-length: ${Buffer.byteLength(b)}\r\n\r\n`,
    );
    await closed;
    expect(got).toMatch(/^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200 OK\r\n/);
    expect(got).toContain('"content":"continued"');
    await finished.next();
  });

  it(
    'leaving mid-stream: the upstream dropped, one finish (aborted), the concurrency slot given back, the pool still sound',
    async () => {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${k('one')}` },
        });
        req.on('response', resolve).on('error', reject);
        req.end(body('hold', true));
      });
      await new Promise((resolve) => res.once('data', resolve));
      res.destroy();
      await until(() => dropped.count === 1, { what: 'the upstream stream dropped' });
      const x = await finished.next();
      expect(x.response).toMatchObject({ aborted: true });
      expect(x.results.at(-1)).toMatchObject({ outcome: 'cancelled', failure: 'client_abort' });
      // The key's one slot is free again, and the next answer from the same upstream is whole.
      const next = await chat('echo', false, 'fresh');
      expect(next.status, next.text).toBe(200);
      expect(next.json.choices[0].message.content).toBe('fresh');
      await finished.next();
      await expect(finished.next(200)).rejects.toThrow(/no request finished/);
    },
    HUNG_MS,
  );
});
