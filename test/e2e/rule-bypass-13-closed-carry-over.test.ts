/**
 * A hole the thirteenth rule-bypass pass closed: under a tokens-per-minute limit, a request that
 * sets no output limit (`outputWithoutLimit: estimate`, the default) reserves `defaultMaxTokens`
 * and is counted what it writes beyond when it ends; the window it ended in was then refused to the
 * key, but only until that window's end: the tokens past the limit were forgotten with it. A key
 * limited to 10,000 tokens a minute asking once a minute for an answer of 100,000 tokens was served
 * 100,000 tokens a minute (10 times its limit; 12.8 times on a model writing 128,000). A window a
 * settlement takes past its limit now lasts as many windows as it holds limits: what was used
 * beyond is carried over, and the key's tokens average its limit: whether the request settles in
 * its own window or after it ended, and whether it streamed (Chat Completions, Responses). Each
 * case failed before the fix.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { k } from '../support/rule-probes-5.js';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { until } from '../support/wait.js';

const MINUTE_MS = 60_000;
const LIMIT = 10_000;

/** 100,000 answer tokens for a request that sets no output limit, 10 for one that does. */
const longWhenOpen = (body: any) => ({
  prompt_tokens: 10,
  completion_tokens: body.max_tokens === undefined && body.max_completion_tokens === undefined ? 100_000 : 10,
});

const longWriter = () => startGatedUpstream(longWhenOpen, { open: true });

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

const OPEN = { model: 'm', messages: [{ role: 'user', content: 'write' }] };
const SMALL = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const ask = (url: string, body: unknown, path = '/v1/chat/completions') => call(`${url}${path}`, k('tpm13'), body);
const open = (url: string) => ask(url, OPEN);
const small = (url: string) => ask(url, SMALL);

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
      await up.stop();
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
      await up.stop();
      await dropTestKeys(keyPrefix);
    }
  });
});

describe('tokens written past the limit, settled late or streamed', () => {
  it('a request admitted before its window ends and settled after it is carried over in the window that follows', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const start = Date.now();
    const up = await startGatedUpstream(longWhenOpen);
    const gw = await limitedGateway(up.baseUrl);
    try {
      const first = ask(gw.url, OPEN);
      await up.waitForReceived(1);
      vi.setSystemTime(start + MINUTE_MS + 1000); // its window has ended
      up.open();
      expect((await first).status).toBe(200);
      const refused = await until(
        async () => {
          const res = await ask(gw.url, SMALL);
          return res.status === 429 ? res : undefined;
        },
        { what: 'the late settlement counted' },
      );
      // 99,000-odd tokens beyond the reservation: ten minutes' worth, in a window of its own.
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(8 * 60);
      vi.setSystemTime(start + 2 * MINUTE_MS + 2000);
      expect((await ask(gw.url, SMALL)).status).toBe(429);
    } finally {
      up.open();
      await gw.close();
      await up.stop();
    }
  });

  it.each([
    ['Chat Completions', '/v1/chat/completions', { ...OPEN, stream: true }],
    ['Responses', '/v1/responses', { model: 'm', input: 'write', stream: true }],
  ])('a %s stream writing past it is carried over too', async (_, path, body) => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const start = Date.now();
    const up = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 100_000 }), { open: true });
    const gw = await limitedGateway(up.baseUrl);
    try {
      const res = await ask(gw.url, body, path);
      expect(res.status, res.text).toBe(200);
      await until(async () => (await ask(gw.url, SMALL)).status === 429, { what: 'the stream settled' });
      vi.setSystemTime(start + 5 * MINUTE_MS);
      expect((await ask(gw.url, SMALL)).status).toBe(429);
      vi.setSystemTime(start + 11 * MINUTE_MS + 1000);
      expect((await ask(gw.url, SMALL)).status).toBe(200);
    } finally {
      await gw.close();
      await up.stop();
    }
  });
});
