import { contract } from '@switchyard/core';
import type { CostBreakdown, TokenCounts } from './price.js';

export type { CostBreakdown, PriceInForce, TokenCounts } from './price.js';
/** The plugin's name: its config section, and what plugins that need it look for. */
export const PLUGIN = 'pricing';

export {
  costOf,
  formatUsd,
  instantOf,
  longContextPrice,
  priceAt,
  promptTokensOf,
  ratesOf,
  requestedSearchesOf,
  searchFeeOf,
  serviceTierOf,
  tierPrice,
  tierRequestOf,
  tokensOf,
  TOKEN_KINDS,
  webSearchesOf,
  worstCaseUsd,
} from './price.js';

/** One attempt's cost: its usage split by token kind, each at the price in force at the request's time. */
export interface AttemptCost {
  readonly attempt: number;
  /** `instance/model`. */
  readonly target: string;
  /** The model the attempt was sent to (as the upstream knows it). */
  readonly model: string;
  readonly usd: number;
  readonly tokens: TokenCounts;
  readonly breakdown: CostBreakdown;
  /** The `from` of the price version applied; absent: the model's base price. */
  readonly priceFrom?: string;
  /** The price tier priced (the request's `service_tier`, `speed` or `inference_geo`: serviceTierOf); absent: the standard one. */
  readonly tier?: string;
  /** The prompt tokens above which the long-context price applied (its `above`); absent: it did not. */
  readonly longContextAbove?: number;
  /** Web searches that ran, and their fee (part of `usd`, not of `breakdown`; no fee when the price has no `webSearch`). */
  readonly webSearches?: number;
  readonly webSearchUsd?: number;
  /**
   * Usage billed at another model's price (canonical usage's `other_models`: Anthropic's advisor
   * tool's calls), each at that model's price in force (part of `usd`; `tokens` and `breakdown` are the rest's).
   */
  readonly otherModels?: readonly OtherModelCost[];
}

/** What an attempt's usage billed at another model's price (an advisor's) cost. */
export interface OtherModelCost {
  readonly model: string;
  readonly usd: number;
  readonly tokens: TokenCounts;
}

/**
 * A request's cost, set on the exchange by the pricing plugin as each attempt reports usage
 * (so it is complete by `onFinish`): every billed attempt, usually the one that served.
 */
export interface RequestCost {
  /** USD over the priced attempts. */
  readonly usd: number;
  readonly attempts: readonly AttemptCost[];
  /**
   * Targets that reported usage with no known price (their tokens are not in `usd`), or whose
   * web searches have none (no `webSearch`: their tokens are in `usd`, the searches are not), or
   * whose usage billed at another model's price names one without a known price (`<target> (<model>)`:
   * those tokens are in `usd` at the target's price).
   */
  readonly unpriced: readonly string[];
  /** Epoch ms the request is priced at (its start). */
  readonly at: number;
}

/** The request's cost (exchange value), for the request log, metrics, the console and budgets. */
export const PRICING_COST = contract<RequestCost>('pricing:cost');
