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

/**
 * Sends a request that sets no output limit the one a rule reserved for it (`by`: "the budget",
 * "the rate limit"), named in its warnings: else the upstream writes up to its own maximum, past
 * the reservation.
 */
export function sendOutputLimit(x: Exchange, tokens: number, by: string): void {
  if (x.protocol === 'openai-responses') {
    // As if the caller had set max_output_tokens: its own body goes to a Responses upstream.
    x.body.max_output_tokens = tokens;
    if (x.request) x.request.max_completion_tokens = tokens;
  } else if (x.request) x.request.max_tokens = tokens;
  else return;
  x.warn(`output limited to ${tokens} tokens, what ${by} reserves for a request that sets no limit`);
}
