import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestKeys, startTcpProxy, testPrefix, waitFor } from '../support/tcp-proxy.js';
import { budgetOf, closeOpened, seed, setup } from '../plugins/budgets/helpers.js';

// Two replicas with budgets on one Redis, which loses its data (a restart without persistence:
// this test's keys deleted while the connection is cut; nothing else on the shared Redis is
// touched). The spend cannot come back; what an operator needs is to be told, loudly, by every
// replica: a log line and a metric.

const prefix = testPrefix();
const admin = new Redis('redis://127.0.0.1:6379');

afterEach(closeOpened);
afterAll(async () => {
  await dropTestKeys(prefix);
  admin.disconnect();
});

describe('two replicas with budgets when Redis loses its data', () => {
  it('both log store_data_lost once and report switchyard_store_data_losses 1; the budget starts over from $0', async () => {
    const proxy = await startTcpProxy(6379);
    try {
      const store = { type: 'redis' as const, url: proxy.url, keyPrefix: `${prefix}loss:` };
      const options = { keys: { 'app-1': { usd: 1, period: 'day' } } };
      const a = await setup(options, { store });
      const b = await setup(options, { upstream: a.upstream, store });
      await seed(a.gw, a.finished);
      await budgetOf(a.gw, 'key:app-1'); // a read sends the settlement a holds
      expect((await budgetOf(b.gw, 'key:app-1')).spentUsd).toBeCloseTo(0.965, 12);
      for (const r of [a, b]) expect(r.lines.filter((l) => l.event === 'store_data_lost')).toHaveLength(0);

      await proxy.cut();
      const keys = await admin.keys(`${prefix}loss:*`);
      if (keys.length) await admin.del(...keys);
      await proxy.restore();

      await waitFor(
        () => [a, b].every((r) => r.lines.some((l) => l.event === 'store_data_lost')),
        'both replicas to log the loss',
      );
      for (const r of [a, b]) {
        expect(r.lines.filter((l) => l.event === 'store_data_lost')).toHaveLength(1);
        const metrics = await (await fetch(`${r.gw.url}/metrics`)).text();
        expect(metrics).toMatch(/^switchyard_store_data_losses 1$/m);
      }
      // What was lost is lost: the caller's spend reads $0 again (the docs say budgets need AOF).
      expect(await budgetOf(a.gw, 'key:app-1')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    } finally {
      await proxy.close();
    }
  });
});
