import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MemoryCounters, RedisCounters } from '@switchyard/plugin-rate-limit';
import type { Counters } from '@switchyard/plugin-rate-limit';
import { testPrefix } from '../../support/tcp-proxy.js';

const prefix = testPrefix();
const redis = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });

afterAll(async () => {
  const admin = new Redis('redis://127.0.0.1:6379');
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
  redis.disconnect();
});

/** The same behaviour from both stores, up to the clock (Redis keeps its own). */
async function movesAndReadsBack(counters: Counters, scope: string): Promise<void> {
  // A concurrency move names its slot: the admission's ticket.
  const first = await counters.move(
    [
      { dimension: 'requests', scope, points: 1 },
      { dimension: 'tokens', scope, points: 120 },
      { dimension: 'concurrent', scope, points: 1 },
    ],
    { id: `admit:${scope}` },
  );
  expect(first.map((r) => r.used)).toEqual([1, 120, 1]);
  expect(first[0]!.resetMs).toBeGreaterThan(59_000);
  expect(first[0]!.resetMs).toBeLessThanOrEqual(60_000);
  expect(first[2]!.resetMs).toBeGreaterThan(299_000);
  const settled = await counters.move(
    [
      { dimension: 'tokens', scope, points: -100 },
      { dimension: 'concurrent', scope, points: -1 },
    ],
    { id: `admit:${scope}`, undo: true },
  );
  expect(settled.map((r) => r.used)).toEqual([20, 0]);
  // Given back to a counter that holds nothing: dropped, no window started.
  expect((await counters.move([{ dimension: 'daily', scope, points: -5 }]))[0]!.used).toBe(0);
  expect(await counters.peek('daily', scope)).toEqual({ used: 0, resetMs: 86_400_000 });
  expect((await counters.peek('tokens', scope)).used).toBe(20);
}

/**
 * Settlements past a limit lengthen the window to as many lengths as it holds limits, counted from
 * its start, however many settlements took it there (up to the clock: Redis keeps its own).
 */
async function carriesOver(counters: Counters, scope: string): Promise<void> {
  const settle = async (points: number) =>
    (await counters.move([{ dimension: 'tokens', scope, points, carriedPast: 10_000 }]))[0]!;
  const minutes = (reading: { resetMs: number }) => Math.ceil(reading.resetMs / 60_000);
  expect(minutes(await settle(5_000))).toBe(1);
  expect(minutes(await settle(20_000))).toBe(3); // 25,000: three windows
  expect(minutes(await settle(10_000))).toBe(4); // 35,000: four, not 3 + 2
  expect(minutes(await settle(1_000))).toBe(4); // 36,000: still four
  // Given back (a negative settlement) or moved without a limit (an admission): never longer.
  expect(minutes((await counters.move([{ dimension: 'tokens', scope, points: 30_000 }]))[0]!)).toBe(4);
  expect(minutes(await settle(-10_000))).toBe(4);
}

describe('rate-limit counters', () => {
  it('memory and redis: a settlement past the limit carries what was used beyond over to the windows that follow', async () => {
    const now = 1_000_000;
    await carriesOver(new MemoryCounters(() => now), 'key:carry');
    await carriesOver(new RedisCounters(redis), 'key:carry');
  });

  it('memory: windows start at the first points, end after their length, and drop what is given back to an ended one', async () => {
    let now = 1_000_000;
    const counters = new MemoryCounters(() => now);
    await movesAndReadsBack(counters, 'key:a');
    now += 30_000;
    expect(await counters.move([{ dimension: 'requests', scope: 'key:a', points: 1 }])).toEqual([
      { used: 2, resetMs: 30_000 },
    ]);
    now += 30_000;
    expect(await counters.move([{ dimension: 'requests', scope: 'key:a', points: 1 }])).toEqual([
      { used: 1, resetMs: 60_000 },
    ]);
    now += 60_000;
    expect(await counters.move([{ dimension: 'requests', scope: 'key:a', points: -1 }])).toEqual([
      { used: 0, resetMs: 60_000 },
    ]);
    expect(await counters.peek('requests', 'key:a')).toEqual({ used: 0, resetMs: 60_000 });
  });

  it('redis: the same behaviour, every counter a call moves in one round trip, under rate-limit:<counter>:<scope> (slots: rate-limit:slots:<scope>)', async () => {
    const counters = new RedisCounters(redis);
    await movesAndReadsBack(counters, 'key:b');
    const sent = vi.spyOn(redis, 'sendCommand');
    await counters.move(
      [
        { dimension: 'requests', scope: 'key:b', points: 1 },
        { dimension: 'tokens', scope: 'key:b', points: 10 },
        { dimension: 'concurrent', scope: 'key:b|model:m', points: 1 },
      ],
      { id: 'admit:one' },
    );
    expect(sent).toHaveBeenCalledTimes(1);
    sent.mockRestore();
    const admin = new Redis('redis://127.0.0.1:6379');
    try {
      expect(await admin.get(`${prefix}rate-limit:requests:key:b`)).toBe('2');
      expect(await admin.zrange(`${prefix}rate-limit:slots:key:b|model:m`, 0, -1)).toEqual(['admit:one']);
      expect(await admin.pttl(`${prefix}rate-limit:slots:key:b|model:m`)).toBeGreaterThan(299_000);
    } finally {
      admin.disconnect();
    }
  });
  it('redis: a concurrency slot ends leaseMs after its admission, whatever later admissions of its scope do', async () => {
    let now = 1_000_000;
    // A lease long enough that the set's own TTL (real time) never ends while the test runs.
    const counters = new RedisCounters(redis, { leaseMs: 600_000, now: () => now });
    const take = async (id: string) =>
      (await counters.move([{ dimension: 'concurrent', scope: 'key:c', points: 1 }], { id }))[0]!;
    const giveBack = async (id: string) =>
      (await counters.move([{ dimension: 'concurrent', scope: 'key:c', points: -1 }], { id, undo: true }))[0]!;
    expect(await take('admit:dead')).toEqual({ used: 1, resetMs: 600_000 }); // never given back
    now += 599_000;
    expect(await take('admit:live')).toEqual({ used: 2, resetMs: 600_000 });
    now += 1_000; // the first slot's lease is over
    expect(await counters.peek('concurrent', 'key:c')).toMatchObject({ used: 1 });
    expect((await take('admit:next')).used).toBe(2);
    expect((await giveBack('admit:live')).used).toBe(1);
    expect((await giveBack('admit:live')).used).toBe(1); // given back twice: once
    await expect(counters.move([{ dimension: 'concurrent', scope: 'key:c', points: 1 }])).rejects.toThrow(
      /needs an id/,
    );
  });

  it('memory: a concurrency counter lasts leaseMs after the last admission', async () => {
    let now = 1_000_000;
    const counters = new MemoryCounters(() => now, 10_000);
    expect(await counters.move([{ dimension: 'concurrent', scope: 'key:d', points: 1 }])).toEqual([
      { used: 1, resetMs: 10_000 },
    ]);
    now += 10_000;
    expect(await counters.peek('concurrent', 'key:d')).toEqual({ used: 0, resetMs: 10_000 });
  });
});
