import { listPrice as price } from '@switchyard/plugin-models/contract';
import type { ModelInfo } from '@switchyard/plugin-models/contract';

const GEMINI = { contextWindow: 1_048_576, vision: true, tools: true, structuredOutput: true } as const;
/** Gemini 2.5 and later think (thinkingConfig); earlier models refuse it. */
const THINKING = { reasoning: true } as const;
const NO_THINKING = { reasoning: false } as const;
/**
 * Grounding with Google Search, USD per 1,000 searches as the gateway counts them: Gemini 2.x bills
 * per grounded prompt (one search, however many queries it ran; beyond the free daily allowance),
 * $35. (Gemini 3 bills per search query, $14: a catalog entry can say so. Gemini 1.5 takes no
 * `google_search` tool: the gateway does not search there.)
 */
const GROUNDING = 35;
/** List prices with the search grounding's. */
const grounded = (input: number, output: number, cachedRead?: number) => ({
  ...price(input, output, cachedRead),
  webSearch: GROUNDING,
});

/** The whole request's price, output included, once its prompt (cached content too) passes 200K tokens. */
const overPrompt200k = (input: number, output: number, cachedRead: number) =>
  ({ above: 200_000, input, output, cachedRead }) as const;

/**
 * Gemini models with their standard-tier list prices as this release knows them (check them against the provider's price page), contributed to the
 * gateway's model table. A dated name (`…-2024-08-06`, `…-20250929`) falls back to the longest
 * entry it starts with; config `catalog:` overrides any field.
 */
export const GEMINI_MODELS: Readonly<Record<string, ModelInfo>> = {
  'gemini-2.5-pro': {
    ...GEMINI,
    ...THINKING,
    maxOutputTokens: 65_536,
    pricing: { ...grounded(1.25, 10, 0.31), longContext: overPrompt200k(2.5, 15, 0.625) },
  },
  'gemini-2.5-flash': { ...GEMINI, ...THINKING, maxOutputTokens: 65_536, pricing: grounded(0.3, 2.5, 0.075) },
  'gemini-2.5-flash-lite': { ...GEMINI, ...THINKING, maxOutputTokens: 65_536, pricing: grounded(0.1, 0.4, 0.025) },
  'gemini-2.0-flash': { ...GEMINI, ...NO_THINKING, maxOutputTokens: 8192, pricing: grounded(0.1, 0.4, 0.025) },
  'gemini-2.0-flash-lite': { ...GEMINI, ...NO_THINKING, maxOutputTokens: 8192, pricing: grounded(0.075, 0.3) },
  'gemini-1.5-pro': {
    ...GEMINI,
    ...NO_THINKING,
    contextWindow: 2_097_152,
    maxOutputTokens: 8192,
    pricing: price(1.25, 5, 0.3125),
  },
  'gemini-1.5-flash': { ...GEMINI, ...NO_THINKING, maxOutputTokens: 8192, pricing: price(0.075, 0.3, 0.01875) },
  'gemini-embedding-001': { embeddings: true, contextWindow: 2048, pricing: price(0.15, 0) },
  'text-embedding-004': { embeddings: true, contextWindow: 2048, pricing: price(0, 0) },
};
