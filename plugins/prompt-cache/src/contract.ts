import { contract } from '@switchyard/core';

/** What a prompt-cache plugin did to a request and what the provider's cache saved it. */
export interface PromptCacheStats {
  /** cache_control breakpoints the gateway placed on the attempt's wire request. */
  breakpoints: number;
  /** Breakpoints the caller had set (left untouched). */
  clientBreakpoints: number;
  /** Where the gateway put its breakpoints: `tools`, `system`, `messages.<i>`. */
  placed: string[];
  /** True when the gateway set OpenAI's prompt_cache_key. */
  promptCacheKey: boolean;
  /** Input tokens read from the provider's cache, once the answer's usage is known. */
  readTokens?: number;
  /** Input tokens written to it. */
  writeTokens?: number;
  /**
   * USD saved against sending the same input uncached (negative when a write cost more than the
   * reads saved); undefined when the model's price is unknown.
   */
  savedUsd?: number;
}

/** Set by the prompt-cache plugin on each attempt it adjusts; updated with usage at onResult. */
export const PROMPT_CACHE_STATS = contract<PromptCacheStats>('prompt-cache:stats');
