/**
 * A concurrency limit that forgot the requests in flight when its counter's window ended, found by
 * the eighth rule-bypass pass, closed. The counter of requests in flight lived one hour from the
 * first request that found it empty, whatever came after: a request admitted a second before
 * that hour ended was forgotten a second later, and its slot given to another one. A key
 * limited to one request at a time ran two (and any number with more keys' worth of streams held
 * across the hour). Each test failed before its fix.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LEASE_MS } from '@switchyard/plugin-rate-limit';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { chatAnswer, k, listening } from '../support/rule-probes-5.js';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

const HOUR_MS = 3_600_000;

/** A chat upstream answering at once, but holding a request whose prompt is 'hold' until release(). */
async function holdingUpstream() {
  const held: Array<() => void> = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text);
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 })));
      };
      if (body.messages?.[0]?.content === 'hold') held.push(answer);
      else answer();
    });
  });
  return { ...(await listening(server)), held, release: () => held.splice(0).forEach((answer) => answer()) };
}

async function limitedGateway(baseUrl: string, store?: { type: 'redis'; url: string; keyPrefix: string }) {
  return startGateway({
    providers: [mockProvider('u', baseUrl, { models: ['m'] })],
    plugins: {
      'circuit-breaker': false,
      auth: { keys: [{ name: 'one', key: k('one'), limits: { concurrent: 1 } }] },
    },
    ...(store ? { store } : {}),
  });
}

const ask = (url: string, content: string) =>
  call(`${url}/v1/chat/completions`, k('one'), { model: 'm', messages: [{ role: 'user', content }] });

afterEach(() => void vi.useRealTimers());

describe('a concurrency limit across the end of its counter’s window', () => {
  it('memory counters: a request admitted just before the hour ends still holds its slot after it', async () => {
    // Was: the third request was answered 200 while the second was still in flight: two at once.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const start = Date.now();
    const up = await holdingUpstream();
    const gw = await limitedGateway(up.baseUrl);
    try {
      expect((await ask(gw.url, 'quick')).status).toBe(200); // opens the counter's hour
      vi.setSystemTime(start + HOUR_MS - 1000);
      const held = ask(gw.url, 'hold');
      await until(() => up.held.length === 1, { what: 'the held request upstream' });
      expect((await ask(gw.url, 'quick')).status).toBe(429);
      vi.setSystemTime(start + HOUR_MS + 1000);
      expect((await ask(gw.url, 'quick')).status).toBe(429);
      up.release();
      expect((await held).status).toBe(200);
      // Its slot is given back when it ends.
      await until(async () => (await ask(gw.url, 'quick')).status === 200, { what: 'the slot given back' });
    } finally {
      up.release();
      await gw.close();
      await up.close();
    }
  });

  it('Redis counters: a request in flight holds its slot for its whole lease, whenever the key was first used', async () => {
    // Was: the counter kept the one-hour TTL its first request set: 1 s left when the held
    // request was admitted, and gone (with that request's slot) a second later. Each slot is now
    // its own, ending a lease (five minutes, renewed while it runs) after its admission; the set
    // holding them lives as long as its last.
    const keyPrefix = testPrefix();
    const redis = new Redis('redis://127.0.0.1:6379');
    const up = await holdingUpstream();
    const gw = await limitedGateway(up.baseUrl, { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix });
    const slots = `${keyPrefix}rate-limit:slots:key:one`;
    try {
      expect((await ask(gw.url, 'quick')).status).toBe(200);
      // A slot whose lease has ended, in a set whose own TTL is nearly over.
      await redis.zadd(slots, Date.now() - 1, 'admit:ended');
      await redis.pexpire(slots, 1000);
      const held = ask(gw.url, 'hold');
      await until(() => up.held.length === 1, { what: 'the held request upstream' });
      expect(await redis.pttl(slots)).toBeGreaterThan(LEASE_MS - 60_000);
      const [, ends] = await redis.zrange(slots, -1, -1, 'WITHSCORES');
      expect(Number(ends)).toBeGreaterThan(Date.now() + LEASE_MS - 60_000);
      expect(await redis.zcard(slots)).toBe(1); // the ended slot dropped at the admission
      expect((await ask(gw.url, 'quick')).status).toBe(429);
      up.release();
      expect((await held).status).toBe(200);
    } finally {
      up.release();
      redis.disconnect();
      await gw.close();
      await up.close();
      await dropTestKeys(keyPrefix);
    }
  });
});
