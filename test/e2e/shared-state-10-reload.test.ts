import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';
import { CATALOG, KEYS, budgetOf, chat, closeOpened, seed, setup } from '../plugins/budgets/helpers.js';

// Probe: two replicas on one Redis, a config reload applied on one only (a rolling change). Budget
// limits are checked per replica against the one shared spend: each replica enforces the limit it
// has, neither loses or double counts what the other spent, and they agree once both reloaded.

const prefix = testPrefix();

afterEach(closeOpened);
afterAll(() => dropTestKeys(prefix));

describe('two replicas, a budget lowered on one only', () => {
  it('each enforces its own limit on the shared spend; the spend stays one', async () => {
    const store = { type: 'redis' as const, url: 'redis://127.0.0.1:6379', keyPrefix: `${prefix}reload:` };
    const budget = (usd: number) => ({ keys: { 'app-1': { usd, period: 'day' } } });
    const a = await setup(budget(1), { store });
    const b = await setup(budget(1), { upstream: a.upstream, store });
    await seed(a.gw, a.finished); // $0.965 of $1
    await budgetOf(a.gw, 'key:app-1'); // sends a's settlement

    const lowered = {
      providers: [mockProvider('u', a.upstream.baseUrl, { models: ['m', 'm2', 'free'] })],
      catalog: CATALOG,
      plugins: { auth: { keys: KEYS }, budgets: budget(0.9), 'circuit-breaker': false },
      store,
    };
    expect(await a.gw.gateway.reload(lowered)).toMatchObject({ ok: true });

    // $0.965 spent: over a's $0.90, within b's $1 for a $0.01 worst case.
    const onA = await chat(a.gw, { max_tokens: 1000 });
    expect(onA.status).toBe(402);
    await onA.text();
    const onB = await chat(b.gw, { max_tokens: 1000 });
    expect(onB.status).toBe(200);
    await onB.text();
    await b.finished.next();
    await budgetOf(b.gw, 'key:app-1');
    expect(await budgetOf(a.gw, 'key:app-1')).toMatchObject({
      usd: 0.9,
      spentUsd: expect.closeTo(0.965 + 0.00005, 12),
      reservedUsd: 0,
    });
    expect(await budgetOf(b.gw, 'key:app-1')).toMatchObject({ usd: 1, spentUsd: expect.closeTo(0.965 + 0.00005, 12) });

    expect(await b.gw.gateway.reload(lowered)).toMatchObject({ ok: true });
    const nowOnB = await chat(b.gw, { max_tokens: 1000 });
    expect(nowOnB.status).toBe(402);
    await nowOnB.text();
  });
});
