/** Helpers of the pricing reconciliation tests: one price per token kind, and usage split into kinds. */
import type { TokenCounts } from '@switchyard/plugin-pricing';

/** A different price per token kind, so a token priced as the wrong kind changes the total. */
export const RATES = { input: 1.1, cachedRead: 0.17, cacheWrite: 1.9, cacheWrite1h: 2.9, output: 4.3, reasoning: 7.7 };

/** usage × price, written out kind by kind (independently of the plugin's own arithmetic). */
export function expectedUsd(t: TokenCounts): number {
  return (
    (t.input * RATES.input +
      t.cachedRead * RATES.cachedRead +
      t.cacheWrite5m * RATES.cacheWrite +
      t.cacheWrite1h * RATES.cacheWrite1h +
      t.output * RATES.output +
      t.reasoning * RATES.reasoning) /
    1e6
  );
}

export const none: TokenCounts = { input: 0, cachedRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };
/** A long text (to pass a prompt cache's minimum). */
export const LONG = (tag: string, n = 600): string => `${tag} `.repeat(n);

/** The SSE `data:` payloads of a stream, parsed ([DONE] left out). */
export function dataEvents(text: string): any[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
    .map((l) => JSON.parse(l.slice(6)));
}

/** Canonical (OpenAI-shaped) usage as the caller received it, split as the gateway must price it. */
export function openaiKinds(usage: any): TokenCounts {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  const hour = usage.prompt_tokens_details?.cache_write_1h_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    input: usage.prompt_tokens - cached - written,
    cachedRead: cached,
    cacheWrite5m: written - hour,
    cacheWrite1h: hour,
    output: usage.completion_tokens - reasoning,
    reasoning,
  };
}

/** Anthropic wire usage: input_tokens exclude cache reads and writes; cache_creation splits writes by lifetime. */
export function anthropicKinds(usage: any): TokenCounts {
  return {
    ...none,
    input: usage.input_tokens,
    cachedRead: usage.cache_read_input_tokens ?? 0,
    cacheWrite5m: usage.cache_creation?.ephemeral_5m_input_tokens ?? 0,
    cacheWrite1h: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    output: usage.output_tokens,
  };
}
