import { describe, expect, it } from 'vitest';
import { schemaProblems } from '@switchyard/core/config';
import { modelInfoSchema } from '@switchyard/plugin-models/contract';
import {
  costOf,
  longContextPrice,
  priceAt,
  promptTokensOf,
  tierPrice,
  tokensOf,
  worstCaseUsd,
} from '@switchyard/plugin-pricing/contract';
import { ANTHROPIC_MODELS } from '@switchyard/provider-anthropic';
import { BEDROCK_MODELS } from '@switchyard/provider-bedrock';
import { GEMINI_MODELS } from '@switchyard/provider-gemini';
import { VERTEX_MODELS } from '@switchyard/provider-vertex';

const SONNET = {
  input: 3,
  output: 15,
  cachedRead: 0.3,
  cacheWrite: 3.75,
  cacheWrite1h: 6,
  webSearch: 10,
  longContext: { above: 200_000, input: 6, output: 22.5, cachedRead: 0.6, cacheWrite: 7.5, cacheWrite1h: 12 },
};

describe('promptTokensOf', () => {
  it('counts the whole prompt: input, cache reads and both kinds of cache writes, not the output', () => {
    const tokens = tokensOf({
      prompt_tokens: 250_000,
      completion_tokens: 900,
      total_tokens: 250_900,
      prompt_tokens_details: { cached_tokens: 150_000, cache_write_tokens: 60_000, cache_write_1h_tokens: 10_000 },
    });
    expect(tokens.input).toBe(40_000);
    expect(promptTokensOf(tokens)).toBe(250_000);
  });
});

describe('longContextPrice', () => {
  it('keeps the price up to `above` prompt tokens and takes the long-context price past it', () => {
    expect(longContextPrice(SONNET, 0)).toBe(SONNET);
    expect(longContextPrice(SONNET, 200_000)).toBe(SONNET);
    const { above: _above, ...long } = SONNET.longContext;
    expect(longContextPrice(SONNET, 200_001)).toEqual({ ...long, webSearch: 10 });
  });

  it('prices the whole request, output and cache reads and writes included, at the long-context rates', () => {
    const usage = {
      prompt_tokens: 230_000,
      completion_tokens: 100,
      total_tokens: 230_100,
      prompt_tokens_details: { cached_tokens: 100_000, cache_write_tokens: 20_000, cache_write_1h_tokens: 10_000 },
    };
    const tokens = tokensOf(usage);
    const { usd, breakdown } = costOf(longContextPrice(SONNET, promptTokensOf(tokens)), tokens);
    expect(breakdown.input).toBeCloseTo((110_000 * 6) / 1e6, 12);
    expect(breakdown.cachedRead).toBeCloseTo((100_000 * 0.6) / 1e6, 12);
    expect(breakdown.cacheWrite5m).toBeCloseTo((10_000 * 7.5) / 1e6, 12);
    expect(breakdown.cacheWrite1h).toBeCloseTo((10_000 * 12) / 1e6, 12);
    expect(breakdown.output).toBeCloseTo((100 * 22.5) / 1e6, 12);
    expect(usd).toBeCloseTo(0.66 + 0.06 + 0.075 + 0.12 + 0.00225, 12);
  });

  it("defaults the long-context price's unset fields from its own input and output, not from the shorter price's", () => {
    const price = {
      input: 1.25,
      output: 10,
      cachedRead: 0.31,
      reasoning: 12,
      longContext: { above: 200_000, input: 2.5, output: 15 },
    };
    const tokens = { input: 1, cachedRead: 1, cacheWrite5m: 1, cacheWrite1h: 1, output: 1, reasoning: 1 };
    expect(costOf(longContextPrice(price, 300_000), tokens).breakdown).toEqual({
      input: 2.5e-6,
      cachedRead: 2.5e-6,
      cacheWrite5m: 2.5e-6,
      cacheWrite1h: 2.5e-6,
      output: 15e-6,
      reasoning: 15e-6,
    });
  });

  it('leaves a price without one as it is, at any length', () => {
    const flat = { input: 1, output: 2 };
    expect(longContextPrice(flat, 5_000_000)).toBe(flat);
  });

  it("applies a price version's and a service tier's own long-context price; a tier without one is flat", () => {
    const pricing = {
      input: 2,
      output: 8,
      longContext: { above: 100_000, input: 4, output: 16 },
      tiers: {
        priority: { input: 3, output: 12, longContext: { above: 100_000, input: 7, output: 20 } },
        flex: { input: 1, output: 4 },
      },
      versions: [{ from: '2027-01-01', input: 1, output: 4, longContext: { above: 128_000, input: 3, output: 9 } }],
    };
    const before = priceAt(pricing, Date.UTC(2026, 5, 1)).price;
    expect(longContextPrice(tierPrice(before, undefined)!, 150_000)).toMatchObject({ input: 4, output: 16 });
    expect(longContextPrice(tierPrice(before, 'priority')!, 150_000)).toMatchObject({ input: 7, output: 20 });
    expect(longContextPrice(tierPrice(before, 'flex')!, 150_000)).toEqual({ input: 1, output: 4 });
    const after = priceAt(pricing, Date.UTC(2027, 5, 1)).price;
    expect(longContextPrice(after, 120_000)).toMatchObject({ input: 1, output: 4 });
    expect(longContextPrice(after, 130_000)).toMatchObject({ input: 3, output: 9 });
  });

  it('gives the worst case of a reservation above the threshold at the long-context rates (the dearest input: a one-hour cache write)', () => {
    expect(worstCaseUsd(longContextPrice(SONNET, 250_000), 250_000, 1000)).toBeCloseTo(
      (250_000 * 12 + 1000 * 22.5) / 1e6,
      12,
    );
  });
});

describe('long-context prices in the catalog schema', () => {
  it('takes `longContext` in a price, its tiers and its versions, and nothing it does not know', () => {
    const longContext = { above: 200_000, input: 2.5, output: 15, cachedRead: 0.625 };
    const entry = {
      pricing: {
        input: 1.25,
        output: 10,
        longContext,
        tiers: { flex: { input: 0.6, output: 5, longContext } },
        versions: [{ from: '2027-01-01', input: 1, output: 8, longContext }],
      },
    };
    expect(schemaProblems(modelInfoSchema, entry)).toEqual([]);
    // Without its threshold, and with a field it does not take.
    expect(
      schemaProblems(modelInfoSchema, { pricing: { input: 1, output: 2, longContext: { input: 2, output: 4 } } }),
    ).not.toEqual([]);
    expect(
      schemaProblems(modelInfoSchema, {
        pricing: { input: 1, output: 2, longContext: { above: 1, input: 2, output: 4, webSearch: 5 } },
      }),
    ).not.toEqual([]);
  });
});

describe('built-in long-context prices', () => {
  it('Gemini 2.5 Pro (Gemini API and Vertex): $2.50 / $15, cached $0.625, past 200K prompt tokens', () => {
    for (const pricing of [GEMINI_MODELS['gemini-2.5-pro']!.pricing!, VERTEX_MODELS['gemini-2.5-pro']!.pricing!]) {
      expect(pricing).toMatchObject({ input: 1.25, output: 10, cachedRead: 0.31 });
      expect(pricing.longContext).toEqual({ above: 200_000, input: 2.5, output: 15, cachedRead: 0.625 });
    }
  });

  it('Claude Sonnet 4 and 4.5 on Anthropic, Vertex and Bedrock: $6 / $22.50 past 200K, cache writes $7.50 / $12 and reads $0.60 (10% more on regional Bedrock endpoints)', () => {
    const sonnets = Object.entries({ ...ANTHROPIC_MODELS, ...VERTEX_MODELS, ...BEDROCK_MODELS }).filter(
      ([name, info]) => /claude-sonnet-4(-5)?([-@]\d|$)/.test(name) && info.pricing,
    );
    expect(sonnets.length).toBeGreaterThan(10);
    for (const [name, info] of sonnets) {
      const pricing = info.pricing!;
      const scale = pricing.input / 3; // 1.1 on Bedrock's regional endpoints
      const long = pricing.longContext!;
      expect(long.above, name).toBe(200_000);
      for (const [field, usd] of Object.entries({
        input: 6,
        output: 22.5,
        cachedRead: 0.6,
        cacheWrite: 7.5,
        cacheWrite1h: 12,
      }))
        expect(long[field as keyof typeof long], `${name} ${field}`).toBeCloseTo(usd * scale, 9);
    }
    // Models Anthropic prices flat at any length (their window is 200K) have none.
    expect(ANTHROPIC_MODELS['claude-opus-4-1']!.pricing!.longContext).toBeUndefined();
    expect(ANTHROPIC_MODELS['claude-haiku-4-5']!.pricing!.longContext).toBeUndefined();
  });
});
