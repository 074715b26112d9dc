/**
 * A hole the thirteenth rule-bypass pass closed: under a tokens-per-minute limit, a request that
 * sets no output limit (`outputWithoutLimit: estimate`, the default) reserves `defaultMaxTokens`
 * and is counted what it writes beyond when it ends; the window it ended in was then refused to the
 * key, but only until that window's end: the tokens past the limit were forgotten with it. A key
 * limited to 10,000 tokens a minute asking once a minute for an answer of 100,000 tokens was served
 * 100,000 tokens a minute (10 times its limit; 12.8 times on a model writing 128,000). A window a
 * settlement takes past its limit now lasts as many windows as it holds limits: what was used
 * beyond is carried over, and the key's tokens average its limit. Each case failed before the fix.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { chatAnswer, k, listening } from '../support/rule-probes-5.js';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

const MINUTE_MS = 60_000;
const LIMIT = 10_000;

/** A chat upstream writing 100,000 tokens for a request that sets no output limit, 10 for one that does. */
async function longWriter() {
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text);
      const open = body.max_tokens === undefined && body.max_completion_tokens === undefined;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(chatAnswer(body.model, { prompt_tokens: 10, completion_tokens: open ? 100_000 : 10 })));
    });
  });
  return listening(server);
}

async function limitedGateway(baseUrl: string, store?: { type: 'redis'; url: string; keyPrefix: string }) {
  return startGateway({
    providers: [mockProvider('u', baseUrl, { models: ['m'] })],
    catalog: { m: { contextWindow: 200_000, maxOutputTokens: 128_000 } },
    plugins: {
      'circuit-breaker': false,
      auth: { keys: [{ name: 'tpm13', key: k('tpm13'), limits: { tokensPerMinute: LIMIT } }] },
    },
    ...(store ? { store } : {}),
  });
}

const open = (url: string) =>
  call(`${url}/v1/chat/completions`, k('tpm13'), { model: 'm', messages: [{ role: 'user', content: 'write' }] });
const small = (url: string) =>
  call(`${url}/v1/chat/completions`, k('tpm13'), {
    model: 'm',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
  });

afterEach(() => void vi.useRealTimers());

describe('tokens written past a tokens-per-minute limit by a request that set no output limit', () => {
  it('memory counters: are carried over to the windows that follow, not forgotten at the window’s end', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const start = Date.now();
    const up = await longWriter();
    const gw = await limitedGateway(up.baseUrl);
    try {
      expect((await open(gw.url)).status).toBe(200); // 100,010 tokens against 10,000 a minute
      await until(async () => (await small(gw.url)).status === 429, { what: 'the answer settled' });
      vi.setSystemTime(start + MINUTE_MS + 1000);
      // Was 200: the next minute was the key's whole again, and so was every minute after.
      const next = await small(gw.url);
      expect(next.status).toBe(429);
      // 100,010 tokens are 11 minutes' worth: the window ends 11 minutes after it began.
      const wait = Number(next.headers['retry-after']);
      expect(wait).toBeGreaterThan(9 * 60);
      expect(wait).toBeLessThanOrEqual(10 * 60);
      vi.setSystemTime(start + 10 * MINUTE_MS + 1000);
      expect((await small(gw.url)).status).toBe(429);
      vi.setSystemTime(start + 11 * MINUTE_MS + 1000);
      expect((await small(gw.url)).status).toBe(200);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('Redis counters: the window holding them lasts as many minutes as they are limits', async () => {
    const keyPrefix = testPrefix();
    const redis = new Redis('redis://127.0.0.1:6379');
    const up = await longWriter();
    const gw = await limitedGateway(up.baseUrl, { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix });
    const tokens = `${keyPrefix}rate-limit:tokens:key:tpm13`;
    try {
      expect((await open(gw.url)).status).toBe(200);
      await until(async () => (await redis.get(tokens)) === '100010', { what: 'the answer settled' });
      // Was some 60 s: the 90,010 tokens past the limit were forgotten within the minute.
      const left = await redis.pttl(tokens);
      expect(left).toBeGreaterThan(10 * MINUTE_MS);
      expect(left).toBeLessThanOrEqual(11 * MINUTE_MS);
      const next = await small(gw.url);
      expect(next.status).toBe(429);
      expect(Number(next.headers['retry-after'])).toBeGreaterThan(9 * 60);
    } finally {
      redis.disconnect();
      await gw.close();
      await up.close();
      await dropTestKeys(keyPrefix);
    }
  });
});
