import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, createLogger, withOptions } from '@switchyard/core';
import type { Gateway, Target } from '@switchyard/core';
import { MODEL_INFO, models } from '@switchyard/plugin-models';
import { openai } from '@switchyard/provider-openai';
import { ROUTE_CONSTRAINTS } from '@switchyard/plugin-constraints';
import { router, ROUTER } from '@switchyard/plugin-router';
import { BalancedScorer, Ranker, strategies, strategyFor, TargetProfiles } from '@switchyard/plugin-strategies';
import type { Strategy } from '@switchyard/plugin-strategies';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { testExchange } from '../../support/exchange.js';
import { mockProvider, routesOf, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';

const KEY = 'sk-upstream-secret-unit-0123456789';
const resolved = (weights = { cost: 1, speed: 1, quality: 1, reliability: 1 }) => ({
  default: 'priority' as Strategy,
  byModel: { smart: 'balanced' as Strategy },
  byKey: { 'app-1': 'cost' as Strategy },
  weights,
  expectedOutputTokens: 500,
});

/**
 * Four targets of one alias, in this order: pricey (fast, best quality, reliable),
 * budget (cheap, slow), free (price 0, flaky), local (local instance, no price, unmeasured).
 */
async function fixture(): Promise<{ gateway: Gateway; targets: Target[] }> {
  const gateway = await createGateway({
    config: {
      providers: [
        {
          name: 'p',
          type: 'openai',
          baseUrl: 'http://127.0.0.1:9/v1',
          apiKey: KEY,
          models: ['pricey', 'budget', 'gratis'],
        },
        { name: 'l', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: KEY, models: ['homebrew'], local: true },
      ],
      models: [{ name: 'pool', targets: ['p/pricey', 'p/budget', 'p/gratis', 'l/homebrew'] }],
      catalog: {
        pricey: { pricing: { input: 10, output: 30 }, quality: 90 },
        budget: { pricing: { input: 0.5, output: 1.5 }, quality: 60 },
        gratis: { pricing: { input: 0, output: 0 }, quality: 40 },
      },
    },
    plugins: [models(), openai(), router()],
    logger: createLogger({ level: 'silent' }),
  });
  const stats = gateway.need(ROUTER);
  for (let i = 0; i < 20; i++) {
    stats.report('p/pricey', { outcome: 'success', latencyMs: 600, ttftMs: 100, outputTokens: 100 });
    stats.report('p/budget', { outcome: 'success', latencyMs: 4100, ttftMs: 600, outputTokens: 100 });
    stats.report(
      'p/gratis',
      i % 2 ? { outcome: 'success', latencyMs: 1100, ttftMs: 300, outputTokens: 100 } : { outcome: 'failure' },
    );
  }
  return { gateway, targets: routesOf(gateway).resolver.resolve('pool') };
}

describe('strategy ordering on constructed stats', () => {
  let gateway: Gateway;
  let targets: Target[];
  let ranker: Ranker;
  const estimate = { inputTokens: 1000, outputTokens: 500 };
  const order = (strategy: Exclude<Strategy, 'priority'>) =>
    [...ranker.rank(strategy, targets, estimate).order].map((i) => targets[i]!.model);

  beforeAll(async () => {
    ({ gateway, targets } = await fixture());
    ranker = new Ranker(new TargetProfiles(gateway.need(MODEL_INFO), gateway.need(ROUTER)), resolved());
  });
  afterAll(() => gateway.close());

  it('cost: cheapest estimated price first, unknown price last', () => {
    expect(order('cost')).toEqual(['gratis', 'budget', 'pricey', 'homebrew']);
    const ranking = ranker.rank('cost', targets, estimate);
    // pricey: 1000 × $10/1M + 500 × $30/1M
    expect(ranking.figures[0]).toBeCloseTo(0.025, 9);
    expect(Number.isNaN(ranking.figures[3])).toBe(true);
  });

  it('free-first: price 0 and local instances first, others keep their order', () => {
    expect(order('free-first')).toEqual(['gratis', 'homebrew', 'pricey', 'budget']);
  });

  it('local-first: local instances first', () => {
    expect(order('local-first')).toEqual(['homebrew', 'pricey', 'budget', 'gratis']);
  });

  it('latency: ttft + ms per token × expected output, unmeasured last', () => {
    // pricey 100 + 5×500, gratis 300 + 8×500, budget 600 + 35×500
    expect(order('latency')).toEqual(['pricey', 'gratis', 'budget', 'homebrew']);
    expect(ranker.rank('latency', targets, estimate).figures[0]).toBeCloseTo(2600, 6);
  });

  it('quality: catalogue quality, unknown last', () => {
    expect(order('quality')).toEqual(['pricey', 'budget', 'gratis', 'homebrew']);
  });

  it('balanced: each weight alone reproduces its single criterion; a mix trades them off', () => {
    const profiles = new TargetProfiles(gateway.need(MODEL_INFO), gateway.need(ROUTER));
    const rank = (weights: { cost: number; speed: number; quality: number; reliability: number }) => {
      const out = new Float64Array(targets.length);
      new BalancedScorer(weights).score(targets, profiles, estimate, out);
      return { out, order: [...out.keys()].sort((i, j) => out[j]! - out[i]!).map((i) => targets[i]!.model) };
    };
    expect(rank({ cost: 1, speed: 0, quality: 0, reliability: 0 }).order).toEqual([
      'gratis',
      'budget',
      'pricey',
      'homebrew',
    ]);
    expect(rank({ cost: 0, speed: 1, quality: 0, reliability: 0 }).order.slice(0, 3)).toEqual([
      'pricey',
      'gratis',
      'homebrew',
    ]);
    expect(rank({ cost: 0, speed: 0, quality: 0, reliability: 1 }).order.slice(0, 2)).toEqual(['pricey', 'budget']);
    const mixed = rank({ cost: 1, speed: 1, quality: 1, reliability: 1 });
    // pricey: cost 0, speed 1, quality 1, reliability 21/22 → (0 + 1 + 1 + 0.9545) / 4
    expect(mixed.out[0]).toBeCloseTo((0 + 1 + 1 + 21 / 22) / 4, 9);
    // gratis: cost 1, speed (18100-4300)/(18100-2600), quality 0, reliability 11/22
    expect(mixed.out[2]).toBeCloseTo((1 + 13800 / 15500 + 0 + 11 / 22) / 4, 9);
    expect(mixed.order[0]).toBe('pricey');
  });

  it('picks the request strategy, else per key, else per model, else the default; refuses unknown names', () => {
    const x = (model: string, constraints = {}, caller?: string) => {
      const e = testExchange({ body: { model, messages: [] } });
      e.set(ROUTE_CONSTRAINTS, constraints);
      if (caller) e.caller = { name: caller };
      return e;
    };
    expect(strategyFor(x('smart'), resolved())).toBe('balanced');
    expect(strategyFor(x('other'), resolved())).toBe('priority');
    expect(strategyFor(x('smart', {}, 'app-1'), resolved())).toBe('cost');
    expect(strategyFor(x('smart', { strategy: 'latency' }, 'app-1'), resolved())).toBe('latency');
    expect(() => strategyFor(x('smart', { strategy: 'fastest' }), resolved())).toThrow(/unknown strategy "fastest"/);
    const keyed = x('smart', {}, 'app-2');
    keyed.caller = { name: 'app-2', metadata: { strategy: 'free-first' } };
    expect(strategyFor(keyed, resolved())).toBe('free-first');
    keyed.caller = { name: 'app-2', metadata: { strategy: 'cheapest' } };
    expect(strategyFor(keyed, resolved())).toBe('balanced');
    expect(keyed.warnings).toEqual(['strategy "cheapest" of gateway key app-2 is unknown and was ignored']);
  });
});

/** One instance serving a pricey and a budget model, both behind the alias `pool`. */
function pool(a: MockOpenAI) {
  return {
    providers: [mockProvider('a', a.baseUrl, { models: ['pricey', 'budget'] })],
    models: [{ name: 'pool', targets: ['a/pricey', 'a/budget'] }],
    catalog: {
      pricey: { pricing: { input: 10, output: 30 }, quality: 90 },
      budget: { pricing: { input: 0.5, output: 1.5 }, quality: 60 },
    },
  };
}

describe('strategies through a gateway', () => {
  let a: MockOpenAI;
  let gw: RunningGateway;

  beforeAll(async () => {
    a = await startMockOpenAI({ name: 'a', models: ['pricey', 'budget'] });
    gw = await startGateway(
      {
        ...pool(a),
      },
      { plugins: [withOptions(strategies(), { byModel: { pool: 'cost' } })] },
    );
  });
  afterAll(async () => {
    await gw.close();
    await a.close();
  });

  const post = (headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'pool', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('orders by the alias strategy, lets the request override it, records the scores, and refuses unknown names', async () => {
    const cheap = await post();
    expect(cheap.status).toBe(200);
    expect(cheap.headers.get('x-switchyard-target')).toBe('a/budget');
    const best = await post({ 'x-switchyard-strategy': 'quality' });
    expect(best.headers.get('x-switchyard-target')).toBe('a/pricey');
    const plan = gw.gateway.need(ROUTER).select({ model: 'pool', messages: [{ role: 'user', content: 'hi' }] });
    const { orderings } = (await plan).toJSON();
    expect(orderings[0]).toMatchObject({
      by: 'strategies',
      scores: { 'a/budget': expect.any(Number), 'a/pricey': expect.any(Number) },
    });
    expect(orderings[0]!.note).toMatch(/^cost: /);
    expect(orderings.find((o) => o.by === 'load-balancer')?.note).toBeUndefined();
    const bad = await post({ 'x-switchyard-strategy': 'fastest' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain(
      'unknown strategy "fastest"',
    );
  });
});

describe('per-key strategies through a gateway with auth', () => {
  let a: MockOpenAI;
  let gw: RunningGateway;

  beforeAll(async () => {
    a = await startMockOpenAI({ name: 'a', models: ['pricey', 'budget'] });
    gw = await startGateway(
      {
        ...pool(a),
        plugins: {
          auth: {
            keys: [
              { name: 'app-1', key: 'test-gateway-key-one' },
              { name: 'app-2', key: 'test-gateway-key-two', strategy: 'quality' },
              { name: 'app-3', key: 'test-gateway-key-three' },
            ],
          },
        },
      },
      { plugins: [withOptions(strategies(), { default: 'cost', byKey: { 'app-1': 'quality' } })] },
    );
  });
  afterAll(async () => {
    await gw.close();
    await a.close();
  });

  const as = async (key: string) =>
    (
      await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'pool', messages: [{ role: 'user', content: 'hi' }] }),
      })
    ).headers.get('x-switchyard-target');

  it("byKey, then the key's own strategy, then the default", async () => {
    expect(await as('test-gateway-key-one')).toBe('a/pricey');
    expect(await as('test-gateway-key-two')).toBe('a/pricey');
    expect(await as('test-gateway-key-three')).toBe('a/budget');
  });
});
