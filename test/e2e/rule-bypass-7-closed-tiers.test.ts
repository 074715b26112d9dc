/**
 * Price modifiers in an Anthropic body that a budget priced at the standard rate, found by the
 * seventh rule-bypass pass, closed: fast mode (`speed: "fast"`) and US-only inference
 * (`inference_geo: "us"`). Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../support/rule-probes.js';
import { anthropicAt, budgeted, k, messagesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const FAST_BETA = { 'anthropic-beta': 'fast-mode-2026-02-01' };
const ask = (extra: Record<string, unknown>) => ({
  model: 'm',
  max_tokens: 1000,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

async function anthropicGateway(tiers?: Record<string, { input: number; output: number }>) {
  // Every answer: 1,000 input and 1,000 output tokens, $0.03 at the standard $5 / $25 per 1M.
  const up = await startScriptedUpstream((body) =>
    messagesAnswer(body.model, { input_tokens: 1000, output_tokens: 1000 }),
  );
  const setup = await budgeted({
    keys: [
      { name: 'fast', key: k('fast'), budget: { usd: 1, period: 'day' } },
      { name: 'free', key: k('fast-free') },
    ],
    catalog: { m: { pricing: { input: 5, output: 25, ...(tiers ? { tiers } : {}) }, maxOutputTokens: 4000 } },
    providers: [anthropicAt(up.baseUrl)],
    pricing: { header: true },
  });
  return { up, ...setup };
}

describe('Anthropic price modifiers a budgeted key asks for', () => {
  // Was: 200, the body passed on as sent and charged $0.03 at the standard price, where fast
  // mode bills six times the price ($0.18) and US-only inference 1.1 times ($0.033).
  for (const [label, extra, named] of [
    ['fast mode', { speed: 'fast' }, 'at speed fast'],
    ['US-only inference', { inference_geo: 'us' }, 'at inference_geo us'],
  ] as const) {
    it(`${label} with no price in the catalog: a budgeted key is refused before the upstream, others are left unpriced`, async () => {
      const setup = await anthropicGateway();
      try {
        const refused = await spendOn(setup, setup.up, 'fast', '/v1/messages', ask(extra));
        expect(refused.status).toBe(400);
        expect(refused.message).toContain(named);
        expect(refused.sent).toBe(0);
        expect(refused.spentUsd).toBe(0);

        const unbudgeted = await call(`${setup.gw.url}/v1/messages`, k('fast-free'), ask(extra), {
          headers: FAST_BETA,
        });
        expect(unbudgeted.status).toBe(200);
        expect(unbudgeted.headers['x-switchyard-cost']).toBeUndefined(); // unpriced, not $0.03
      } finally {
        await setup.gw.close();
        await setup.up.close();
      }
    });
  }

  it('priced in the catalog (tiers fast, us, fast+us), each is reserved and charged at its own price', async () => {
    const setup = await anthropicGateway({
      fast: { input: 30, output: 150 },
      us: { input: 5.5, output: 27.5 },
      'fast+us': { input: 33, output: 165 },
    });
    try {
      const fast = await spendOn(setup, setup.up, 'fast', '/v1/messages', ask({ speed: 'fast' }));
      expect(fast.status).toBe(200);
      expect(fast.spentUsd).toBeCloseTo(0.18, 10);
      const us = await spendOn(setup, setup.up, 'fast', '/v1/messages', ask({ inference_geo: 'us' }));
      expect(us.spentUsd).toBeCloseTo(0.18 + 0.033, 10);
      const both = await spendOn(setup, setup.up, 'fast', '/v1/messages', ask({ speed: 'fast', inference_geo: 'us' }));
      expect(both.spentUsd).toBeCloseTo(0.18 + 0.033 + 0.198, 10);
      const standard = await spendOn(
        setup,
        setup.up,
        'fast',
        '/v1/messages',
        ask({ speed: 'standard', inference_geo: 'global' }),
      );
      expect(standard.spentUsd).toBeCloseTo(0.18 + 0.033 + 0.198 + 0.03, 10);
      // The reservation is the tier's too: 4,000 output tokens at $150 per 1M ($0.60) do not fit what is left.
      const tooDear = await spendOn(setup, setup.up, 'fast', '/v1/messages', ask({ speed: 'fast', max_tokens: 4000 }));
      expect(tooDear.status).toBe(402);
      expect(tooDear.sent).toBe(4);
    } finally {
      await setup.gw.close();
      await setup.up.close();
    }
  });
});
