import { describe, expect, it } from 'vitest';
import { ModelInfoTable, costOf } from '@switchyard/core';
import { anthropicUsageOf, canonicalUsageOf } from '@switchyard/wire-anthropic';
import { ANTHROPIC_MODELS } from '@switchyard/provider-anthropic';
import { GEMINI_MODELS } from '@switchyard/provider-gemini';
import { OPENAI_MODELS } from '@switchyard/provider-openai';

const KNOWN = { ...OPENAI_MODELS, ...ANTHROPIC_MODELS, ...GEMINI_MODELS };

describe('ModelInfoTable', () => {
  const table = new ModelInfoTable({
    'gpt-4o': { quality: 80, pricing: { input: 2, output: 8 } },
    'local-llm/llama-3.1-70b': { contextWindow: 131_072, pricing: { input: 0, output: 0 } },
  }, KNOWN);

  it('finds well-known models by exact name and by dated or vendor-prefixed names', () => {
    expect(table.lookup('claude-sonnet-4-5')?.contextWindow).toBe(200_000);
    expect(table.lookup('claude-sonnet-4-5-20250929')?.pricing?.cacheWrite).toBe(3.75);
    expect(table.lookup('gpt-4o-mini-2024-07-18')?.pricing?.input).toBe(0.15);
    expect(table.lookup('openai/gpt-4o-mini')?.pricing?.input).toBe(0.15);
    expect(table.lookup('o3-mini')?.vision).toBe(false);
    expect(table.lookup('gpt-4oops')).toBeUndefined();
    expect(table.lookup('totally-unknown')).toBeUndefined();
  });

  it('lays config entries over the built-in table, field by field, and per instance', () => {
    const info = table.lookup('gpt-4o')!;
    expect(info.quality).toBe(80);
    expect(info.vision).toBe(true);
    expect(info.pricing).toEqual({ input: 2, output: 8, cachedRead: 1.25 });
    expect(table.lookup('llama-3.1-70b')).toBeUndefined();
    expect(table.lookup('llama-3.1-70b', 'local-llm')?.contextWindow).toBe(131_072);
  });

  it('prices uncached input, cache reads, cache writes and output separately', () => {
    const usage = { prompt_tokens: 10_000, completion_tokens: 1000, total_tokens: 11_000, prompt_tokens_details: { cached_tokens: 6000, cache_write_tokens: 2000 } };
    // 2000 uncached × 3 + 6000 × 0.30 + 2000 × 3.75 + 1000 × 15, per 1M
    expect(costOf({ input: 3, output: 15, cachedRead: 0.3, cacheWrite: 3.75 }, usage)).toBeCloseTo((6000 + 1800 + 7500 + 15_000) / 1e6, 12);
    expect(table.cost('claude-sonnet-4-5', usage)).toBeCloseTo(0.0303, 10);
    expect(table.cost('totally-unknown', usage)).toBeUndefined();
  });
});

describe('cache usage across protocols', () => {
  it('maps Anthropic cache reads and writes into canonical usage and back', () => {
    const canonical = canonicalUsageOf({ input_tokens: 50, output_tokens: 20, cache_read_input_tokens: 3000, cache_creation_input_tokens: 1200 })!;
    expect(canonical).toEqual({ prompt_tokens: 4250, completion_tokens: 20, total_tokens: 4270, prompt_tokens_details: { cached_tokens: 3000, cache_write_tokens: 1200 } });
    expect(anthropicUsageOf(canonical)).toEqual({ input_tokens: 50, output_tokens: 20, cache_read_input_tokens: 3000, cache_creation_input_tokens: 1200 });
  });
});
