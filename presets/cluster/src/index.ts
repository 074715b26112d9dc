import type { ConfigInput, Plugin, Preset } from '@switchyard/core';
import { configFromEnv as standardFromEnv, standard } from '@switchyard/preset-standard';
import type { EnvConfig } from '@switchyard/preset-standard';

export const PRESET = 'cluster';
const CHECK = 'cluster-store-check';

/** Warns at startup when a replica of a cluster runs without the shared Redis store. */
function storeCheck(): Plugin {
  return {
    name: CHECK,
    apply(gateway) {
      if (gateway.store.kind !== 'redis') {
        gateway.logger.warn(
          'preset cluster: store.type is not "redis": this replica keeps limits, sessions and breaker states to itself',
        );
      }
    },
  };
}

/** preset-standard (keys, limits, providers, breaker, balancer) plus a check that the store is shared. */
export function cluster(): Preset {
  return { name: PRESET, plugins: [...standard().plugins, storeCheck()] };
}

/**
 * The embedded default: preset-standard's providers from the environment, plus
 * `store: { type: redis, url: $REDIS_URL (default redis://127.0.0.1:6379), keyPrefix: $SWITCHYARD_KEY_PREFIX }`.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const base = standardFromEnv(env);
  const url = env.REDIS_URL || 'redis://127.0.0.1:6379';
  const keyPrefix = env.SWITCHYARD_KEY_PREFIX;
  const config: ConfigInput = { ...base.config, store: { type: 'redis', url, ...(keyPrefix ? { keyPrefix } : {}) } };
  return { config, notes: [...base.notes, `shared store: Redis at ${new URL(url).host}`] };
}

export default cluster;
