import { exchangeKey } from './exchange.js';
import type { ChatCompletion } from './protocols/canonical.js';

/**
 * Exchange keys that several plugins share. Plugins never import each other; when one
 * publishes a value another reads, the key lives here, in core.
 */

/**
 * The request's affinity key (a stable hash naming its conversation or prompt prefix), set by
 * the load balancer at stage ORDER. A prompt-cache plugin can read it to group requests.
 */
export const AFFINITY_KEY = exchangeKey<string>('affinity');

/**
 * The answer an attempt served, as one canonical completion, set by core before `onResult`
 * reports a successful chat attempt of an exchange whose `captureResponse` is true (a response
 * cache asks for it in beforeRoute). Never set for failed, cancelled or cut-short attempts.
 */
export const CAPTURED_COMPLETION = exchangeKey<ChatCompletion>('captured-completion');

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

/** Set by a prompt-cache plugin on each attempt it adjusts; updated with usage at onResult. */
export const PROMPT_CACHE_STATS = exchangeKey<PromptCacheStats>('prompt-cache');

/**
 * How a cache answered this request (`hit`, `miss`, `bypass`, `stored` ...), set by a caching
 * plugin; the request log line and metrics report it.
 */
export const CACHE_OUTCOME = exchangeKey<string>('cache');

/**
 * Set at stage ORDER by a plugin that ranked the candidates itself (the strategies plugin):
 * who ranked them and each target's score (higher is better). A load balancer that sees it
 * keeps that order, applying stickiness only between targets of equal score.
 */
export const ROUTE_ORDERED = exchangeKey<{ readonly by: string; readonly scores: Readonly<Record<string, number>> }>('route-ordered');
