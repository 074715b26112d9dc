import type { Usage } from '@switchyard/core/protocol';
import type { ModelInfoTable } from '@switchyard/plugin-models/contract';
import type { OtherModelCost } from './contract.js';
import { TOKEN_KINDS, costOf, longContextPrice, priceAt, promptTokensOf, tierPrice, tokensOf } from './price.js';
import type { TokenCounts } from './price.js';

/** An attempt's usage split by the model whose price bills it. */
export interface SplitUsage {
  /** The tokens billed at the attempt's own model's price. */
  readonly own: TokenCounts;
  /** The parts billed at another model's price, priced. */
  readonly others: readonly OtherModelCost[];
  /** Models of parts with no known price (at the tier): their tokens are left in `own`. */
  readonly unpriced: readonly string[];
}

const NO_OTHERS: readonly OtherModelCost[] = [];
const NO_MODELS: readonly string[] = [];

/**
 * Splits `tokens` (all of `usage`) into the parts canonical usage's `other_models` bills at another
 * model's price (Anthropic's advisor tool: the advisor model's), each priced at that model's price
 * in force at `at` for `tier` (its long-context price by its own prompt; the model looked up in `table`
 * as `instance` names it), and the rest.
 */
export function splitByModel(
  usage: Usage,
  tokens: TokenCounts,
  table: ModelInfoTable,
  instance: string,
  at: number,
  tier: string | undefined,
): SplitUsage {
  if (!Array.isArray(usage.other_models)) return { own: tokens, others: NO_OTHERS, unpriced: NO_MODELS };
  const own = { ...tokens };
  const others: OtherModelCost[] = [];
  const unpriced: string[] = [];
  for (const part of usage.other_models) {
    if (typeof part?.model !== 'string') continue;
    const pricing = table.lookup(part.model, instance)?.pricing;
    const listed = pricing && tierPrice(priceAt(pricing, at).price, tier);
    if (!listed) {
      unpriced.push(part.model);
      continue;
    }
    const partTokens = tokensOf(part);
    // Never more than the whole holds.
    for (const kind of TOKEN_KINDS) {
      partTokens[kind] = Math.min(partTokens[kind], own[kind]);
      own[kind] -= partTokens[kind];
    }
    const { usd } = costOf(longContextPrice(listed, promptTokensOf(partTokens)), partTokens);
    others.push({ model: part.model, usd, tokens: partTokens });
  }
  return { own, others, unpriced };
}
