import { withOptions } from '@switchyard/core';
import type { ConfigInput, Preset } from '@switchyard/core';
import type { ProviderInput } from '@switchyard/core/config';
import { strategies } from '@switchyard/plugin-strategies';
import { tagRouting } from '@switchyard/plugin-tag-routing';
import { configFromEnv as standardFromEnv, standard } from '@switchyard/preset-standard';
import type { EnvConfig } from '@switchyard/preset-standard';

export const PRESET = 'smart-router';

/**
 * preset-standard, plus `tag:` routing and request tags, and the strategies plugin ordering
 * every request by the `balanced` score (cost, speed, quality, reliability) unless an alias,
 * a key or the request names another strategy. Capability filtering comes with preset-standard
 * (plugin-capabilities); model discovery is per provider (`discover: true`).
 */
export function smartRouter(): Preset {
  return {
    name: PRESET,
    plugins: [...standard().plugins, tagRouting(), withOptions(strategies(), { default: 'balanced' })],
  };
}

/**
 * The embedded default: preset-standard's providers from the environment, each listing its
 * upstream's models (`discover: true`), so `tag:` queries and capability filtering see every
 * model the keys can reach.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const base = standardFromEnv(env);
  const providers = ((base.config.providers ?? []) as ProviderInput[]).map((p) => ({ ...p, discover: true }));
  const config: ConfigInput = { ...base.config, providers };
  return { config, notes: [...base.notes, ...(providers.length ? ['model discovery on for every provider'] : [])] };
}

export default smartRouter;
