import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '@switchyard/core';
import { RedisStore } from '@switchyard/store-redis/store';
import type { Store } from '@switchyard/core';
import { memoryLogger } from '../../support/gateway.js';
import { startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';

const REDIS = 'redis://127.0.0.1:6379';
const prefix = testPrefix();
const admin = new Redis(REDIS);
const opened: Store[] = [];

function redisStore(options: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}): RedisStore {
  const store = new RedisStore({ url: REDIS, keyPrefix: prefix, ...options });
  opened.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

describe.each([
  ['memory', async (): Promise<Store> => new MemoryStore()],
  [
    'redis',
    async (): Promise<Store> => {
      const store = redisStore();
      await store.whenReady(5000);
      return store;
    },
  ],
])('Store contract (%s)', (_kind, make) => {
  it('gets, sets and deletes JSON values, expiring them after their TTL', async () => {
    const store = await make();
    opened.push(store);
    await store.set('contract:v', { b: 1, a: [1, 'x'] });
    expect(await store.get('contract:v')).toEqual({ a: [1, 'x'], b: 1 });
    await store.set('contract:short', 'soon gone', 30);
    await waitFor(async () => (await store.get('contract:short')) === undefined, 'the TTL to pass');
    await store.delete('contract:v');
    expect(await store.get('contract:v')).toBeUndefined();
  });

  it('increments atomically and sets the TTL on creation only', async () => {
    const store = await make();
    opened.push(store);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.increment('contract:n', 1, 60_000)));
    expect(results.sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await store.increment('contract:n', 2.5)).toBe(22.5);
    expect(await store.get('contract:n')).toBe(22.5);
  });

  it('compare-and-set succeeds for exactly one of several racers, comparing values not key order', async () => {
    const store = await make();
    opened.push(store);
    const wins = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.compareAndSet('contract:cas', undefined, { owner: i })),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    const owner = ((await store.get('contract:cas')) as { owner: number }).owner;
    expect(await store.compareAndSet('contract:cas', { owner: owner + 1 }, { owner: 99 })).toBe(false);
    await store.set('contract:obj', { a: 1, b: { c: 2, d: 3 } });
    expect(await store.compareAndSet('contract:obj', { b: { d: 3, c: 2 }, a: 1 }, { a: 2 }, 60_000)).toBe(true);
    expect(await store.get('contract:obj')).toEqual({ a: 2 });
  });

  it('delivers published messages to subscribers until they unsubscribe', async () => {
    const store = await make();
    opened.push(store);
    const seen: unknown[] = [];
    const off = await store.subscribe('contract:events', (m) => seen.push(m));
    await store.publish('contract:events', { opened: 'a/gpt-4o-mini' });
    await waitFor(() => seen.length === 1, 'the message');
    expect(seen[0]).toEqual({ opened: 'a/gpt-4o-mini' });
    await off();
    await store.publish('contract:events', { opened: 'b' });
    await store.publish('contract:other', 'noise');
    expect(seen).toHaveLength(1);
  });
});

describe('RedisStore', () => {
  it('shares state and messages between two stores on the same prefix, and keeps other prefixes apart', async () => {
    const [a, b, elsewhere] = [redisStore(), redisStore(), redisStore({ keyPrefix: `${prefix}other:` })];
    await Promise.all([a, b, elsewhere].map((s) => s.whenReady(5000)));
    const seen: unknown[] = [];
    await b.subscribe('breaker', (m) => seen.push(m));
    await a.set('shared:sticky', { instance: 'a' }, 60_000);
    expect(await b.get('shared:sticky')).toEqual({ instance: 'a' });
    expect(await elsewhere.get('shared:sticky')).toBeUndefined();
    await a.publish('breaker', { open: 'x' });
    await waitFor(() => seen.length === 1, 'the message on the other store');
    expect(await admin.get(`${prefix}shared:sticky`)).toBe('{"instance":"a"}');
  });

  it('fails fast while Redis is unreachable, logs each transition once, and recovers on its own', async () => {
    const proxy = await startTcpProxy(6379);
    const { logger, lines } = memoryLogger();
    const store = redisStore({ url: proxy.url, logger });
    expect(await store.whenReady(5000)).toBe(true);
    await store.set('outage:k', 1);

    await proxy.cut();
    await waitFor(() => !store.reachable, 'the store to notice the outage');
    await expect(store.get('outage:k')).rejects.toThrow();
    await expect(store.increment('outage:n')).rejects.toThrow();
    await expect(store.get('outage:k')).rejects.toThrow();
    const down = lines.filter((l) => String(l.msg).startsWith('REDIS STORE UNREACHABLE'));
    expect(down).toHaveLength(1);
    expect(down[0]!.level).toBe(50);

    await proxy.restore();
    await waitFor(() => store.reachable, 'the store to reconnect');
    expect(await store.get('outage:k')).toBe(1);
    expect(lines.filter((l) => String(l.msg).startsWith('redis store reachable again'))).toHaveLength(1);
    expect(lines.filter((l) => String(l.msg).startsWith('REDIS STORE UNREACHABLE'))).toHaveLength(1);
    await store.close();
    await proxy.close();
  });

  it('rejects (never hangs) when pointed at a closed port, with credentials kept out of the log', async () => {
    const { logger, lines } = memoryLogger();
    const store = redisStore({ url: 'redis://:hunter2-secret@127.0.0.1:1', logger });
    expect(await store.whenReady(300)).toBe(false);
    await expect(store.set('k', 1)).rejects.toThrow();
    await expect(store.compareAndSet('k', undefined, 1)).rejects.toThrow();
    await waitFor(() => lines.length > 0, 'the outage log line');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(String(lines[0]!.msg)).toContain('127.0.0.1:1');
  });
});
