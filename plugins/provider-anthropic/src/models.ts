import { claudeLongContext, claudePrice } from '@switchyard/plugin-models/contract';
import type { ModelInfo } from '@switchyard/plugin-models/contract';

const CLAUDE = { contextWindow: 200_000, vision: true, tools: true, structuredOutput: true, reasoning: true } as const;
/** Models whose standard window is 1M tokens, with no beta. */
const CLAUDE_1M = { ...CLAUDE, contextWindow: 1_000_000 } as const;
/** Web searches (the `web_search` server tool), USD per 1,000. */
const WEB_SEARCH = 10;

/** Prices in USD per 1M tokens: input, output, cached read, 5-minute cache write (claudePrice); web searches per 1,000. */
function price(
  input: number,
  output: number,
  cachedRead: number,
  cacheWrite: number,
): NonNullable<ModelInfo['pricing']> {
  return { ...claudePrice(input, output, cachedRead, cacheWrite), webSearch: WEB_SEARCH };
}

/**
 * Claude Sonnet 4 and 4.5 with the 1M-token context window (`anthropic-beta: context-1m-2025-08-07`,
 * which the provider passes on): past 200K prompt tokens the whole request costs $6 / $22.50, cache
 * reads and writes scaled likewise.
 */
const SONNET_4_LONG_CONTEXT = claudeLongContext(6, 22.5);

/**
 * Anthropic models with their standard-tier list prices as this release knows them (check them against the provider's price page), contributed to the
 * gateway's model table. A dated name (`…-2024-08-06`, `…-20250929`) falls back to the longest
 * entry it starts with; config `catalog:` overrides any field.
 */
export const ANTHROPIC_MODELS: Readonly<Record<string, ModelInfo>> = {
  // Windows and output limits as Claude Code knows them (the window it runs a model with, the most it
  // lets it write); no list price checked here, so none claimed. Every newer name needs its own
  // entry: `claude-opus-4-7` would otherwise fall back on `claude-opus-4`, its limits and its price.
  'claude-opus-5': { ...CLAUDE_1M, maxOutputTokens: 128_000 },
  'claude-sonnet-5': { ...CLAUDE_1M, maxOutputTokens: 128_000 },
  'claude-haiku-5': { ...CLAUDE_1M, maxOutputTokens: 128_000 },
  'claude-fable-5': { ...CLAUDE_1M, maxOutputTokens: 128_000 },
  'claude-mythos-5': { ...CLAUDE_1M, maxOutputTokens: 128_000 },
  'claude-mythos-preview': { ...CLAUDE_1M, maxOutputTokens: 128_000 },
  'claude-opus-4-8': { ...CLAUDE_1M, maxOutputTokens: 128_000 },
  'claude-opus-4-7': { ...CLAUDE_1M, maxOutputTokens: 128_000 },
  'claude-opus-4-6': { ...CLAUDE, maxOutputTokens: 128_000 },
  'claude-sonnet-4-6': { ...CLAUDE, maxOutputTokens: 128_000 },
  'claude-opus-4-5': { ...CLAUDE, maxOutputTokens: 64_000, pricing: price(5, 25, 0.5, 6.25) },
  'claude-opus-4-1': { ...CLAUDE, maxOutputTokens: 32_000, pricing: price(15, 75, 1.5, 18.75) },
  'claude-opus-4': { ...CLAUDE, maxOutputTokens: 32_000, pricing: price(15, 75, 1.5, 18.75) },
  'claude-sonnet-4-5': {
    ...CLAUDE,
    maxOutputTokens: 64_000,
    pricing: { ...price(3, 15, 0.3, 3.75), longContext: SONNET_4_LONG_CONTEXT },
  },
  'claude-sonnet-4': {
    ...CLAUDE,
    maxOutputTokens: 64_000,
    pricing: { ...price(3, 15, 0.3, 3.75), longContext: SONNET_4_LONG_CONTEXT },
  },
  'claude-haiku-4-5': { ...CLAUDE, maxOutputTokens: 64_000, pricing: price(1, 5, 0.1, 1.25) },
  'claude-3-7-sonnet': { ...CLAUDE, maxOutputTokens: 64_000, pricing: price(3, 15, 0.3, 3.75) },
  'claude-3-5-sonnet': { ...CLAUDE, reasoning: false, maxOutputTokens: 8192, pricing: price(3, 15, 0.3, 3.75) },
  'claude-3-5-haiku': { ...CLAUDE, reasoning: false, maxOutputTokens: 8192, pricing: price(0.8, 4, 0.08, 1) },
  'claude-3-opus': { ...CLAUDE, reasoning: false, maxOutputTokens: 4096, pricing: price(15, 75, 1.5, 18.75) },
  'claude-3-haiku': {
    ...CLAUDE,
    structuredOutput: false,
    reasoning: false,
    maxOutputTokens: 4096,
    pricing: price(0.25, 1.25, 0.03, 0.3),
  },
};
