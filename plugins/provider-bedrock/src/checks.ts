import { SwitchyardError } from '@switchyard/core';
import type { ProviderInstance } from '@switchyard/core';
import { optionsOf } from './instance-fields.js';
import { regionOf } from './signing.js';

/**
 * What the instance-fields schema cannot say of a `bedrock` entry (at config index `i`): a
 * SigV4-signed instance (no `apiKey`) needs a signing region, given or read from its `baseUrl`.
 */
export function instanceProblems(instance: ProviderInstance, i: number): string[] {
  if (instance.apiKey || regionOf(instance.baseUrl, optionsOf(instance).region)) return [];
  return [
    `providers[${i}].region: required unless baseUrl is https://bedrock-runtime.<region>.amazonaws.com (or apiKey is set)`,
  ];
}

/** The problems as one config error, listed as core lists its own. */
export function configError(problems: readonly string[], source: string | undefined): SwitchyardError {
  const where = source ? ` in ${source}` : '';
  return new SwitchyardError(
    'SWITCHYARD_ERR_CONFIG_INVALID',
    `invalid configuration${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    { expose: false, problems },
  );
}
