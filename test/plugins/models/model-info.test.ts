import { describe, expect, it } from 'vitest';
import { ModelInfoTable } from '@switchyard/plugin-models';
import { anthropicUsageOf, canonicalUsageOf } from '@switchyard/wire-anthropic';
import { ANTHROPIC_MODELS } from '@switchyard/provider-anthropic';
import { GEMINI_MODELS } from '@switchyard/provider-gemini';
import { OPENAI_MODELS } from '@switchyard/provider-openai';

const KNOWN = { ...OPENAI_MODELS, ...ANTHROPIC_MODELS, ...GEMINI_MODELS };

describe('ModelInfoTable', () => {
  const table = new ModelInfoTable(
    {
      'gpt-4o': { quality: 80, pricing: { input: 2, output: 8 } },
      'local-llm/llama-3.1-70b': { contextWindow: 131_072, pricing: { input: 0, output: 0 } },
    },
    KNOWN,
  );

  it('remembers a bounded number of lookups, whatever names callers send (advisor models, prefix-claimed models)', () => {
    const bounded = new ModelInfoTable({ 'gpt-4o': { quality: 80 } }, KNOWN);
    for (let i = 0; i < 10_000; i++) {
      bounded.lookup(`caller-model-${i}`);
      bounded.lookup(`gpt-4o-caller-${i}`, 'openai-main');
    }
    expect(bounded.remembered).toBeGreaterThan(0);
    expect(bounded.remembered).toBeLessThanOrEqual(4096);
    // Forgotten answers are worked out again, the same.
    expect(bounded.lookup('gpt-4o')?.quality).toBe(80);
    expect(bounded.lookup('gpt-4o-caller-0', 'openai-main')?.pricing?.input).toBe(
      table.lookup('gpt-4o-caller-0', 'openai-main')?.pricing?.input,
    );
  });

  it('names the model a dated or versioned name is a snapshot of, and no other', () => {
    expect(table.familyOf('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(table.familyOf('openai/gpt-4o-2024-11-20')).toBe('openai/gpt-4o');
    expect(table.familyOf('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(table.familyOf('claude-sonnet-4-5@20250929')).toBe('claude-sonnet-4-5');
    // A model's own name, a sibling and a point release are not snapshots.
    expect(table.familyOf('gpt-4o')).toBeUndefined();
    expect(table.familyOf('gpt-4o-mini')).toBe(undefined);
    expect(table.familyOf('gpt-5-pro')).toBeUndefined();
    expect(table.familyOf('gpt-5.5')).toBeUndefined();
    expect(table.familyOf('made-up-2024-08-06')).toBeUndefined();
  });

  it('finds well-known models by exact name and by dated or vendor-prefixed names', () => {
    expect(table.lookup('claude-sonnet-4-5')?.contextWindow).toBe(200_000);
    expect(table.lookup('claude-sonnet-4-5-20250929')?.pricing?.cacheWrite).toBe(3.75);
    expect(table.lookup('gpt-4o-mini-2024-07-18')?.pricing?.input).toBe(0.15);
    expect(table.lookup('openai/gpt-4o-mini')?.pricing?.input).toBe(0.15);
    expect(table.lookup('o3-mini')?.vision).toBe(false);
    expect(table.lookup('gpt-4oops')).toBeUndefined();
    expect(table.lookup('totally-unknown')).toBeUndefined();
  });

  it("gives a point release (gpt-5.5, gpt-5.1-mini) its family's kind, not its limits or prices", () => {
    expect(table.lookup('gpt-5.5')).toEqual({ vision: true, tools: true, structuredOutput: true, reasoning: true });
    expect(table.lookup('gpt-5.2-mini')?.reasoning).toBe(true);
    expect(table.lookup('gpt-5.5-2026-04-23')?.reasoning).toBe(true);
    // A chat release of a point version keeps the chat model's kind: it does not reason.
    expect(table.lookup('gpt-5.1-chat-latest')?.reasoning).toBe(false);
    expect(table.lookup('gpt-5.5')?.pricing).toBeUndefined();
    expect(table.lookup('gpt-5.5')?.maxOutputTokens).toBeUndefined();
    // An entry of its own wins (gpt-4.1 is not gpt-4o's release), and no family means nothing known.
    expect(table.lookup('gpt-4.1')?.contextWindow).toBe(1_047_576);
    expect(table.lookup('gpt-9.5')).toBeUndefined();
  });

  it("gives a sibling (gpt-5-pro, gpt-4o-search-preview) the known model's kind, not its limits or prices", () => {
    // gpt-5-pro lists at $15 / $120 per 1M, gpt-5 at $1.25 / $10: it was priced as gpt-5.
    expect(table.lookup('gpt-5-pro')?.reasoning).toBe(true);
    expect(table.lookup('gpt-5-pro')?.pricing).toBeUndefined();
    expect(table.lookup('gpt-5-pro')?.maxOutputTokens).toBeUndefined();
    expect(table.lookup('gpt-4o-search-preview')?.pricing).toBeUndefined();
    expect(table.lookup('gemini-2.5-flash-image')?.pricing).toBeUndefined();
    expect(table.lookup('gemini-2.5-flash-image')?.vision).toBe(true);
    // A date, a version or `latest` is the same model.
    expect(table.lookup('gpt-5-2025-08-07')?.pricing).toEqual(table.lookup('gpt-5')?.pricing);
    expect(table.lookup('claude-sonnet-4-5-latest')?.pricing?.input).toBe(3);
    expect(table.lookup('gemini-2.0-flash-001')?.pricing).toEqual(table.lookup('gemini-2.0-flash')?.pricing);
  });

  it("gives a newer Claude (claude-opus-4-9, claude-sonnet-4-7) the older one's kind, not its limits or prices", () => {
    // Anthropic numbers a minor version after a `-`: claude-opus-4-9 was read as a dated claude-opus-4 ($15 / $75, 32K out).
    expect(table.lookup('claude-opus-4-9')?.reasoning).toBe(true);
    expect(table.lookup('claude-opus-4-9')?.pricing).toBeUndefined();
    expect(table.lookup('claude-opus-4-9')?.maxOutputTokens).toBeUndefined();
    expect(table.lookup('claude-sonnet-4-7')?.pricing).toBeUndefined();
    expect(table.lookup('claude-sonnet-4-7-20270101')?.contextWindow).toBeUndefined();
    // Its own dated names are still its own.
    expect(table.lookup('claude-opus-4-20250514')?.pricing?.input).toBe(15);
    expect(table.lookup('claude-opus-4-1-20250805')?.pricing?.input).toBe(15);
  });

  it('lays config entries over the built-in table, field by field, and per instance', () => {
    const info = table.lookup('gpt-4o')!;
    expect(info.quality).toBe(80);
    expect(info.vision).toBe(true);
    expect(info.pricing).toEqual({ input: 2, output: 8, cachedRead: 1.25, webSearch: 25 }); // webSearch: the built-in's
    expect(table.lookup('llama-3.1-70b')).toBeUndefined();
    expect(table.lookup('llama-3.1-70b', 'local-llm')?.contextWindow).toBe(131_072);
  });

  it('drops the versions below a price given without any: a catalog price applies at all times', () => {
    const versioned = new ModelInfoTable(
      {
        'm-1': { pricing: { input: 2, output: 8 } },
        'm-2': { pricing: { input: 2, output: 8, versions: [{ from: '2027-01-01', input: 1, output: 4 }] } },
      },
      {
        'm-1': {
          pricing: { input: 3, output: 15, cachedRead: 0.3, versions: [{ from: '2026-01-01', input: 5, output: 25 }] },
        },
        'm-2': { pricing: { input: 3, output: 15, versions: [{ from: '2026-01-01', input: 5, output: 25 }] } },
      },
    );
    expect(versioned.lookup('m-1')!.pricing).toEqual({ input: 2, output: 8, cachedRead: 0.3 });
    expect(versioned.lookup('m-2')!.pricing!.versions).toEqual([{ from: '2027-01-01', input: 1, output: 4 }]);
  });
});

describe('cache usage across protocols', () => {
  it('maps Anthropic cache reads and writes into canonical usage and back', () => {
    const canonical = canonicalUsageOf({
      input_tokens: 50,
      output_tokens: 20,
      cache_read_input_tokens: 3000,
      cache_creation_input_tokens: 1200,
    })!;
    expect(canonical).toEqual({
      prompt_tokens: 4250,
      completion_tokens: 20,
      total_tokens: 4270,
      prompt_tokens_details: { cached_tokens: 3000, cache_write_tokens: 1200 },
    });
    expect(anthropicUsageOf(canonical)).toEqual({
      input_tokens: 50,
      output_tokens: 20,
      cache_read_input_tokens: 3000,
      cache_creation_input_tokens: 1200,
    });
  });
});
