import type { Exchange, Gateway } from '@switchyard/core';
import { ROUTING_OVERRIDES } from '@switchyard/core/routing';
import { MODEL_INFO } from './table-contract.js';
import { fitOutputTokens } from './model-info.js';

/**
 * fitOutputTokens() for the exchange's current target: the model table's limit for it, with
 * `routing.fitOutputTokens` (or the request's override, e.g. its alias's). `field` names the
 * caller's field in the warning. What a provider plugin calls wherever it writes the
 * output-token field; without the models plugin (no table) it is `asked`.
 */
export function targetOutputTokens(
  gateway: Pick<Gateway, 'config' | 'contract'>,
  x: Exchange,
  asked: number | null | undefined,
  field = 'max_tokens',
): number | undefined {
  if (asked == null || !x.target) return asked ?? undefined;
  const table = gateway.contract(MODEL_INFO);
  if (!table) return asked;
  const fit = x.get(ROUTING_OVERRIDES)?.fitOutputTokens ?? gateway.config.routing.fitOutputTokens;
  return fitOutputTokens(asked, table.forTarget(x.target), fit, (m) => x.warn(m), field);
}
