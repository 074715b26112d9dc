import type { ModelInfo } from './model-info.js';

const OPENAI_CHAT = { vision: true, tools: true, structuredOutput: true } as const;
const CLAUDE = { contextWindow: 200_000, vision: true, tools: true, structuredOutput: true } as const;
const GEMINI = { contextWindow: 1_048_576, vision: true, tools: true, structuredOutput: true } as const;

/** Prices in USD per 1M tokens: input, output, cached read, cache write. */
function price(input: number, output: number, cachedRead?: number, cacheWrite?: number): NonNullable<ModelInfo['pricing']> {
  return {
    input,
    output,
    ...(cachedRead === undefined ? {} : { cachedRead }),
    ...(cacheWrite === undefined ? {} : { cacheWrite }),
  };
}

/**
 * Well-known models as their providers published them (list prices, standard tier, checked
 * 2026-11). A dated name (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) falls back to the
 * longest entry it starts with. Config `catalog:` overrides any field.
 */
export const KNOWN_MODELS: Readonly<Record<string, ModelInfo>> = {
  'gpt-5': { ...OPENAI_CHAT, contextWindow: 400_000, maxOutputTokens: 128_000, pricing: price(1.25, 10, 0.125) },
  'gpt-5-mini': { ...OPENAI_CHAT, contextWindow: 400_000, maxOutputTokens: 128_000, pricing: price(0.25, 2, 0.025) },
  'gpt-5-nano': { ...OPENAI_CHAT, contextWindow: 400_000, maxOutputTokens: 128_000, pricing: price(0.05, 0.4, 0.005) },
  'gpt-4.1': { ...OPENAI_CHAT, contextWindow: 1_047_576, maxOutputTokens: 32_768, pricing: price(2, 8, 0.5) },
  'gpt-4.1-mini': { ...OPENAI_CHAT, contextWindow: 1_047_576, maxOutputTokens: 32_768, pricing: price(0.4, 1.6, 0.1) },
  'gpt-4.1-nano': { ...OPENAI_CHAT, contextWindow: 1_047_576, maxOutputTokens: 32_768, pricing: price(0.1, 0.4, 0.025) },
  'gpt-4o': { ...OPENAI_CHAT, contextWindow: 128_000, maxOutputTokens: 16_384, pricing: price(2.5, 10, 1.25) },
  'gpt-4o-mini': { ...OPENAI_CHAT, contextWindow: 128_000, maxOutputTokens: 16_384, pricing: price(0.15, 0.6, 0.075) },
  'gpt-4-turbo': { ...OPENAI_CHAT, structuredOutput: false, contextWindow: 128_000, maxOutputTokens: 4096, pricing: price(10, 30) },
  'gpt-3.5-turbo': { vision: false, tools: true, structuredOutput: false, contextWindow: 16_385, maxOutputTokens: 4096, pricing: price(0.5, 1.5) },
  o1: { ...OPENAI_CHAT, contextWindow: 200_000, maxOutputTokens: 100_000, pricing: price(15, 60, 7.5) },
  o3: { ...OPENAI_CHAT, contextWindow: 200_000, maxOutputTokens: 100_000, pricing: price(2, 8, 0.5) },
  'o3-mini': { ...OPENAI_CHAT, vision: false, contextWindow: 200_000, maxOutputTokens: 100_000, pricing: price(1.1, 4.4, 0.55) },
  'o4-mini': { ...OPENAI_CHAT, contextWindow: 200_000, maxOutputTokens: 100_000, pricing: price(1.1, 4.4, 0.275) },
  'text-embedding-3-small': { embeddings: true, contextWindow: 8191, pricing: price(0.02, 0) },
  'text-embedding-3-large': { embeddings: true, contextWindow: 8191, pricing: price(0.13, 0) },
  'text-embedding-ada-002': { embeddings: true, contextWindow: 8191, pricing: price(0.1, 0) },

  'claude-opus-4-5': { ...CLAUDE, maxOutputTokens: 64_000, pricing: price(5, 25, 0.5, 6.25) },
  'claude-opus-4-1': { ...CLAUDE, maxOutputTokens: 32_000, pricing: price(15, 75, 1.5, 18.75) },
  'claude-opus-4': { ...CLAUDE, maxOutputTokens: 32_000, pricing: price(15, 75, 1.5, 18.75) },
  'claude-sonnet-4-5': { ...CLAUDE, maxOutputTokens: 64_000, pricing: price(3, 15, 0.3, 3.75) },
  'claude-sonnet-4': { ...CLAUDE, maxOutputTokens: 64_000, pricing: price(3, 15, 0.3, 3.75) },
  'claude-haiku-4-5': { ...CLAUDE, maxOutputTokens: 64_000, pricing: price(1, 5, 0.1, 1.25) },
  'claude-3-7-sonnet': { ...CLAUDE, maxOutputTokens: 64_000, pricing: price(3, 15, 0.3, 3.75) },
  'claude-3-5-sonnet': { ...CLAUDE, maxOutputTokens: 8192, pricing: price(3, 15, 0.3, 3.75) },
  'claude-3-5-haiku': { ...CLAUDE, maxOutputTokens: 8192, pricing: price(0.8, 4, 0.08, 1) },
  'claude-3-opus': { ...CLAUDE, maxOutputTokens: 4096, pricing: price(15, 75, 1.5, 18.75) },
  'claude-3-haiku': { ...CLAUDE, structuredOutput: false, maxOutputTokens: 4096, pricing: price(0.25, 1.25, 0.03, 0.3) },

  'gemini-2.5-pro': { ...GEMINI, maxOutputTokens: 65_536, pricing: price(1.25, 10, 0.31) },
  'gemini-2.5-flash': { ...GEMINI, maxOutputTokens: 65_536, pricing: price(0.3, 2.5, 0.075) },
  'gemini-2.5-flash-lite': { ...GEMINI, maxOutputTokens: 65_536, pricing: price(0.1, 0.4, 0.025) },
  'gemini-2.0-flash': { ...GEMINI, maxOutputTokens: 8192, pricing: price(0.1, 0.4, 0.025) },
  'gemini-2.0-flash-lite': { ...GEMINI, maxOutputTokens: 8192, pricing: price(0.075, 0.3) },
  'gemini-1.5-pro': { ...GEMINI, contextWindow: 2_097_152, maxOutputTokens: 8192, pricing: price(1.25, 5, 0.3125) },
  'gemini-1.5-flash': { ...GEMINI, maxOutputTokens: 8192, pricing: price(0.075, 0.3, 0.01875) },
  'gemini-embedding-001': { embeddings: true, contextWindow: 2048, pricing: price(0.15, 0) },
  'text-embedding-004': { embeddings: true, contextWindow: 2048, pricing: price(0, 0) },
};
