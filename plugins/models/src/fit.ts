import type { Exchange, Gateway, SwitchyardConfig } from '@switchyard/core';
import { MODEL_INFO } from './table-contract.js';
import { fitOutputTokens } from './model-info.js';

/** Per config: the aliases whose `routing.fitOutputTokens` overrides the top-level one. */
const fitOverrides = new WeakMap<SwitchyardConfig, ReadonlyMap<string, boolean>>();

/**
 * fitOutputTokens() for the exchange's current target: the model table's limit for it, with
 * `routing.fitOutputTokens` (or the requested alias's override). `field` names the caller's
 * field in the warning. What a provider plugin calls wherever it writes the output-token field;
 * without the models plugin (no table) it is `asked`.
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
  const { config } = gateway;
  let overrides = fitOverrides.get(config);
  if (!overrides) {
    overrides = new Map(
      config.models.flatMap((a) =>
        a.routing?.fitOutputTokens === undefined ? [] : [[a.name, a.routing.fitOutputTokens] as const],
      ),
    );
    fitOverrides.set(config, overrides);
  }
  const fit = overrides.get(x.model) ?? config.routing.fitOutputTokens;
  return fitOutputTokens(asked, table.forTarget(x.target), fit, (m) => x.warn(m), field);
}
