import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { LEASE_MS, rateLimit } from '@switchyard/plugin-rate-limit';
import type { RateLimitOptions } from '@switchyard/plugin-rate-limit';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startGatedUpstream } from '../../support/gated-upstream.js';
import type { GatedUpstream } from '../../support/gated-upstream.js';
import { dropTestKeys, startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';
import type { TcpProxy } from '../../support/tcp-proxy.js';
import { manualClock } from '../../support/wait.js';

// A replica that dies holding a `concurrent` slot: its request ran, its settlement failed (Redis
// cut off from it) and was kept in its memory to send again, then the replica stopped. Redis
// still holds the slot. It must free on its own once its lease ends, whatever other requests of
// the key do meanwhile (each refused one, before, renewed the counter's hour-long lease).

const prefix = testPrefix();
const admin = new Redis('redis://127.0.0.1:6379');
let upstream: GatedUpstream;
const opened: Array<{ close(): Promise<void> }> = [];
let run = 0;

beforeAll(async () => {
  upstream = await startGatedUpstream(() => ({ prompt_tokens: 3, completion_tokens: 2 }));
});
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});
afterAll(async () => {
  upstream.open();
  await upstream.stop();
  admin.disconnect();
  await dropTestKeys(prefix);
});

async function replica(
  url: string,
  keyPrefix: string,
  now: () => number,
  options: Partial<RateLimitOptions>,
): Promise<RunningGateway> {
  const gw = await startGateway(
    {
      store: { type: 'redis', url, keyPrefix },
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
        withOptions(rateLimit({ now }), options),
      ],
    },
  );
  opened.push(gw);
  return gw;
}

const chat = (gw: RunningGateway, key = 'test-key-app'): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 }),
  });

const status = async (gw: RunningGateway): Promise<number> => {
  const res = await chat(gw);
  await res.text();
  return res.status;
};

async function pending(gw: RunningGateway): Promise<number> {
  const res = await fetch(`${gw.url}/admin/rate-limit`, { headers: { authorization: 'Bearer test-key-ops' } });
  return ((await res.json()) as { pendingMoves: number }).pendingMoves;
}

async function inFlight(gw: RunningGateway): Promise<number> {
  const res = await fetch(`${gw.url}/admin/rate-limit/keys/app`, { headers: { authorization: 'Bearer test-key-ops' } });
  return ((await res.json()) as { concurrent: { used: number } }).concurrent.used;
}

/** Replica A (through a proxy, to be cut off and stopped) takes the key's one slot and dies holding it. */
async function deadReplicaHoldingTheSlot(
  keyPrefix: string,
  now: () => number,
  options: Partial<RateLimitOptions>,
): Promise<void> {
  const proxy: TcpProxy = await startTcpProxy(6379);
  opened.push(proxy);
  const a = await replica(proxy.url, keyPrefix, now, options);
  upstream.close();
  const before = upstream.received;
  const admitted = chat(a);
  await upstream.waitForReceived(before + 1);
  await proxy.cut();
  upstream.open();
  const res = await admitted;
  expect(res.status).toBe(200);
  await res.text();
  await waitFor(async () => (await pending(a)) > 0, 'the failed settlement kept in memory');
  await a.close(); // dies: the settlement it kept is lost
}

describe('rate-limit concurrency slots of a replica that died', () => {
  it('free on their own once their lease ends, though the key keeps asking meanwhile', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const clock = manualClock();
    const options = { defaults: { concurrent: 1 }, onStoreError: 'allow' as const };
    await deadReplicaHoldingTheSlot(keyPrefix, clock.now, options);
    const b = await replica('redis://127.0.0.1:6379', keyPrefix, clock.now, options);
    expect(await inFlight(b)).toBe(1);
    expect(await status(b)).toBe(429);
    clock.advance(LEASE_MS - 1000); // the default lease (five minutes) nearly over; B's key still busy
    expect(await status(b)).toBe(429);
    clock.advance(2000);
    // Was: 429, and for as long as the key kept asking: each admission renewed the counter's hour.
    // (B holds none of the dead replica's slots, so it renews none.)
    expect(await status(b)).toBe(200);
    await waitFor(async () => (await inFlight(b)) === 0, 'the slot of the request served given back');
    expect(await status(b)).toBe(200);
  });

  it('concurrentLeaseMs sets the lease', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const clock = manualClock();
    const options = { defaults: { concurrent: 1 }, onStoreError: 'allow' as const, concurrentLeaseMs: 600_000 };
    await deadReplicaHoldingTheSlot(keyPrefix, clock.now, options);
    const b = await replica('redis://127.0.0.1:6379', keyPrefix, clock.now, options);
    expect(await status(b)).toBe(429);
    clock.advance(600_001);
    expect(await status(b)).toBe(200);
  });

  it('a live replica keeps the slot of a request running past the lease: it renews it every third of the lease', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const clock = manualClock();
    const options = { defaults: { concurrent: 1 } };
    const a = await replica('redis://127.0.0.1:6379', keyPrefix, clock.now, options);
    upstream.close();
    const before = upstream.received;
    const long = chat(a);
    long.catch(() => undefined); // awaited below; a failed assertion before must not leave it unhandled
    await upstream.waitForReceived(before + 1);
    clock.advance(LEASE_MS / 3 + 1);
    // Any admission on A renews what is due (before its own move, on the same connection).
    const other = chat(a, 'test-key-ops');
    other.catch(() => undefined);
    await upstream.waitForReceived(before + 2);
    clock.advance(LEASE_MS - 1000); // past the first lease's end, within the renewed one
    const b = await replica('redis://127.0.0.1:6379', keyPrefix, clock.now, options);
    expect(await inFlight(b)).toBe(1);
    expect(await status(b)).toBe(429);
    upstream.open();
    for (const res of await Promise.all([long, other])) {
      expect(res.status).toBe(200);
      await res.text();
    }
    await waitFor(async () => (await inFlight(b)) === 0, "the long request's slot given back");
    expect(await status(b)).toBe(200);
  });

  it("keep Redis bounded: a request in flight is one member of its scope's set, gone when it ends", async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const b = await replica('redis://127.0.0.1:6379', keyPrefix, manualClock().now, { defaults: { concurrent: 2 } });
    const slots = `${keyPrefix}rate-limit:slots:key:app`;
    upstream.close();
    const before = upstream.received;
    const held = chat(b);
    await upstream.waitForReceived(before + 1);
    expect(await admin.zcard(slots)).toBe(1);
    upstream.open();
    expect((await held).status).toBe(200);
    for (let i = 0; i < 3; i++) expect(await status(b)).toBe(200);
    await waitFor(async () => (await inFlight(b)) === 0, 'the slots given back');
    expect(await admin.exists(slots)).toBe(0);
    expect(await admin.keys(`${keyPrefix}rate-limit:move:*`)).toEqual([]);
  });
});
