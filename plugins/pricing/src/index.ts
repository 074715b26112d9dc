import type { Static } from '@sinclair/typebox';
import { definePlugin, Type } from '@switchyard/core';
import { MODEL_INFO } from '@switchyard/plugin-models/contract';
import type { ModelInfoTable } from '@switchyard/plugin-models/contract';
import type { AttemptResult, Exchange, Gateway, Plugin } from '@switchyard/core';
import { PLUGIN, PRICING_COST } from './contract.js';
import { splitByModel } from './other-models.js';
import type { AttemptCost, RequestCost } from './contract.js';
import {
  costOf,
  formatUsd,
  longContextPrice,
  priceAt,
  promptTokensOf,
  requestedSearchesOf,
  searchFeeOf,
  serviceTierOf,
  tierRequestOf,
  tierPrice,
  tokensOf,
  webSearchesOf,
} from './price.js';

export * from './contract.js';

/** The response header carrying a non-streamed request's cost, when `header` is on. */
export const COST_HEADER = 'x-switchyard-cost';

export const optionsSchema = Type.Object(
  {
    header: Type.Boolean({
      default: false,
      description: `Send the request's cost in USD as \`${COST_HEADER}\` on non-streamed answers (a stream's headers leave before its usage is known: its cost is in the request log, the metrics and the spend records).`,
    }),
  },
  { additionalProperties: false },
);

export type PricingOptions = Static<typeof optionsSchema>;

export interface PricingSetup {
  /** Epoch ms now; a test's clock decides which price version applies. @default Date.now */
  readonly now?: () => number;
  /**
   * Most distinct "no price known" warnings logged: they name the target and the tier a request
   * asked for (a caller's `service_tier`, a prefix-claimed model), so a caller could otherwise
   * fill memory and the log with them. @default 1000
   */
  readonly maxWarnings?: number;
}

/**
 * Each request's exact cost from the usage its provider reported, at the model table's price
 * in force at the request's start (`catalog:` overrides over provider plugins' prices), set on
 * the exchange as `pricing:cost` for the request log (`costUsd`), metrics, the console and budgets.
 */
export function pricing(setup: PricingSetup = {}): Plugin<PricingOptions> {
  const now = setup.now ?? Date.now;
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    provides: [PRICING_COST],
    needs: [MODEL_INFO],
    apply(gateway, options) {
      const warned = new Warned(gateway, setup.maxWarnings ?? 1000);
      const table = gateway.need(MODEL_INFO);
      gateway.hooks.onResult.tap(PLUGIN, (result, x) => {
        if (!result.usage) return;
        const cost = price(gateway, table, result, x, now, warned);
        x.set(PRICING_COST, cost);
        // An unknown price is not a cost of 0: nothing is said rather than something false.
        if (cost.unpriced.length) x.setLogField('unpriced', cost.unpriced);
        if (cost.attempts.length === 0) return;
        x.setLogField('costUsd', cost.usd);
        if (options.header && !result.stream && result.outcome === 'success' && cost.unpriced.length === 0)
          x.setResponseHeader(COST_HEADER, formatUsd(cost.usd));
      });
    },
  });
}
export default pricing;

const NONE: readonly string[] = [];
const NO_ATTEMPTS: readonly AttemptCost[] = [];

/**
 * The warnings logged so far, at most `max`; one more line says the rest go unlogged. Each is
 * known by its target and what about it (a kind, the tier asked for, another model): a request
 * warned of before builds no message.
 */
class Warned {
  readonly #seen = new Map<string, Set<string>>();
  #count = 0;
  #full = false;

  constructor(
    private readonly gateway: Gateway,
    private readonly max: number,
  ) {}

  /** Whether `about` `target` is to be warned of now: not yet, and not past the most. Counts it as warned. */
  isNew(target: string, about: string): boolean {
    if (this.#full) return false;
    let seen = this.#seen.get(target);
    if (seen?.has(about)) return false;
    if (this.#count >= this.max) {
      this.#full = true;
      this.gateway.logger.warn(
        { plugin: PLUGIN },
        `${this.max} unpriced targets and tiers warned of: further ones are not logged (the request log's \`unpriced\` still names them)`,
      );
      return false;
    }
    if (!seen) this.#seen.set(target, (seen = new Set()));
    seen.add(about);
    this.#count++;
    return true;
  }

  log(target: string, tier: string | undefined, warning: string): void {
    this.gateway.logger.warn({ plugin: PLUGIN, target, ...(tier ? { tier } : {}) }, warning);
  }
}

/**
 * What an attempt leaves unpriced, each warned of once: its target when it has no price (or its
 * searches none), `<target> (<model>)` for another model's tokens (an advisor's) without one.
 * Nothing is built for an attempt priced whole, the usual case.
 */
function unpricedOf(
  warned: Warned,
  target: string,
  body: Record<string, unknown>,
  tier: string | undefined,
  priced: boolean,
  feePriced: boolean,
  models: readonly string[],
): readonly string[] {
  if (priced && feePriced && models.length === 0) return NONE;
  const atTier = tier ? ` at ${tierRequestOf(body)}` : '';
  const unpriced = priced && feePriced ? [] : [target];
  if (!priced) {
    if (warned.isNew(target, `tokens${atTier}`))
      warned.log(
        target,
        tier,
        `no price known for ${target}${atTier}: its requests are not priced (add pricing under catalog:)`,
      );
  } else if (!feePriced) {
    if (warned.isNew(target, 'searches'))
      warned.log(
        target,
        tier,
        `no web search price known for ${target}: its web searches are not priced (add webSearch to its pricing under catalog:)`,
      );
  }
  for (const model of models) {
    unpriced.push(`${target} (${model})`);
    if (warned.isNew(target, `model ${model}${atTier}`))
      warned.log(
        target,
        tier,
        `no price known for ${model}${atTier}, billed for part of ${target}'s answers (an advisor's): those tokens are priced at ${target}'s price (add pricing under catalog:)`,
      );
  }
  return unpriced;
}

/** `a` then `b`, as one of them when the other is empty. */
function joined(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  return a.length === 0 ? b : [...a, ...b];
}

/** The request's cost so far with this attempt's added. */
function price(
  gateway: Gateway,
  table: ModelInfoTable,
  result: AttemptResult,
  x: Exchange,
  now: () => number,
  warned: Warned,
): RequestCost {
  const before = x.get(PRICING_COST);
  const at = before?.at ?? now() - (performance.now() - x.timings.start);
  const pricing = table.forTarget(result.target)?.pricing;
  const tier = serviceTierOf(x.body);
  const inForce = pricing && priceAt(pricing, at);
  const listed = inForce && tierPrice(inForce.price, tier);
  // Parts billed at another model's price (an advisor's) are priced apart; the rest at the target's.
  const split = splitByModel(result.usage!, tokensOf(result.usage!), table, result.target.instance.name, at, tier);
  const tokens = split.own;
  // A prompt past the price's long-context threshold is billed, output included, at its long-context price.
  const price = listed && longContextPrice(listed, promptTokensOf(tokens));
  const searches = Math.max(webSearchesOf(result.usage!), requestedSearchesOf(x.body, result.target.model));
  const fee = price && searchFeeOf(price, searches);
  // Searches without a price leave the fee unpriced, never the tokens: they are charged all the same.
  const unpricedNow = unpricedOf(warned, result.target.id, x.body, tier, !!price, fee !== undefined, split.unpriced);
  const unpriced = joined(before?.unpriced ?? NONE, unpricedNow);
  if (!price) return { usd: before?.usd ?? 0, attempts: before?.attempts ?? NO_ATTEMPTS, unpriced, at };
  const cost = costOf(price, tokens);
  const usd = split.others.reduce((sum, other) => sum + other.usd, cost.usd + (fee ?? 0));
  const attempt: AttemptCost = {
    attempt: result.attempt,
    target: result.target.id,
    model: result.target.model,
    usd,
    tokens,
    breakdown: cost.breakdown,
    ...(inForce!.from === undefined ? {} : { priceFrom: inForce!.from }),
    ...(tier ? { tier } : {}),
    ...(price === listed ? {} : { longContextAbove: listed!.longContext!.above }),
    ...(searches ? { webSearches: searches, ...(fee === undefined ? {} : { webSearchUsd: fee }) } : {}),
    ...(split.others.length ? { otherModels: split.others } : {}),
  };
  return { usd: (before?.usd ?? 0) + usd, attempts: [...(before?.attempts ?? []), attempt], unpriced, at };
}
