import type { Usage } from '@switchyard/core/protocol';
import type { ModelPricing } from '@switchyard/plugin-models/contract';
import type { CacheTtl } from './options.js';

export interface CacheUsage {
  readTokens: number;
  writeTokens: number;
}

export function cacheUsageOf(usage: Usage | undefined): CacheUsage {
  const details = usage?.prompt_tokens_details;
  return { readTokens: details?.cached_tokens ?? 0, writeTokens: details?.cache_write_tokens ?? 0 };
}

/**
 * USD the provider's cache saved against sending the same input uncached: reads cost
 * `cachedRead` instead of `input`, writes cost `cacheWrite` (`cacheWrite1h`, else 2x input, for
 * Anthropic's 1-hour cache) instead of `input`. Negative when a write was not yet paid back by reads.
 */
export function savedUsd(pricing: ModelPricing, cache: CacheUsage, ttl: CacheTtl | undefined): number {
  const read = pricing.cachedRead ?? pricing.input;
  const write = ttl === '1h' ? (pricing.cacheWrite1h ?? pricing.input * 2) : (pricing.cacheWrite ?? pricing.input);
  return (cache.readTokens * (pricing.input - read) - cache.writeTokens * (write - pricing.input)) / 1_000_000;
}
