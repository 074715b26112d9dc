import { afterEach, describe, expect, it } from 'vitest';
import { budgets } from '@switchyard/plugin-budgets';
import { pricing } from '@switchyard/plugin-pricing';
import {
  ADMIN,
  APP,
  KEYS,
  OTHER,
  admin,
  budgetOf,
  burst,
  chat,
  closeOpened,
  seed,
  setup,
  stoppedClock,
} from './helpers.js';
import { mockProvider, startGateway } from '../../support/gateway.js';
import { startMockOpenAI } from '../../support/mock-openai.js';

afterEach(closeOpened);

describe('budgets (one replica, memory)', () => {
  it('a burst of 50 against a nearly spent budget: exactly the 3 whose reservations fit get through; spend stays within the budget', async () => {
    const { gw, upstream, finished } = await setup(
      { keys: { 'app-1': { usd: 1, period: 'day' } } },
      { plugins: stoppedClock() },
    );
    await seed(gw, finished);
    expect(await budgetOf(gw, 'key:app-1')).toMatchObject({ spentUsd: expect.closeTo(0.965, 12), reservedUsd: 0 });
    const before = upstream.received;
    const { ok, refused } = await burst([gw], upstream, before);
    expect(ok).toBe(3);
    expect(refused).toHaveLength(47);
    expect(refused.every((r) => r.status === 402 && r.body.error.code === 'budget_exceeded')).toBe(true);
    expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused[0]!.headers.get('x-switchyard-budget-reset')).toMatch(/T00:00:00.000Z$/);
    for (let i = 0; i < 50; i++) await finished.next(); // every request of the burst is over, settled ones included
    const after = await budgetOf(gw, 'key:app-1');
    // Every request cost less than it reserved, so spend cannot pass the budget at all.
    expect(after.reservedUsd).toBe(0);
    expect(after.spentUsd).toBeCloseTo(0.965 + 3 * 0.00005, 12);
    expect(after.spentUsd).toBeLessThanOrEqual(1);
  });

  it('refuses in the caller protocol with budget_exceeded, saying what was spent and when it resets', async () => {
    const { gw } = await setup({ keys: { 'app-1': { usd: 0.005, period: 'week' } } });
    const res = await chat(gw, { max_tokens: 1000 });
    expect(res.status).toBe(402);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'budget_exceeded', type: 'insufficient_quota' });
    expect(body.error.message).toMatch(
      /^budget exceeded for key "app-1": \$0\.00 spent of \$0\.005 per week \(from Monday, UTC\); this request may cost up to \$0\.01; it resets at \d{4}-\d{2}-\d{2}T00:00:00\.000Z$/,
    );
    const anthropic = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': APP, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(anthropic.status).toBe(402);
    expect(await anthropic.json()).toMatchObject({
      type: 'error',
      error: { type: 'billing_error', message: expect.stringContaining('budget exceeded for key "app-1"') },
    });
  });

  it('resets at the period boundary (UTC, injected clock)', async () => {
    let clock = Date.parse('2026-12-07T23:00:00Z');
    const now = (): number => clock;
    const { gw, finished } = await setup(
      { keys: { 'app-1': { usd: 0.02, period: 'day' } } },
      {
        plugins: [budgets({ now }), pricing({ now })],
        usageFor: () => ({ prompt_tokens: 0, completion_tokens: 1000 }),
      },
    );
    for (let i = 0; i < 2; i++) {
      expect((await chat(gw, { max_tokens: 1000 })).status).toBe(200);
      await finished.next();
    }
    const refused = await chat(gw, { max_tokens: 1000 });
    expect(refused.status).toBe(402);
    expect(refused.headers.get('retry-after')).toBe('3600');
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(refused.headers.get('x-switchyard-budget-reset')).toBe('2026-12-08T00:00:00.000Z');
    await finished.next();
    clock = Date.parse('2026-12-08T00:00:00Z');
    expect((await chat(gw, { max_tokens: 1000 })).status).toBe(200);
    await finished.next();
    expect(await budgetOf(gw, 'key:app-1')).toMatchObject({
      spentUsd: expect.closeTo(0.01, 12),
      resetsAt: '2026-12-09T00:00:00.000Z',
    });
    const spend = await admin(gw, '/admin/spend?from=2026-12-07&to=2026-12-08');
    expect(spend.rows).toEqual([
      { day: '2026-12-07', key: 'app-1', team: 'research', model: 'm', usd: expect.closeTo(0.02, 12), requests: 2 },
      { day: '2026-12-08', key: 'app-1', team: 'research', model: 'm', usd: expect.closeTo(0.01, 12), requests: 1 },
    ]);
  });

  it('counts team and global budgets too: a team budget refuses another key of the team', async () => {
    const { gw, upstream, finished } = await setup({
      teams: { research: { usd: 0.015, period: 'month' } },
      global: { usd: 100, period: 'none' },
    });
    expect((await chat(gw, { max_tokens: 1000 }, APP)).status).toBe(200);
    await finished.next();
    // The team spent $0.00005: one more reservation of $0.01 fits, a second one while it is held does not.
    upstream.close();
    const held = chat(gw, { max_tokens: 1000 }, OTHER);
    await upstream.waitForReceived(2);
    const refused = await chat(gw, { max_tokens: 1000 }, APP);
    expect(refused.status).toBe(402);
    expect((await refused.json()).error.message).toContain(
      'budget exceeded for team "research": $0.00005 spent and $0.01 held by requests in flight of $0.015 per month (UTC)',
    );
    upstream.open();
    expect((await held).status).toBe(200);
    const global = await budgetOf(gw, 'global');
    expect(global).toMatchObject({ usd: 100, period: 'none' });
    expect(global.resetsAt).toBeUndefined();
  });

  it('logs a soft limit once per period and counts it in a gauge', async () => {
    const { gw, finished, lines } = await setup({ keys: { 'app-1': { usd: 0.04, period: 'day', softLimit: 0.25 } } });
    for (let i = 0; i < 3; i++) {
      expect((await chat(gw, { max_tokens: 1000 })).status).toBe(200);
      await finished.next();
    }
    const soft = lines.filter((l) => l.event === 'budget_soft_limit');
    expect(soft).toHaveLength(1);
    expect(soft[0]).toMatchObject({ scope: 'key "app-1"', limitUsd: 0.04, softLimit: 0.25 });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^switchyard_budgets_over_soft_limit 1$/m);
  });

  it('settles a stream that reported no usage at its reservation, and leaves out targets with no price', async () => {
    const { gw, finished } = await setup(
      { keys: { 'app-1': { usd: 1, period: 'day' } } },
      { providers: { streamUsage: false } },
    );
    const res = await chat(gw, { max_tokens: 2000, stream: true });
    expect(res.status).toBe(200);
    await res.text();
    await finished.next();
    expect(await budgetOf(gw, 'key:app-1')).toMatchObject({ spentUsd: expect.closeTo(0.02, 12), reservedUsd: 0 });
    const unpriced = await chat(gw, { model: 'free' });
    expect(unpriced.status).toBe(400);
    expect((await unpriced.json()).error.message).toContain(
      'no price known for u/free: a request with a budget needs one',
    );
    // A key without any budget is not held to prices.
    const noBudget = await chat(gw, { model: 'free' }, OTHER);
    expect(noBudget.status).toBe(200);
  });

  it('serves spend records filtered by key, team, model and days, as JSON and CSV', async () => {
    const { gw, finished } = await setup({ enabled: true });
    for (const [key, model] of [
      [APP, 'm'],
      [APP, 'm2'],
      [OTHER, 'm'],
    ] as const) {
      expect((await chat(gw, { model, max_tokens: 10 }, key)).status).toBe(200);
      await finished.next();
    }
    const all = await admin(gw, '/admin/spend');
    expect(all.rows).toHaveLength(3);
    expect(all.totals).toEqual({ usd: expect.closeTo(0.00015, 12), requests: 3 });
    const app1 = await admin(gw, '/admin/spend?key=app-1');
    expect(app1.rows.map((r: { model: string }) => r.model)).toEqual(['m', 'm2']);
    expect((await admin(gw, '/admin/spend?team=research&model=m')).rows).toHaveLength(2);
    const csv: string = await admin(gw, '/admin/spend?format=csv&model=m2');
    expect(csv).toMatch(/^day,key,team,model,usd,requests\r\n\d{4}-\d{2}-\d{2},app-1,research,m2,0\.00005,1\r\n$/);
    const bad = await fetch(`${gw.url}/admin/spend?from=yesterday`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toBe('from must be a date, YYYY-MM-DD (UTC)');
    const caller = await fetch(`${gw.url}/admin/spend`, { headers: { authorization: `Bearer ${APP}` } });
    expect(caller.status).toBe(403);
  });

  it('reserves embeddings sent as token arrays at their exact length, text at characters / 4', async () => {
    const up = await startMockOpenAI({ name: 'e' });
    const gw = await startGateway({
      providers: [mockProvider('e', up.baseUrl, { models: ['emb'] })],
      catalog: { emb: { pricing: { input: 10, output: 0 }, embeddings: true } },
      plugins: {
        auth: { keys: KEYS },
        budgets: { keys: { 'app-1': { usd: 0.01, period: 'day' } } },
        'circuit-breaker': false,
      },
    });
    try {
      // $10 per million input tokens against $0.01: 1,000 tokens fit.
      const embed = (input: unknown) =>
        fetch(`${gw.url}/v1/embeddings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${APP}` },
          body: JSON.stringify({ model: 'emb', input }),
        });
      // 2,000 one-digit ids were 2,000 characters, reserved as 500 tokens, and let through.
      expect((await embed(Array(2000).fill(7))).status).toBe(402);
      expect((await embed([Array(600).fill(7), Array(600).fill(7)])).status).toBe(402);
      expect(up.requests).toEqual([]);
      expect((await embed('x'.repeat(3000))).status).toBe(200); // 750 tokens estimated
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('refuses to start without the pricing plugin, whose costs it counts', async () => {
    await expect(setup({ enabled: true }, { pricingOff: true })).rejects.toThrow(
      'plugins.budgets needs the "pricing" plugin (@switchyard/plugin-pricing)',
    );
  });

  it('is off until configured: no budget, no records, no admin routes', async () => {
    const { gw } = await setup({});
    expect((await chat(gw, { max_tokens: 10 })).status).toBe(200);
    const res = await fetch(`${gw.url}/admin/spend`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(404);
  });
});
