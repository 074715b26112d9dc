import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisStore } from '@switchyard/store-redis/store';
import { memoryLogger } from '../../support/gateway.js';
import { dropTestKeys, startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';
import type { TcpProxy } from '../../support/tcp-proxy.js';

// Redis losing its data (a restart without persistence, keys evicted or flushed) is simulated by
// deleting this test's keys: from the stores' side it is the same. Nothing else on the shared
// Redis is touched.

const REDIS = 'redis://127.0.0.1:6379';
const prefix = testPrefix();
const admin = new Redis(REDIS);
const opened: Array<{ close(): Promise<void> }> = [];
let run = 0;

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});
afterAll(async () => {
  await dropTestKeys(prefix);
  admin.disconnect();
});

/** A replica's store, its log lines, on its own prefix of this run. */
function replica(keyPrefix: string, url: string, markerCheckMs?: number) {
  const { logger, lines } = memoryLogger();
  const store = new RedisStore({ url, keyPrefix, logger, ...(markerCheckMs ? { markerCheckMs } : {}) });
  opened.push(store);
  const events = (event: string) => lines.filter((l) => l.event === event);
  return { store, lines, events };
}

async function loseData(keyPrefix: string): Promise<void> {
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length) await admin.del(...keys);
}

async function proxy(): Promise<TcpProxy> {
  const p = await startTcpProxy(6379);
  opened.push(p);
  return p;
}

describe('RedisStore: Redis losing its data', () => {
  it('a first start says once that it starts new shared state; a second replica on it says nothing', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const a = replica(keyPrefix, REDIS);
    await waitFor(() => a.events('store_new').length === 1, 'the first replica to find no marker');
    expect(a.events('store_new')[0]!.level).toBe(40);
    const b = replica(keyPrefix, REDIS);
    await b.store.whenReady(5000);
    await b.store.set('probe', 1); // after the marker check of the connection (same connection, in order)
    await a.store.set('probe', 2);
    expect(b.events('store_new')).toHaveLength(0);
    expect(a.events('store_data_lost')).toHaveLength(0);
    expect(a.store.dataLosses + b.store.dataLosses).toBe(0);
  });

  it('a restart without persistence: both replicas log it loudly once when they reconnect, and count it', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const link = await proxy();
    const a = replica(keyPrefix, link.url);
    const b = replica(keyPrefix, link.url);
    await waitFor(async () => (await admin.exists(`${keyPrefix}store:marker`)) === 1, 'the marker set');
    await Promise.all([a.store.set('budget', 0.9), b.store.set('probe', 1)]);
    await link.cut();
    await loseData(keyPrefix);
    await link.restore();
    await waitFor(() => a.store.dataLosses === 1 && b.store.dataLosses === 1, 'both replicas to notice the loss');
    for (const r of [a, b]) {
      const [line] = r.events('store_data_lost');
      expect(line).toMatchObject({ level: 50, store: 'redis', keyPrefix });
      expect(String(line!.msg)).toContain('AOF');
    }
    expect(await a.store.get('budget')).toBeUndefined();
    // The new marker is shared: a further reconnection finds nothing new.
    await link.cut();
    await waitFor(() => !a.store.reachable && !b.store.reachable, 'both replicas to notice the cut');
    await link.restore();
    await waitFor(() => a.store.reachable && b.store.reachable, 'both replicas reconnected');
    await a.store.set('probe', 2);
    await b.store.set('probe', 3);
    expect(a.store.dataLosses + b.store.dataLosses).toBe(2);
  });

  it('keys evicted or flushed while connected: noticed by the periodic check', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const a = replica(keyPrefix, REDIS, 50);
    await waitFor(async () => (await admin.exists(`${keyPrefix}store:marker`)) === 1, 'the marker set');
    await loseData(keyPrefix);
    await waitFor(() => a.store.dataLosses === 1, 'the periodic check to notice the loss');
    expect(a.events('store_data_lost')).toHaveLength(1);
  });
});
