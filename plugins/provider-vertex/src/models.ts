import { claudeLongContext, claudePrice, listPrice as price } from '@switchyard/plugin-models/contract';
import type { ModelInfo } from '@switchyard/plugin-models/contract';

const CLAUDE = { contextWindow: 200_000, vision: true, tools: true, structuredOutput: true } as const;
const GEMINI = { contextWindow: 1_048_576, vision: true, tools: true, structuredOutput: true } as const;
/** Web searches (Anthropic's `web_search` server tool, which Vertex runs for Claude), USD per 1,000. */
const WEB_SEARCH = 10;

/** Grounding with Google Search for Gemini 2.5, USD per 1,000 grounded prompts (as on the Gemini API). */
const GROUNDING = 35;

/** A Claude price (claudePrice) with Vertex's web search fee. */
function searching(...rates: Parameters<typeof claudePrice>): NonNullable<ModelInfo['pricing']> {
  return { ...claudePrice(...rates), webSearch: WEB_SEARCH };
}
/** Claude Sonnet 4 and 4.5 with the 1M-token context window: the whole request past 200K prompt tokens, as on Anthropic's API. */
const SONNET_4_LONG_CONTEXT = claudeLongContext(6, 22.5);

/**
 * Vertex AI models as published, with list prices (USD per 1M tokens, from Google Cloud's Vertex
 * AI price page, last checked 2025-11: confirm against your contract, and override in config
 * `catalog:`, per instance with `instance/model` keys), contributed to the gateway's model table.
 * Claude on Vertex is named `model@version`; its prices are Anthropic's, on the `global` location:
 * from Claude 4.5 on, regional locations (`us-east5`, `europe-west1`, …) cost 10% more. Gemini
 * 2.5 costs what it costs on the Gemini API; Gemini 2.5 Pro and Claude Sonnet 4 / 4.5 (1M-token
 * context) cost more for the whole request once the prompt passes 200K tokens (`longContext`).
 */
export const VERTEX_MODELS: Readonly<Record<string, ModelInfo>> = {
  'claude-opus-4-5@20251101': { ...CLAUDE, maxOutputTokens: 64_000, pricing: searching(5, 25, 0.5, 6.25) },
  'claude-sonnet-4-5@20250929': {
    ...CLAUDE,
    maxOutputTokens: 64_000,
    pricing: { ...searching(3, 15, 0.3, 3.75), longContext: SONNET_4_LONG_CONTEXT },
  },
  'claude-haiku-4-5@20251001': { ...CLAUDE, maxOutputTokens: 64_000, pricing: searching(1, 5, 0.1, 1.25) },
  'claude-opus-4-1@20250805': { ...CLAUDE, maxOutputTokens: 32_000, pricing: searching(15, 75, 1.5, 18.75) },
  'claude-opus-4@20250514': { ...CLAUDE, maxOutputTokens: 32_000, pricing: searching(15, 75, 1.5, 18.75) },
  'claude-sonnet-4@20250514': {
    ...CLAUDE,
    maxOutputTokens: 64_000,
    pricing: { ...searching(3, 15, 0.3, 3.75), longContext: SONNET_4_LONG_CONTEXT },
  },
  'claude-3-7-sonnet@20250219': { ...CLAUDE, maxOutputTokens: 64_000, pricing: searching(3, 15, 0.3, 3.75) },
  'claude-3-5-haiku@20241022': { ...CLAUDE, maxOutputTokens: 8192, pricing: searching(0.8, 4, 0.08, 1) },
  'claude-3-haiku@20240307': {
    ...CLAUDE,
    structuredOutput: false,
    maxOutputTokens: 4096,
    pricing: claudePrice(0.25, 1.25, 0.03, 0.3),
  },
  'gemini-2.5-pro': {
    ...GEMINI,
    maxOutputTokens: 65_536,
    pricing: {
      ...price(1.25, 10, 0.31),
      webSearch: GROUNDING,
      longContext: { above: 200_000, input: 2.5, output: 15, cachedRead: 0.625 },
    },
  },
  'gemini-2.5-flash': {
    ...GEMINI,
    maxOutputTokens: 65_536,
    pricing: { ...price(0.3, 2.5, 0.075), webSearch: GROUNDING },
  },
  'gemini-2.5-flash-lite': {
    ...GEMINI,
    maxOutputTokens: 65_536,
    pricing: { ...price(0.1, 0.4, 0.025), webSearch: GROUNDING },
  },
};
