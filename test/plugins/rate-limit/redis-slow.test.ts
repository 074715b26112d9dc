import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { rateLimit } from '@switchyard/plugin-rate-limit';
import type { RateLimitOptions } from '@switchyard/plugin-rate-limit';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startGatedUpstream } from '../../support/gated-upstream.js';
import type { GatedUpstream } from '../../support/gated-upstream.js';
import { startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';
import type { TcpProxy } from '../../support/tcp-proxy.js';

// A slow Redis: the store's commands time out after 1 s while Redis still runs them. An admission
// that timed out may have been counted, a settlement that failed was not: neither may leave a
// concurrency slot taken (its lease is an hour, renewed by every admission of the key).

const prefix = testPrefix();
const admin = new Redis('redis://127.0.0.1:6379');
let upstream: GatedUpstream;
const opened: Array<{ close(): Promise<void> }> = [];
let run = 0;

beforeAll(async () => {
  upstream = await startGatedUpstream(() => ({ prompt_tokens: 3, completion_tokens: 2 }), { open: true });
});
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});
afterAll(async () => {
  await upstream.stop();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

async function gateway(options: Partial<RateLimitOptions>): Promise<{ gw: RunningGateway; proxy: TcpProxy }> {
  const proxy = await startTcpProxy(6379);
  opened.push(proxy);
  const gw = await startGateway(
    {
      store: { type: 'redis', url: proxy.url, keyPrefix: `${prefix}${++run}:` },
      providers: [mockProvider('a', upstream.baseUrl, { models: ['gpt-4o-mini'] })],
    },
    {
      plugins: [
        withOptions(auth(), {
          keys: [
            { name: 'app', key: 'test-key-app' },
            { name: 'ops', key: 'test-key-ops', admin: true },
          ],
        }),
        withOptions(rateLimit(), options),
      ],
    },
  );
  opened.push(gw); // after its proxy: cut first, a gateway never waits on held replies to close
  return { gw, proxy };
}

const chat = (gw: RunningGateway): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key-app' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 }),
  });

const inFlight = async (): Promise<string | null> => admin.get(`${prefix}${run}:rate-limit:concurrent:key:app`);

describe('rate-limit on a slow Redis (replies after the command timeout)', () => {
  it.each(['deny', 'allow'] as const)(
    'onStoreError %s: an admission that timed out but ran leaves no concurrency slot taken',
    async (onStoreError) => {
      const { gw, proxy } = await gateway({ defaults: { concurrent: 1 }, onStoreError });
      await waitFor(async () => (await chat(gw)).status === 200, 'a limited request served');
      await waitFor(async () => (await inFlight()) === '0', 'its slot given back');
      proxy.holdReplies();
      const during = await chat(gw);
      expect(during.status).toBe(onStoreError === 'deny' ? 503 : 200);
      await during.text();
      expect(await inFlight()).not.toBe('0'); // Redis counted the admission the gateway never heard of
      proxy.releaseReplies();
      await waitFor(async () => (await inFlight()) === '0', 'the timed-out admission given back');
      const after = await chat(gw);
      expect(after.status).toBe(200);
      await after.text();
    },
  );

  it.each([
    ['never reached Redis (cut)', false],
    ['ran but answered late', true],
  ] as const)('a settlement that %s is sent again until Redis takes it, and counts once', async (_how, late) => {
    const { gw, proxy } = await gateway({ defaults: { concurrent: 1 }, onStoreError: 'allow' });
    await waitFor(async () => (await chat(gw)).status === 200, 'a limited request served');
    await waitFor(async () => (await inFlight()) === '0', 'its slot given back');
    upstream.close();
    const before = upstream.received;
    const admitted = chat(gw);
    await waitFor(() => upstream.received > before, 'the admitted request upstream');
    expect(await inFlight()).toBe('1');
    if (late) proxy.holdReplies();
    else await proxy.cut();
    upstream.open();
    const res = await admitted;
    expect(res.status).toBe(200);
    await res.text();
    await waitFor(async () => (await pending(gw)) > 0, 'the settlement kept to send again');
    if (late) proxy.releaseReplies();
    else await proxy.restore();
    await waitFor(async () => (await pending(gw)) === 0, 'the settlement sent again');
    expect(await inFlight()).toBe('0');
  });
});

async function pending(gw: RunningGateway): Promise<number> {
  const res = await fetch(`${gw.url}/admin/rate-limit`, { headers: { authorization: 'Bearer test-key-ops' } });
  return res.ok ? ((await res.json()) as { pendingMoves: number }).pendingMoves : -1;
}
