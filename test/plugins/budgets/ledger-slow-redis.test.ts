import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisLedger, dayOf } from '@switchyard/plugin-budgets';
import type { Reservation, Settlement } from '@switchyard/plugin-budgets';
import { dropTestKeys, startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';
import type { TcpProxy } from '../../support/tcp-proxy.js';

// A slow Redis: a command runs, but its reply comes after the client's command timeout. The client
// cannot tell "not run" from "run, answer late", so whatever it sends again must be safe to run twice.

const REDIS = 'redis://127.0.0.1:6379';
const prefix = testPrefix();
const admin = new Redis(REDIS);
const opened: Array<{ close(): unknown }> = [];

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});
afterAll(async () => {
  await dropTestKeys(prefix);
  admin.disconnect();
});

const AT = Date.parse('2026-12-07T10:00:00Z');
const DAY = 86_400_000;

const reservation = (id: string, amount: number): Reservation => ({
  id,
  at: AT,
  expiresAt: AT + 60_000,
  charges: [{ key: 'k', limit: 10, amount, keepMs: DAY }],
});

const settlement = (id: string, usd: number, held = false): Settlement => ({
  id,
  keys: ['k'],
  usd,
  keepMs: [DAY],
  records: [{ day: dayOf(AT), key: 'app', team: 't', model: 'm', usd, requests: 1 }],
  recordsKeepMs: DAY,
  held,
});

/** The `settled:<id>` markers the ledger's client left in Redis. */
const markers = async (client: Redis): Promise<string[]> => admin.keys(`${client.options.keyPrefix}settled:*`);

/** A ledger whose Redis is reached through a proxy that can hold replies; its failures are counted. */
async function slowLedger(): Promise<{ ledger: RedisLedger; proxy: TcpProxy; client: Redis; failures: unknown[] }> {
  const proxy = await startTcpProxy(6379);
  // The command timeout only has to pass while replies are held: short, so the test is quick.
  const client = new Redis(proxy.url, {
    keyPrefix: `${prefix}${Math.random().toString(36).slice(2)}:`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 300,
  });
  client.on('error', () => undefined);
  opened.push({ close: () => client.disconnect() }, proxy);
  await waitFor(() => client.status === 'ready', 'the ledger client connected');
  const failures: unknown[] = [];
  const ledger = new RedisLedger(
    client,
    0,
    () => AT,
    (err) => failures.push(err),
    () => undefined,
  );
  return { ledger, proxy, client, failures };
}

describe('RedisLedger on a slow Redis (replies after the command timeout)', () => {
  it('counts a settlement once when its first send ran but answered too late and it is sent again', async () => {
    const { ledger, proxy, failures } = await slowLedger();
    expect((await ledger.reserve(reservation('a', 1))).ok).toBe(true);
    proxy.holdReplies();
    ledger.settle(settlement('a', 0.5));
    await waitFor(() => failures.length === 1, 'the settlement send timed out');
    proxy.releaseReplies();
    await ledger.flush(); // sends it again: Redis had run it already
    expect(failures).toHaveLength(1);
    expect(await ledger.read(['k'], AT)).toEqual([{ spent: 0.5, reserved: 0 }]);
    expect(await ledger.spend([dayOf(AT)])).toEqual([
      { day: '2026-12-07', key: 'app', team: 't', model: 'm', usd: 0.5, requests: 1 },
    ]);
  });

  it('counts a settlement of a held reservation once, told by its hold, with no marker left', async () => {
    const { ledger, proxy, client, failures } = await slowLedger();
    expect((await ledger.reserve(reservation('a', 1))).ok).toBe(true);
    proxy.holdReplies();
    ledger.settle(settlement('a', 0.5, true));
    await waitFor(() => failures.length === 1, 'the settlement send timed out');
    proxy.releaseReplies();
    await ledger.flush(); // sends it again: Redis had run it already, and released the hold
    expect(failures).toHaveLength(1);
    expect(await ledger.read(['k'], AT)).toEqual([{ spent: 0.5, reserved: 0 }]);
    expect(await ledger.spend([dayOf(AT)])).toEqual([
      { day: '2026-12-07', key: 'app', team: 't', model: 'm', usd: 0.5, requests: 1 },
    ]);
    // Held reservations are the common case: nothing per request is kept for them.
    expect(await markers(client)).toEqual([]);
  });

  it('applies a settlement of a held reservation whose first send never reached Redis', async () => {
    const { ledger, proxy, client, failures } = await slowLedger();
    expect((await ledger.reserve(reservation('a', 1))).ok).toBe(true);
    await proxy.cut();
    ledger.settle(settlement('a', 0.5, true));
    await waitFor(() => failures.length === 1, 'the settlement send failed');
    await proxy.restore();
    await waitFor(() => client.status === 'ready', 'the ledger client reconnected');
    await ledger.flush();
    expect(await ledger.read(['k'], AT)).toEqual([{ spent: 0.5, reserved: 0 }]);
    expect(await markers(client)).toEqual([]);
  });

  it('still applies a settlement whose first send never reached Redis', async () => {
    const { ledger, proxy, client, failures } = await slowLedger();
    expect((await ledger.reserve(reservation('a', 1))).ok).toBe(true);
    await proxy.cut();
    ledger.settle(settlement('a', 0.5));
    await waitFor(() => failures.length === 1, 'the settlement send failed');
    await proxy.restore();
    await waitFor(() => client.status === 'ready', 'the ledger client reconnected');
    await ledger.flush();
    expect(failures).toHaveLength(1);
    expect(await ledger.read(['k'], AT)).toEqual([{ spent: 0.5, reserved: 0 }]);
  });
});
