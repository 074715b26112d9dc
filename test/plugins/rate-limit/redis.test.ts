import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { rateLimit } from '@switchyard/plugin-rate-limit';
import type { RateLimitOptions } from '@switchyard/plugin-rate-limit';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';

const prefix = testPrefix();
const admin = new Redis('redis://127.0.0.1:6379');
let upstream: MockOpenAI;
const running: RunningGateway[] = [];

beforeAll(async () => {
  upstream = await startMockOpenAI({ name: 'a' });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  await upstream.close();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

let run = 0;

/** Each call gets its own sub-prefix unless `shared` names one, so tests never see each other's counters. */
async function gateway(
  url: string,
  options: Partial<RateLimitOptions>,
  logger = memoryLogger().logger,
  shared?: string,
): Promise<RunningGateway> {
  const gw = await startGateway(
    {
      store: { type: 'redis', url, keyPrefix: `${prefix}${shared ?? ++run}:` },
      providers: [mockProvider('a', upstream.baseUrl, { models: ['gpt-4o-mini'] })],
    },
    {
      logger,
      plugins: [
        withOptions(auth(), {
          keys: [
            { name: 'app', key: 'sk-gw-app-0001' },
            { name: 'ops', key: 'sk-gw-ops-0002', admin: true },
          ],
        }),
        withOptions(rateLimit(), options),
      ],
    },
  );
  running.push(gw);
  return gw;
}

const chat = (gw: RunningGateway): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-gw-app-0001' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 }),
  });

describe('rate-limit plugin on the Redis store', () => {
  it('keeps its counters in Redis under the store prefix, shared by two gateways', async () => {
    const one = await gateway('redis://127.0.0.1:6379', { defaults: { requestsPerMinute: 2 } }, undefined, 'shared');
    const two = await gateway('redis://127.0.0.1:6379', { defaults: { requestsPerMinute: 2 } }, undefined, 'shared');
    expect((await chat(one)).status).toBe(200);
    expect((await chat(two)).status).toBe(200);
    expect((await chat(one)).status).toBe(429);
    expect((await chat(two)).status).toBe(429);
    const keys = await admin.keys(`${prefix}shared:rate-limit:requests*`);
    expect(keys).toEqual([`${prefix}shared:rate-limit:requests:key:app`]);
    expect(await admin.get(keys[0]!)).toBe('2');
  });

  it('onStoreError allow: a closed Redis port lets requests through, marked, with one loud log line', async () => {
    const log = memoryLogger();
    const gw = await gateway(
      'redis://127.0.0.1:1',
      { defaults: { requestsPerMinute: 1 }, onStoreError: 'allow' },
      log.logger,
    );
    for (let i = 0; i < 3; i++) {
      const res = await chat(gw);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-warnings')).toContain('rate limits not enforced');
    }
    const loud = log.lines.filter((l) => String(l.msg).startsWith('RATE-LIMIT STORE UNREACHABLE'));
    expect(loud).toHaveLength(1);
    expect(loud[0]).toMatchObject({ level: 50, onStoreError: 'allow' });
    const status = await (
      await fetch(`${gw.url}/admin/rate-limit`, { headers: { 'x-api-key': 'sk-gw-ops-0002' } })
    ).json();
    expect(status).toMatchObject({ store: 'redis', failing: true, allowedOnStoreError: 3 });
  });

  it('onStoreError deny: a closed Redis port refuses with 503 in the caller protocol, never hanging', async () => {
    const gw = await gateway('redis://127.0.0.1:1', { defaults: { requestsPerMinute: 100 }, onStoreError: 'deny' });
    const res = await chat(gw);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const error = (await res.json()).error;
    expect(error).toMatchObject({ type: 'service_unavailable', code: 'rate_limiter_unavailable' });
    // Says why, not "internal gateway error".
    expect(error.message).toMatch(/rate-limit store is unreachable/);
  });

  it('enforces limits again once Redis is back', async () => {
    const proxy = await startTcpProxy(6379);
    const log = memoryLogger();
    const gw = await gateway(proxy.url, { defaults: { requestsPerMinute: 2 }, onStoreError: 'allow' }, log.logger);
    expect((await chat(gw)).status).toBe(200);
    await proxy.cut();
    await waitFor(
      async () => (await chat(gw)).headers.get('x-switchyard-warnings') !== null,
      'the outage to be noticed',
    );
    expect((await chat(gw)).status).toBe(200);
    await proxy.restore();
    await waitFor(async () => (await chat(gw)).status === 429, 'limits to apply again');
    expect(log.lines.some((l) => String(l.msg).startsWith('rate-limit store reachable again'))).toBe(true);
    expect(log.lines.filter((l) => String(l.msg).startsWith('REDIS STORE UNREACHABLE'))).toHaveLength(1);
    await proxy.close();
  });
});
