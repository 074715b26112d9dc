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
// concurrency slot taken until its lease ends (an hour).

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

const chat = (gw: RunningGateway, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key-app', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 }),
  });

/** The markers (tickets) that make a move sent again count once, as the gateway's Redis holds them. */
const tickets = async (): Promise<string[]> => admin.keys(`${prefix}${run}:rate-limit:move:*`);

/** Slots of requests in flight (members of the key's sorted set). */
const inFlight = async (): Promise<number> => admin.zcard(`${prefix}${run}:rate-limit:slots:key:app`);

describe('rate-limit on a slow Redis (replies after the command timeout)', () => {
  it.each(['deny', 'allow'] as const)(
    'onStoreError %s: an admission that timed out but ran leaves no concurrency slot taken',
    async (onStoreError) => {
      const { gw, proxy } = await gateway({ defaults: { concurrent: 1 }, onStoreError });
      await waitFor(async () => (await chat(gw)).status === 200, 'a limited request served');
      await waitFor(async () => (await inFlight()) === 0, 'its slot given back');
      proxy.holdReplies();
      const during = await chat(gw);
      expect(during.status).toBe(onStoreError === 'deny' ? 503 : 200);
      await during.text();
      expect(await inFlight()).not.toBe(0); // Redis counted the admission the gateway never heard of
      proxy.releaseReplies();
      await waitFor(async () => (await inFlight()) === 0, 'the timed-out admission given back');
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
    await waitFor(async () => (await inFlight()) === 0, 'its slot given back');
    upstream.close();
    const before = upstream.received;
    const admitted = chat(gw);
    await waitFor(() => upstream.received > before, 'the admitted request upstream');
    expect(await inFlight()).toBe(1);
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
    expect(await inFlight()).toBe(0);
  });
});

describe('rate-limit tickets on Redis (what makes a move sent again count once)', () => {
  it('a caller reusing one x-request-id is counted for every request', async () => {
    const { gw } = await gateway({ defaults: { requestsPerMinute: 1, tokensPerMinute: 100_000 } });
    const same = { 'x-request-id': 'chosen-by-the-caller' };
    const first = await chat(gw, same);
    expect(first.status).toBe(200);
    await first.text();
    // Was: 200. The admission's marker was named by the request id, so the second admission found
    // it taken and only read the counters: admitted without being counted, whatever the limits.
    const second = await chat(gw, same);
    expect(second.status).toBe(429);
    await second.text();
  });

  it('are gone once the requests end: nothing per request stays in Redis', async () => {
    const { gw } = await gateway({ defaults: { concurrent: 2, tokensPerMinute: 100_000 } });
    for (let i = 0; i < 3; i++) {
      const res = await chat(gw);
      expect(res.status).toBe(200);
      await res.text();
    }
    await waitFor(async () => (await inFlight()) === 0, 'the slots given back');
    // Was: two markers per request (its admission's and its settlement's), kept 10 minutes each.
    expect(await tickets()).toEqual([]);
  });
});

async function pending(gw: RunningGateway): Promise<number> {
  const res = await fetch(`${gw.url}/admin/rate-limit`, { headers: { authorization: 'Bearer test-key-ops' } });
  return res.ok ? ((await res.json()) as { pendingMoves: number }).pendingMoves : -1;
}
