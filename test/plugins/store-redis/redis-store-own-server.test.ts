import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStore } from '@switchyard/store-redis/store';
import { memoryLogger } from '../../support/gateway.js';
import { testPrefix, waitFor } from '../../support/tcp-proxy.js';

// What the shared Redis must not be put through: a real restart without persistence, and a
// maxmemory that evicts. Each test runs a redis-server of its own on a free loopback port,
// without persistence, and stops it (by its pid) after.

const servers: ChildProcess[] = [];
const stores: RedisStore[] = [];

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const server of servers.splice(0)) await stop(server);
});

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** The pid of the redis-server answering on `port`, or undefined while none does. */
async function pidOn(port: number): Promise<number | undefined> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/**
 * A redis-server of this test on a free port, no persistence, once it answers. Its pid is checked:
 * a port taken by something else in between (another test's proxy to the shared Redis) is never used.
 */
async function redisServer(
  port: number | undefined,
  ...args: string[]
): Promise<{ port: number; server: ChildProcess }> {
  for (;;) {
    const at = port ?? (await freePort());
    const server = spawn(
      'redis-server',
      ['--port', String(at), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
      { stdio: 'ignore' },
    );
    servers.push(server);
    let exited = false;
    server.once('exit', () => (exited = true));
    await waitFor(async () => exited || (await pidOn(at)) === server.pid, `redis-server on ${at}`);
    if (!exited) return { port: at, server };
    if (port !== undefined) throw new Error(`redis-server could not listen on ${at}`);
  }
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGKILL');
  await once(server, 'exit');
}

function store(port: number, markerCheckMs?: number) {
  const { logger, lines } = memoryLogger();
  const s = new RedisStore({
    url: `redis://127.0.0.1:${port}`,
    keyPrefix: testPrefix(),
    logger,
    ...(markerCheckMs ? { markerCheckMs } : {}),
  });
  stores.push(s);
  return { store: s, events: (event: string) => lines.filter((l) => l.event === event) };
}

describe('RedisStore on a Redis of its own', () => {
  it('a real restart without persistence: the replica logs store_data_lost when it reconnects', async () => {
    const { port, server: first } = await redisServer(undefined);
    const a = store(port);
    await waitFor(() => a.events('store_new').length === 1, 'the marker set');
    await a.store.set('budget', 0.9);
    await stop(first);
    await redisServer(port);
    await waitFor(() => a.store.dataLosses === 1, 'the loss noticed');
    expect(a.events('store_data_lost')).toHaveLength(1);
    expect(await a.store.get('budget')).toBeUndefined();
  });

  it('a Redis that evicts: a warning at start, and every eviction logged and counted', async () => {
    const { port } = await redisServer(undefined, '--maxmemory', '2mb', '--maxmemory-policy', 'volatile-lru');
    const a = store(port, 50);
    await waitFor(() => a.events('store_may_evict').length === 1, 'the eviction policy noticed');
    expect(a.events('store_may_evict')[0]).toMatchObject({ level: 40, maxmemoryPolicy: 'volatile-lru' });
    // Keys with a TTL, as budgets' counters have: what volatile-lru evicts, the marker (no TTL) stays.
    const big = 'x'.repeat(50_000);
    for (let i = 0; i < 100; i++) await a.store.set(`spend:${i}`, big, 3_600_000);
    await waitFor(() => a.store.keysEvicted > 0, 'the evictions noticed');
    const [line] = a.events('store_keys_evicted');
    expect(line).toMatchObject({ level: 50, evicted: expect.any(Number) });
    expect(a.store.dataLosses).toBe(0);
  });
});
