import { contract } from '@switchyard/core';
import type { ModelPricing } from '@switchyard/plugin-models/contract';

/**
 * What the caller asked of routing, from `x-switchyard-*` headers and the optional
 * `switchyard` object of the body (which never reaches an upstream). Header values win
 * over body values for the same setting; tags from both are merged.
 */
export interface RouteConstraints {
  /** Largest blended price accepted, in USD per 1k tokens (see blendedPricePer1k). */
  readonly maxCostPer1k?: number;
  /** Instance names or provider types never to use. */
  readonly excludeProviders?: readonly string[];
  /** Instances configured `local: true` go first. */
  readonly preferLocal?: boolean;
  /** Ordering strategy by name (the strategies plugin knows the names). */
  readonly strategy?: string;
  /** Tags every target must carry, `!tag` for tags none may carry (read by tag routing). */
  readonly tags?: readonly string[];
}

/** The request's constraints, set on the exchange at the start of selectRoute (read by strategies and tag routing). */
export const ROUTE_CONSTRAINTS = contract<RouteConstraints>('constraints:request');

/**
 * Blended price in USD per 1k tokens: (3 × input + output) / 4 of the per-1M prices, the usual
 * 3:1 input-to-output mix, divided by 1000. What `x-switchyard-max-cost` is compared with.
 */
export function blendedPricePer1k(pricing: ModelPricing): number {
  return (3 * pricing.input + pricing.output) / 4 / 1000;
}
