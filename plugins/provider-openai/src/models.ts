import { listPrice as price } from '@switchyard/plugin-models/contract';
import type { ModelInfo, ModelPricing } from '@switchyard/plugin-models/contract';

/**
 * Hosted web search, per 1,000 calls beside the tokens: $10 for the reasoning models (the search
 * tool and its preview alike); $25 for the others' `web_search_preview` (the search tool itself
 * costs them $10: a catalog entry can say so).
 */
const SEARCH_REASONING = 10;
const SEARCH_CHAT = 25;

const reasoningPrice = (input: number, output: number, cachedRead: number): ModelPricing => ({
  ...price(input, output, cachedRead),
  webSearch: SEARCH_REASONING,
});
const chatPrice = (input: number, output: number, cachedRead: number): ModelPricing => ({
  ...price(input, output, cachedRead),
  webSearch: SEARCH_CHAT,
});

const OPENAI_CHAT = { vision: true, tools: true, structuredOutput: true, reasoning: false } as const;
/** The reasoning models (gpt-5, o-series): they take `reasoning_effort`. */
const OPENAI_REASONING = { ...OPENAI_CHAT, reasoning: true } as const;

/** GPT-3.5 Turbo and its snapshots: text only, tools without structured outputs. */
const GPT_35 = {
  vision: false,
  tools: true,
  structuredOutput: false,
  reasoning: false,
  contextWindow: 16_385,
  maxOutputTokens: 4096,
} as const;

/**
 * OpenAI models with their standard-tier list prices as this release knows them (check them against the provider's price page), contributed to the
 * gateway's model table. A dated name (`…-2024-08-06`, `…-20250929`) falls back to the longest
 * entry it starts with, unless it has an entry of its own (a snapshot priced apart from its
 * family); config `catalog:` overrides any field.
 */
export const OPENAI_MODELS: Readonly<Record<string, ModelInfo>> = {
  'gpt-5': {
    ...OPENAI_REASONING,
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    pricing: reasoningPrice(1.25, 10, 0.125),
  },
  'gpt-5-mini': {
    ...OPENAI_REASONING,
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    pricing: reasoningPrice(0.25, 2, 0.025),
  },
  'gpt-5-nano': {
    ...OPENAI_REASONING,
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    pricing: reasoningPrice(0.05, 0.4, 0.005),
  },
  /** gpt-5-chat-latest: ChatGPT's model, which does not reason (tools and structured output are not listed, so not known). */
  'gpt-5-chat': {
    vision: true,
    reasoning: false,
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    pricing: price(1.25, 10, 0.125),
  },
  'gpt-4.1': { ...OPENAI_CHAT, contextWindow: 1_047_576, maxOutputTokens: 32_768, pricing: chatPrice(2, 8, 0.5) },
  'gpt-4.1-mini': {
    ...OPENAI_CHAT,
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: chatPrice(0.4, 1.6, 0.1),
  },
  'gpt-4.1-nano': {
    ...OPENAI_CHAT,
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: chatPrice(0.1, 0.4, 0.025),
  },
  'gpt-4o': { ...OPENAI_CHAT, contextWindow: 128_000, maxOutputTokens: 16_384, pricing: chatPrice(2.5, 10, 1.25) },
  // Dated snapshots priced apart from their family: as the family they would cost half their input.
  'gpt-4o-2024-05-13': {
    ...OPENAI_CHAT,
    structuredOutput: false,
    contextWindow: 128_000,
    maxOutputTokens: 4096,
    pricing: price(5, 15),
  },
  'gpt-4o-mini': {
    ...OPENAI_CHAT,
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    pricing: chatPrice(0.15, 0.6, 0.075),
  },
  'gpt-4-turbo': {
    ...OPENAI_CHAT,
    structuredOutput: false,
    contextWindow: 128_000,
    maxOutputTokens: 4096,
    pricing: price(10, 30),
  },
  'gpt-3.5-turbo': { ...GPT_35, pricing: price(0.5, 1.5) },
  'gpt-3.5-turbo-1106': { ...GPT_35, pricing: price(1, 2) },
  'gpt-3.5-turbo-0613': { ...GPT_35, contextWindow: 4096, pricing: price(1.5, 2) },
  o1: { ...OPENAI_REASONING, contextWindow: 200_000, maxOutputTokens: 100_000, pricing: reasoningPrice(15, 60, 7.5) },
  o3: { ...OPENAI_REASONING, contextWindow: 200_000, maxOutputTokens: 100_000, pricing: reasoningPrice(2, 8, 0.5) },
  'o3-mini': {
    ...OPENAI_REASONING,
    vision: false,
    contextWindow: 200_000,
    maxOutputTokens: 100_000,
    pricing: reasoningPrice(1.1, 4.4, 0.55),
  },
  'o4-mini': {
    ...OPENAI_REASONING,
    contextWindow: 200_000,
    maxOutputTokens: 100_000,
    pricing: reasoningPrice(1.1, 4.4, 0.275),
  },
  'text-embedding-3-small': { embeddings: true, contextWindow: 8191, pricing: price(0.02, 0) },
  'text-embedding-3-large': { embeddings: true, contextWindow: 8191, pricing: price(0.13, 0) },
  'text-embedding-ada-002': { embeddings: true, contextWindow: 8191, pricing: price(0.1, 0) },
};
