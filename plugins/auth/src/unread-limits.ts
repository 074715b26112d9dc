import { errorCode, SwitchyardError } from '@switchyard/core';
import type { Gateway } from '@switchyard/core';
import type { GatewayKey, TableEntry } from './key-table.js';

/** The plugin that reads a key's `limits` (`x.caller.metadata.limits`), by name: no package dependency. */
const RATE_LIMIT_PLUGIN = 'rate-limit';

/** 503: the key carries limits and no plugin of this gateway counts them. */
export const LIMITS_UNAVAILABLE = errorCode('SWITCHYARD_ERR_LIMITS_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'policy',
  kind: 'limits_unavailable',
});

/** Whether the rate-limit plugin is in this gateway (left out of the preset: `false`; never registered: absent). */
export function limitsAreRead(gateway: Pick<Gateway, 'pluginOptions'>): boolean {
  const options = gateway.pluginOptions()[RATE_LIMIT_PLUGIN];
  return options !== undefined && options !== false;
}

/** Limits a key carries, as the rate limiter reads them: its `limits`, else a `limits` in its free-form metadata. */
function carriesLimits(entry: Pick<TableEntry, 'limits' | 'metadata'>): boolean {
  return entry.limits !== undefined || entry.metadata?.limits !== undefined;
}

/** A startup problem per config key with limits on a gateway that would serve it without them. */
export function unreadLimitProblems(keys: readonly TableEntry[]): string[] {
  return keys.flatMap((key, i) =>
    carriesLimits(key)
      ? [
          `plugins.auth.keys[${i}] (${key.name}): has limits, and the rate-limit plugin that counts them is not in this gateway (plugins.rate-limit): it would be served without them`,
        ]
      : [],
  );
}

/** The refusal of a run-time key given limits while nothing counts them, like a key with a budget while budgets are off. */
export function limitsUnavailable(key: GatewayKey): SwitchyardError | undefined {
  if (key.caller.metadata.limits === undefined) return undefined;
  return new SwitchyardError(
    LIMITS_UNAVAILABLE,
    `the key ${key.name} has limits, and the rate-limit plugin that counts them is not in this gateway (plugins.rate-limit): the request is refused rather than served without them`,
    { expose: true, publicCode: 'limits_unavailable' },
  );
}
