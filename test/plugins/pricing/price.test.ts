import { describe, expect, it } from 'vitest';
import {
  costOf,
  formatUsd,
  instantOf,
  priceAt,
  searchFeeOf,
  serviceTierOf,
  tierPrice,
  tierRequestOf,
  tokensOf,
  webSearchesOf,
  worstCaseUsd,
} from '@switchyard/plugin-pricing/contract';

const PRICE = { input: 3, output: 15, cachedRead: 0.3, cacheWrite: 3.75, cacheWrite1h: 6, reasoning: 20 };

describe('tokensOf', () => {
  it('splits usage into kinds that add up to the whole: cache reads and writes out of the input, one-hour writes out of the writes, reasoning out of the output', () => {
    const tokens = tokensOf({
      prompt_tokens: 10_000,
      completion_tokens: 900,
      total_tokens: 10_900,
      prompt_tokens_details: { cached_tokens: 6000, cache_write_tokens: 3000, cache_write_1h_tokens: 1000 },
      completion_tokens_details: { reasoning_tokens: 400 },
    });
    expect(tokens).toEqual({
      input: 1000,
      cachedRead: 6000,
      cacheWrite5m: 2000,
      cacheWrite1h: 1000,
      output: 500,
      reasoning: 400,
    });
  });

  it('caps parts that claim more than their whole, and ignores counts that are not counts', () => {
    expect(
      tokensOf({
        prompt_tokens: 100,
        completion_tokens: 10,
        total_tokens: 110,
        prompt_tokens_details: { cached_tokens: 500 },
        completion_tokens_details: { reasoning_tokens: Number.NaN },
      }),
    ).toEqual({
      input: 0,
      cachedRead: 100,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: 10,
      reasoning: 0,
    });
  });
});

describe('costOf', () => {
  it('prices each kind at its own rate', () => {
    const { usd, breakdown } = costOf(PRICE, {
      input: 1000,
      cachedRead: 6000,
      cacheWrite5m: 2000,
      cacheWrite1h: 1000,
      output: 500,
      reasoning: 400,
    });
    expect(breakdown).toEqual({
      input: 0.003,
      cachedRead: 0.0018,
      cacheWrite5m: 0.0075,
      cacheWrite1h: 0.006,
      output: 0.0075,
      reasoning: 0.008,
    });
    expect(usd).toBeCloseTo(0.003 + 0.0018 + 0.0075 + 0.006 + 0.0075 + 0.008, 12);
  });

  it('defaults: cache reads and writes at the input price, one-hour writes at the write price, reasoning at the output price', () => {
    const tokens = { input: 1, cachedRead: 1, cacheWrite5m: 1, cacheWrite1h: 1, output: 1, reasoning: 1 };
    expect(costOf({ input: 2, output: 8 }, tokens).breakdown).toEqual({
      input: 2e-6,
      cachedRead: 2e-6,
      cacheWrite5m: 2e-6,
      cacheWrite1h: 2e-6,
      output: 8e-6,
      reasoning: 8e-6,
    });
    expect(costOf({ input: 2, output: 8, cacheWrite: 2.5 }, tokens).breakdown.cacheWrite1h).toBe(2.5e-6);
  });
});

describe('priceAt', () => {
  const pricing = {
    input: 3,
    output: 15,
    versions: [
      { from: '2027-03-01T12:00', input: 1, output: 5 },
      { from: '2027-01-01', input: 2, output: 10 },
    ],
  };

  it('applies the base price before the first version, then each version from its instant on (UTC), whatever their order', () => {
    expect(priceAt(pricing, Date.parse('2026-12-31T23:59:59.999Z'))).toEqual({ price: pricing });
    expect(priceAt(pricing, Date.parse('2027-01-01T00:00:00Z'))).toEqual({
      price: pricing.versions[1],
      from: '2027-01-01',
    });
    expect(priceAt(pricing, Date.parse('2027-03-01T11:59:59Z')).price.input).toBe(2);
    expect(priceAt(pricing, Date.parse('2027-03-01T12:00:00Z'))).toEqual({
      price: pricing.versions[0],
      from: '2027-03-01T12:00',
    });
  });

  it('reads dates and offset-less times as UTC, and honours an explicit offset', () => {
    expect(instantOf('2027-01-01')).toBe(Date.UTC(2027, 0, 1));
    expect(instantOf('2027-01-01T08:30')).toBe(Date.UTC(2027, 0, 1, 8, 30));
    expect(instantOf('2027-01-01T08:30:00+02:00')).toBe(Date.UTC(2027, 0, 1, 6, 30));
  });
});

describe('worstCaseUsd and formatUsd', () => {
  it('prices the worst case at the dearest input rate (a cache write may cost more) and the dearer of output and reasoning', () => {
    // The prompt may be written to the one-hour cache: 6 per 1M, not the input's 3.
    expect(worstCaseUsd(PRICE, 1000, 100)).toBeCloseTo((1000 * 6 + 100 * 20) / 1e6, 15);
    expect(worstCaseUsd({ input: 3, output: 15, cacheWrite: 3.75 }, 1000, 0)).toBeCloseTo(3.75 / 1e3, 15);
    expect(worstCaseUsd({ input: 1, output: 4 }, 1000, 100)).toBeCloseTo((1000 + 400) / 1e6, 15);
  });

  it('writes USD as a plain decimal without trailing zeros', () => {
    expect(formatUsd(0.0000123400001)).toBe('0.00001234');
    expect(formatUsd(0)).toBe('0');
    expect(formatUsd(10)).toBe('10');
    expect(formatUsd(1.5)).toBe('1.5');
  });
});

describe('service tiers', () => {
  const price = {
    input: 2.5,
    output: 10,
    tiers: { priority: { input: 5, output: 20 }, flex: { input: 1.25, output: 5 } },
  };

  it('reads the tier a request asks for; the standard ones are no tier', () => {
    expect(serviceTierOf({ service_tier: 'priority' })).toBe('priority');
    expect(serviceTierOf({ service_tier: 'flex' })).toBe('flex');
    for (const standard of ['auto', 'default', 'standard_only', undefined, null, 7])
      expect(serviceTierOf({ service_tier: standard })).toBeUndefined();
  });

  it("reads Anthropic's fast mode and US-only inference as tiers, several joined by +", () => {
    expect(serviceTierOf({ speed: 'fast' })).toBe('fast');
    expect(serviceTierOf({ inference_geo: 'us' })).toBe('us');
    expect(serviceTierOf({ service_tier: 'standard_only', speed: 'fast', inference_geo: 'us' })).toBe('fast+us');
    expect(tierRequestOf({ speed: 'fast', inference_geo: 'us' })).toBe('speed fast and inference_geo us');
    expect(serviceTierOf({ speed: 'standard', inference_geo: 'global' })).toBeUndefined();
    expect(tierRequestOf({ service_tier: 'auto' })).toBeUndefined();
  });

  it('prices a tier at its own whole price, and a tier with none not at all (never at the standard rate)', () => {
    expect(tierPrice(price, undefined)).toBe(price);
    expect(tierPrice(price, 'priority')).toEqual({ input: 5, output: 20 });
    expect(tierPrice(price, 'scale')).toBeUndefined();
    expect(tierPrice({ input: 1, output: 2 }, 'priority')).toBeUndefined();
    expect(tierPrice(price, 'constructor')).toBeUndefined();
  });
});

describe('web searches', () => {
  it('reads the searches a server tool ran from canonical usage, and prices them per 1,000', () => {
    const usage = {
      prompt_tokens: 1,
      completion_tokens: 1,
      total_tokens: 2,
      server_tool_use: { web_search_requests: 3 },
    };
    expect(webSearchesOf(usage)).toBe(3);
    expect(webSearchesOf({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 })).toBe(0);
    expect(searchFeeOf({ input: 3, output: 15, webSearch: 10 }, 3)).toBeCloseTo(0.03, 12);
    expect(searchFeeOf({ input: 3, output: 15 }, 0)).toBe(0);
    expect(searchFeeOf({ input: 3, output: 15 }, 2)).toBeUndefined(); // searched, no price: unpriced, never free
  });
});
