import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startGatedUpstream } from '../../support/gated-upstream.js';
import { startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';
import { APP, admin, budgetOf, burst, chat, closeOpened, seed, setup, stoppedClock, usage } from './helpers.js';

const REDIS = 'redis://127.0.0.1:6379';
const DAY_MS = 86_400_000;
const prefix = testPrefix();
const redis = new Redis(REDIS);
let run = 0;

afterEach(closeOpened);
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const store = (keyPrefix: string, url = REDIS) => ({ type: 'redis' as const, url, keyPrefix });

describe('budgets on Redis', () => {
  it('two replicas sharing Redis: a burst of 50 split between them lets exactly the 3 reservations that fit through', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const upstream = await startGatedUpstream(usage, { open: true });
    const options = { keys: { 'app-1': { usd: 1, period: 'day' } } };
    const a = await setup(options, { upstream, store: store(keyPrefix), plugins: stoppedClock() });
    const b = await setup(options, { upstream, store: store(keyPrefix), plugins: stoppedClock() });
    try {
      await seed(a.gw, a.finished);
      // Reading flushes a replica's held settlements: the seed's cost is in Redis for both to see.
      expect(await budgetOf(a.gw, 'key:app-1')).toMatchObject({ spentUsd: expect.closeTo(0.965, 12), reservedUsd: 0 });
      expect(await budgetOf(b.gw, 'key:app-1')).toMatchObject({ spentUsd: expect.closeTo(0.965, 12), reservedUsd: 0 });
      const { ok, refused } = await burst([a.gw, b.gw], upstream, upstream.received);
      expect(ok).toBe(3);
      expect(refused).toHaveLength(47);
      expect(refused.every((r) => r.status === 402 && r.body.error.code === 'budget_exceeded')).toBe(true);
      // Every request of the burst is over on its replica (25 each, alternating), settled ones included.
      for (let i = 0; i < 25; i++) await Promise.all([a.finished.next(), b.finished.next()]);
      // Each replica sends its held settlements when read; both read, the budget holds every cost.
      await budgetOf(a.gw, 'key:app-1');
      await budgetOf(b.gw, 'key:app-1');
      const after = await budgetOf(a.gw, 'key:app-1');
      expect(after.reservedUsd).toBe(0);
      expect(after.spentUsd).toBeCloseTo(0.965 + 3 * 0.00005, 12);
      expect(after.spentUsd).toBeLessThanOrEqual(1);
    } finally {
      await upstream.stop();
    }
  });

  it("the burst is counted on the budgets' clock alone: the wall clock passing UTC midnight mid-burst changes nothing", async () => {
    // Was: on the wall clock, a run straddling midnight let 42 of the 50 through, the later ones charged to the next day's empty budget.
    const midnight = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
    vi.useFakeTimers({ toFake: ['Date'], now: midnight - 1 });
    const keyPrefix = `${prefix}${++run}:`;
    const upstream = await startGatedUpstream(usage, { open: true });
    const options = { keys: { 'app-1': { usd: 1, period: 'day' } } };
    try {
      const a = await setup(options, { upstream, store: store(keyPrefix), plugins: stoppedClock() });
      const b = await setup(options, { upstream, store: store(keyPrefix), plugins: stoppedClock() });
      await seed(a.gw, a.finished);
      await budgetOf(a.gw, 'key:app-1');
      await budgetOf(b.gw, 'key:app-1');
      const before = upstream.received;
      const decided = burst([a.gw, b.gw], upstream, before);
      await upstream.waitForReceived(before + 1);
      vi.setSystemTime(midnight + 1);
      expect((await decided).ok).toBe(3);
    } finally {
      vi.useRealTimers();
      await upstream.stop();
    }
  });

  it('keeps spend and budgets across a restart', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const options = { keys: { 'app-1': { usd: 1, period: 'month' } } };
    const first = await setup(options, { store: store(keyPrefix), plugins: stoppedClock() });
    await seed(first.gw, first.finished);
    await first.gw.close(); // its close hook sends what it still held
    const second = await setup(options, { store: store(keyPrefix), plugins: stoppedClock() });
    expect(await budgetOf(second.gw, 'key:app-1')).toMatchObject({
      spentUsd: expect.closeTo(0.965, 12),
      reservedUsd: 0,
    });
    const spend = await admin(second.gw, '/admin/spend?key=app-1');
    expect(spend.rows).toEqual([
      {
        day: expect.any(String),
        key: 'app-1',
        team: 'research',
        model: 'm',
        usd: expect.closeTo(0.965, 12),
        requests: 1,
      },
    ]);
    const refused = await chat(second.gw, { max_tokens: 10_000 });
    expect(refused.status).toBe(402);
  });

  it('a key without a budget reusing one x-request-id has every request in its spend records', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const { gw, finished } = await setup({ enabled: true }, { store: store(keyPrefix), plugins: stoppedClock() });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${APP}`, 'x-request-id': 'reused' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
      await finished.next();
    }
    // Was: 1. Its settlement's marker was named by the request id: the second found it and counted nothing.
    const spend = await admin(gw, '/admin/spend?key=app-1'); // reading spend sends held settlements first
    expect(spend.rows.map((r: { requests: number }) => r.requests)).toEqual([2]);
  });

  it('Redis down: onStoreError deny refuses budgeted requests with 503, allow lets them through with a warning', async () => {
    const proxy = await startTcpProxy(6379);
    try {
      const keyPrefix = `${prefix}${++run}:`;
      const deny = await setup(
        { keys: { 'app-1': { usd: 1, period: 'day' } } },
        { store: store(keyPrefix, proxy.url), plugins: stoppedClock() },
      );
      const allow = await setup(
        { keys: { 'app-1': { usd: 1, period: 'day' } }, onStoreError: 'allow' },
        { store: store(keyPrefix, proxy.url), plugins: stoppedClock() },
      );
      // Reached first (a loaded machine may take the connection, or a command, past its timeout once).
      await waitFor(async () => (await chat(deny.gw, { max_tokens: 10 })).status === 200, 'a budgeted request served');
      const downBefore = deny.lines.filter((l) => l.event === 'store_down' && l.plugin === 'budgets').length;
      await proxy.cut();
      const refused = await chat(deny.gw, { max_tokens: 10 });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await refused.json()).error).toMatchObject({ code: 'budget_unavailable' });
      expect(deny.lines.filter((l) => l.event === 'store_down' && l.plugin === 'budgets')).toHaveLength(downBefore + 1);
      const through = await chat(allow.gw, { max_tokens: 10 });
      expect(through.status).toBe(200);
      expect(through.headers.get('x-switchyard-warnings')).toContain(
        'budgets not enforced: the budget store is unreachable',
      );
      await through.text();
      await allow.finished.next();
      await proxy.restore();
      // The allowed request's cost, held while Redis was down, reaches the budget once it is back.
      await expect
        .poll(async () => (await budgetOf(allow.gw, 'key:app-1').catch(() => undefined))?.spentUsd, { timeout: 30_000 })
        .toBeCloseTo(0.00005 * 2, 12);
    } finally {
      await proxy.close();
    }
  });
});
