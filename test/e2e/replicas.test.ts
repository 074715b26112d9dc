import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, startProcess } from '../support/cli.js';
import type { StartedProcess } from '../support/cli.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { startTcpProxy, testPrefix, waitFor } from '../support/tcp-proxy.js';
import type { TcpProxy } from '../support/tcp-proxy.js';

/**
 * Two gateway processes (the switchyard CLI with preset-cluster) on two ports, one real Redis.
 * Redis is reached through a TCP proxy owned by the test, so an outage is a cut proxy.
 */
const PRESET = join(ROOT, 'presets/cluster/dist/index.js');
const KEY = 'sk-gw-replica-test-0123456789';
const prefix = testPrefix();
const admin = new Redis('redis://127.0.0.1:6379');
let upstream: MockOpenAI;
let proxy: TcpProxy;
let a: StartedProcess;
let b: StartedProcess;

beforeAll(async () => {
  upstream = await startMockOpenAI({ name: 'up' });
  proxy = await startTcpProxy(6379);
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-replicas-'));
  const file = join(dir, 'switchyard.config.json');
  await writeFile(
    file,
    JSON.stringify({
      store: { type: 'redis', url: proxy.url, keyPrefix: prefix },
      providers: [
        {
          name: 'up',
          type: 'openai',
          baseUrl: upstream.baseUrl,
          apiKey: 'sk-upstream-secret-up-0123456789',
          models: ['gpt-4o-mini'],
        },
      ],
      plugins: {
        auth: { keys: [{ name: 'app', key: '${GATEWAY_KEY}' }] },
        'rate-limit': { keys: { app: { requestsPerMinute: 10 } }, onStoreError: 'allow' },
      },
    }),
  );
  const args = [CLI, 'start', '--config', file, '--port', '0', '--preset', PRESET];
  [a, b] = await Promise.all([
    startProcess(process.execPath, args, { GATEWAY_KEY: KEY }),
    startProcess(process.execPath, args, { GATEWAY_KEY: KEY }),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await proxy?.close();
  await upstream?.close();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

const chat = (replica: StartedProcess): Promise<Response> =>
  fetch(`${replica.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });

describe('two replicas on one Redis', () => {
  it('refuse the 11th request of a key limited to 10 per minute, on whichever replica it lands', async () => {
    expect(a.url).not.toBe(b.url);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await chat(i % 3 === 0 ? b : a)).status);
    expect(statuses).toEqual(Array(10).fill(200));
    const onA = await chat(a);
    const onB = await chat(b);
    expect([onA.status, onB.status]).toEqual([429, 429]);
    expect(onB.headers.get('x-ratelimit-limit-requests')).toBe('10');
    expect(Number(onB.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('follow onStoreError (allow) without a crash while Redis is unreachable, and share limits again after recovery', async () => {
    await proxy.cut();
    await waitFor(async () => (await chat(a)).status === 200, 'replica A to let requests through');
    await waitFor(async () => (await chat(b)).status === 200, 'replica B to let requests through');
    const during = await chat(a);
    expect(during.status).toBe(200);
    expect(during.headers.get('x-switchyard-warnings')).toContain('rate limits not enforced');
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    // The log is written asynchronously: wait for the lines, then count them.
    const logged = (replica: typeof a, start: string) => replica.lines.filter((l) => String(l.msg).startsWith(start));
    for (const replica of [a, b]) {
      await waitFor(() => logged(replica, 'RATE-LIMIT STORE UNREACHABLE').length > 0, 'the rate-limit outage line');
      await waitFor(() => logged(replica, 'REDIS STORE UNREACHABLE').length > 0, 'the store outage line');
      expect(logged(replica, 'REDIS STORE UNREACHABLE')).toHaveLength(1);
    }

    await admin.del(`${prefix}rate-limit:requests:key:app`);
    await proxy.restore();
    await waitFor(
      async () => (await chat(b)).headers.get('x-switchyard-warnings') === null,
      'replica B to reach Redis again',
    );
    await waitFor(
      async () => (await chat(a)).headers.get('x-switchyard-warnings') === null,
      'replica A to reach Redis again',
    );
    // The window was reset above; whatever counted since, the rest of the 10 fit across both replicas and the next does not.
    const used = Number(await admin.get(`${prefix}rate-limit:requests:key:app`));
    const statuses: number[] = [];
    for (let i = used; i < 10; i++) statuses.push((await chat(i % 2 ? a : b)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await chat(a)).status).toBe(429);
    expect((await chat(b)).status).toBe(429);
    for (const replica of [a, b])
      await waitFor(() => logged(replica, 'redis store reachable again').length > 0, 'the store recovery line');
  });

  it('never log the gateway key or the upstream key', () => {
    const text = JSON.stringify([...a.lines, ...b.lines]);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('sk-upstream-secret');
  });
});
