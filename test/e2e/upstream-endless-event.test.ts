import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExchanges } from '../support/finishes.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { sendHttp } from '../support/raw-http.js';
import { startRawUpstream, writeFlushed } from '../support/raw-upstream.js';
import type { RawUpstream, Script } from '../support/raw-upstream.js';
import { until } from '../support/wait.js';

/**
 * An upstream writing one endless SSE line: the gateway held every byte of the unfinished event
 * for as long as the upstream wrote (memory without bound, the caller waiting). Past 64 MiB the
 * stream is broken: the upstream dropped, the caller told in its protocol.
 */
const MIB = Buffer.alloc(1024 * 1024, 'x');
/** Where the upstream gives up on its own: a gateway without the bound holds all of it. */
const UPSTREAM_MAX_MIB = 160;
const FIRST = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] })}\n\n`;

const written: Record<string, number> = {};
/** Models whose upstream connection the gateway dropped. */
const dropped = new Set<string>();
const endless =
  (first: string): Script =>
  async (socket, req) => {
    const model = req.body.model as string;
    written[model] = 0;
    socket.once('close', () => dropped.add(model));
    await writeFlushed(
      socket,
      'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: 999999999999\r\n\r\n',
    );
    await writeFlushed(socket, `${first}data: {"id":"c1","choices":[{"index":0,"delta":{"content":"`);
    while (!socket.destroyed && written[model]! < UPSTREAM_MAX_MIB) {
      await writeFlushed(socket, MIB);
      written[model]!++;
    }
    socket.destroy();
  };

let up: RawUpstream;
let gw: RunningGateway;
const finished = finishedExchanges();

beforeAll(async () => {
  up = await startRawUpstream({ committed: endless(FIRST), first: endless('') });
  gw = await startGateway(
    {
      providers: [
        { name: 'u', type: 'openai', baseUrl: `${up.origin}/v1`, apiKey: 'test-key-1', models: ['committed', 'first'] },
      ],
      plugins: { 'circuit-breaker': false },
    },
    { plugins: [finished.plugin] },
  );
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const chat = (model: string) =>
  sendHttp(Number(new URL(gw.url).port), {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });

describe('an upstream SSE event that never ends', () => {
  it('after the first event: the stream ends with an error event, the upstream is dropped', async () => {
    const res = await chat('committed');
    expect(res.status).toBe(200);
    expect(res.text.startsWith(FIRST)).toBe(true);
    expect(res.text).toMatch(/data: \{"error":\{"message":"u\/committed: upstream stream event over 64 MiB"/);
    const x = await finished.next();
    expect(x.results.at(-1)).toMatchObject({ outcome: 'failure', failure: 'stream_broken' });
    await until(() => dropped.has('committed'), { what: 'the upstream connection dropped' });
    expect(written.committed).toBeLessThan(UPSTREAM_MAX_MIB);
  });

  it('before any event: a failed attempt, 502 in the caller protocol', async () => {
    const res = await chat('first');
    expect(res.status).toBe(502);
    expect(res.json.error.message).toMatch(/upstream stream event over 64 MiB/);
    await finished.next();
    // Was: left open and paused, never read again (and the gateway's close() waited for it).
    await until(() => dropped.has('first'), { what: 'the upstream connection dropped' });
    expect(written.first).toBeLessThan(UPSTREAM_MAX_MIB);
  });
});
