import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryLedger, RedisLedger, dayOf, periodOf } from '@switchyard/plugin-budgets';
import type { Ledger, Reservation } from '@switchyard/plugin-budgets';
import { testPrefix, waitFor } from '../../support/tcp-proxy.js';

const REDIS = 'redis://127.0.0.1:6379';
const prefix = testPrefix();
const clients: Redis[] = [];
const admin = new Redis(REDIS);

afterAll(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
  for (const c of clients) c.disconnect();
});

const T0 = Date.parse('2026-12-07T10:00:00Z');
let clock = T0;

function redisLedger(
  own = `${prefix}${Math.random().toString(36).slice(2)}:`,
  settleDelayMs = 0,
): { ledger: RedisLedger; prefix: string } {
  const client = new Redis(REDIS, { keyPrefix: own });
  clients.push(client);
  return {
    ledger: new RedisLedger(
      client,
      settleDelayMs,
      () => clock,
      (err) => {
        throw err;
      },
      () => undefined,
    ),
    prefix: own,
  };
}

const reservation = (id: string, amount: number, keys: Array<[string, number]>, at = clock): Reservation => ({
  id,
  at,
  expiresAt: at + 60_000,
  charges: keys.map(([key, limit]) => ({ key, limit, amount, keepMs: 86_400_000 })),
});

const settlement = (
  id: string,
  keys: string[],
  usd: number,
  records = [] as Array<{ key: string; model: string; usd: number }>,
) => ({
  id,
  keys,
  usd,
  keepMs: keys.map(() => 86_400_000),
  records: records.map((r) => ({ day: dayOf(clock), team: 't', requests: 1, ...r })),
  recordsKeepMs: 86_400_000,
});

describe.each([
  ['memory', (): Ledger => new MemoryLedger(() => clock)],
  ['redis', (): Ledger => redisLedger().ledger],
])('ledger (%s)', (_kind, make) => {
  it('reserves against every budget or none: a budget without room refuses and the others are left untouched', async () => {
    clock = T0;
    const ledger = make();
    expect(
      await ledger.reserve(
        reservation('a', 0.4, [
          ['k', 1],
          ['g', 0.5],
        ]),
      ),
    ).toEqual({
      ok: true,
      readings: [
        { spent: 0, reserved: 0 },
        { spent: 0, reserved: 0 },
      ],
    });
    expect(
      await ledger.reserve(
        reservation('b', 0.4, [
          ['k', 1],
          ['g', 0.5],
        ]),
      ),
    ).toEqual({ ok: false, index: 1, reading: { spent: 0, reserved: 0.4 } });
    expect(await ledger.read(['k', 'g'], clock)).toEqual([
      { spent: 0, reserved: 0.4 },
      { spent: 0, reserved: 0.4 },
    ]);
  });

  it('lets through exactly the reservations that fit, whatever their number at once', async () => {
    clock = T0;
    const ledger = make();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ledger.reserve(reservation(`r${i}`, 0.01, [['k', 0.035]]))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect((await ledger.read(['k'], clock))[0]!.reserved).toBeCloseTo(0.03, 12);
  });

  it('settles: the reservation is released and the cost added, once; spend records add up per key, team, model and day', async () => {
    clock = T0;
    const ledger = make();
    await ledger.reserve(reservation('a', 0.5, [['k', 1]]));
    ledger.settle(settlement('a', ['k'], 0.02, [{ key: 'app', model: 'm1', usd: 0.02 }]));
    ledger.settle(settlement('a', ['k'], 0, []));
    ledger.settle(
      settlement('b', ['k'], 0.03, [
        { key: 'app', model: 'm1', usd: 0.03 },
        { key: 'app', model: 'm2', usd: 0.001 },
      ]),
    );
    await ledger.flush();
    const [k] = await ledger.read(['k'], clock);
    expect(k!.reserved).toBe(0);
    expect(k!.spent).toBeCloseTo(0.05, 12);
    const rows = await ledger.spend([dayOf(clock)]);
    expect(rows.sort((a, b) => a.model.localeCompare(b.model))).toEqual([
      { day: '2026-12-07', key: 'app', team: 't', model: 'm1', usd: expect.closeTo(0.05, 12), requests: 2 },
      { day: '2026-12-07', key: 'app', team: 't', model: 'm2', usd: 0.001, requests: 1 },
    ]);
  });

  it('releases a reservation never settled once it expires (its replica died)', async () => {
    clock = T0;
    const ledger = make();
    await ledger.reserve(reservation('lost', 0.9, [['k', 1]]));
    expect((await ledger.reserve(reservation('next', 0.9, [['k', 1]]))).ok).toBe(false);
    clock = T0 + 60_000;
    expect((await ledger.reserve(reservation('next', 0.9, [['k', 1]], clock))).ok).toBe(true);
  });
});

describe('RedisLedger', () => {
  it('sends held settlements with the next reservation: one script run for both', async () => {
    clock = T0;
    const own = `${prefix}rt:`;
    const client = new Redis(REDIS, { keyPrefix: own });
    clients.push(client);
    const ledger = new RedisLedger(
      client,
      60_000,
      () => clock,
      (err) => {
        throw err;
      },
      () => undefined,
    );
    await ledger.read(['warm-up'], clock); // the script is loaded (EVALSHA may need one EVAL first)
    const monitor = new Redis(REDIS);
    clients.push(monitor);
    const seen: string[] = [];
    const m = await monitor.monitor();
    m.on('monitor', (_time: string, args: string[], source: string) => {
      // Commands a script runs are shown too, from `lua`: only what crossed the network counts.
      if (source !== 'lua' && args.some((a) => a.startsWith(own))) seen.push(args[0]!.toLowerCase());
    });
    await ledger.reserve(reservation('a', 0.1, [['k', 1]]));
    ledger.settle(settlement('a', ['k'], 0.05));
    await ledger.reserve(reservation('b', 0.1, [['k', 1]]));
    const [k] = await ledger.read(['k'], clock);
    await client.get('marker'); // every command before it has been seen once it is
    await waitFor(() => seen.includes('get'), 'the marker command in MONITOR');
    await m.disconnect();
    expect(k).toEqual({ spent: 0.05, reserved: expect.closeTo(0.1, 12) });
    // reserve a, reserve b carrying a's settlement, read: three round trips of one script run each.
    expect(seen).toEqual(['evalsha', 'evalsha', 'evalsha', 'get']);
  });

  it('keeps spend in Redis: another ledger on the same prefix (a restart, another replica) reads it', async () => {
    clock = T0;
    const first = redisLedger();
    await first.ledger.reserve(reservation('a', 0.1, [['k', 1]]));
    first.ledger.settle(settlement('a', ['k'], 0.07, [{ key: 'app', model: 'm', usd: 0.07 }]));
    await first.ledger.close();
    const second = redisLedger(first.prefix);
    expect(await second.ledger.read(['k'], clock)).toEqual([{ spent: 0.07, reserved: 0 }]);
    expect(await second.ledger.spend([dayOf(clock)])).toEqual([
      { day: '2026-12-07', key: 'app', team: 't', model: 'm', usd: 0.07, requests: 1 },
    ]);
  });
});

describe('periodOf', () => {
  it('cuts UTC days, weeks from Monday and calendar months', () => {
    const at = Date.parse('2026-12-09T23:59:59.999Z'); // a Wednesday
    expect(periodOf('day', at)).toEqual({
      id: '2026-12-09',
      start: Date.parse('2026-12-09T00:00:00Z'),
      end: Date.parse('2026-12-10T00:00:00Z'),
    });
    expect(periodOf('week', at)).toEqual({
      id: 'w2026-12-07',
      start: Date.parse('2026-12-07T00:00:00Z'),
      end: Date.parse('2026-12-14T00:00:00Z'),
    });
    expect(periodOf('week', Date.parse('2026-12-13T12:00:00Z')).id).toBe('w2026-12-07');
    expect(periodOf('week', Date.parse('2026-12-14T00:00:00Z')).id).toBe('w2026-12-14');
    expect(periodOf('month', at)).toEqual({
      id: '2026-12',
      start: Date.parse('2026-12-01T00:00:00Z'),
      end: Date.parse('2027-01-01T00:00:00Z'),
    });
    expect(periodOf('none', at).end).toBe(Number.POSITIVE_INFINITY);
  });
});
