import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExchanges } from '../support/finishes.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { sendHttp } from '../support/raw-http.js';
import { completionJson, httpAnswer, messageJson, startRawUpstream } from '../support/raw-upstream.js';
import type { Script, RawUpstream } from '../support/raw-upstream.js';

/**
 * A proxy or load balancer in front of an upstream may answer 200 with its own HTML or text page.
 * Passed on unread (same protocol), it was the caller's answer; it is a failed attempt, as it is
 * when the answer is converted.
 */
const COMPLETION = completionJson('ok', 1);
const MESSAGE = messageJson('ok', 3);
const PAGE = '<html><body><h1>502 Bad Gateway</h1></body></html>';
const html: Script = (socket) => void socket.write(httpAnswer(200, { 'content-type': 'text/html' }, PAGE));
const empty: Script = (socket) => void socket.write(httpAnswer(200, { 'content-type': 'application/json' }));
const answer =
  (body: string): Script =>
  (socket) =>
    void socket.write(httpAnswer(200, { 'content-type': 'application/json' }, body));

let proxy: RawUpstream;
let good: RawUpstream;
let gw: RunningGateway;
const finished = finishedExchanges();

beforeAll(async () => {
  proxy = await startRawUpstream({ m: html, alone: html, empty, a: html });
  good = await startRawUpstream({ m: answer(COMPLETION), empty: answer(COMPLETION), a: answer(MESSAGE) });
  gw = await startGateway(
    {
      providers: [
        {
          name: 'proxy',
          type: 'openai',
          baseUrl: `${proxy.origin}/v1`,
          apiKey: 'test-key-1',
          priority: 1,
          models: ['m', 'alone', 'empty'],
        },
        {
          name: 'good',
          type: 'openai',
          baseUrl: `${good.origin}/v1`,
          apiKey: 'test-key-1',
          priority: 2,
          models: ['m', 'empty'],
        },
        { name: 'claude', type: 'anthropic', baseUrl: proxy.origin, apiKey: 'test-key-1', models: ['a'] },
      ],
    },
    { plugins: [finished.plugin] },
  );
});

afterAll(async () => {
  await gw.close();
  await proxy.close();
  await good.close();
});

const send = (path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  sendHttp(Number(new URL(gw.url).port), {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }], ...body }),
  });

describe('a 200 whose body is not JSON, from an upstream speaking the caller protocol', () => {
  it.each(['m', 'empty'])('%s: is a failed attempt; the next target answers', async (model) => {
    const res = await send('/v1/chat/completions', { model });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe(COMPLETION);
    expect(res.headers['x-switchyard-target']).toBe(`good/${model}`);
    const x = await finished.next();
    expect(x.results[0]).toMatchObject({ outcome: 'failure', failure: 'unusable_answer', status: 200 });
    expect(x.results[0]!.message).toMatch(/unreadable upstream response/);
  });

  it('with no other target: 502 in the caller protocol, naming what came', async () => {
    const res = await send('/v1/chat/completions', { model: 'alone' });
    expect(res.status).toBe(502);
    expect(res.json.error.message).toBe('proxy/alone: unreadable upstream response (text/html, not JSON)');
    expect(res.text).not.toContain('<html>');
    await finished.next();
  });

  it('Anthropic Messages passed on: 502 as Anthropic writes errors', async () => {
    const res = await send('/v1/messages', { model: 'a', max_tokens: 10 }, { 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({
      type: 'error',
      error: { message: 'claude/a: unreadable upstream response (text/html, not JSON)' },
    });
    await finished.next();
  });
});
