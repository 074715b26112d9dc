import { SwitchyardError } from '@switchyard/core';
import type { ProviderInstance } from '@switchyard/core';
import { optionsOf } from './instance-fields.js';

/** What the instance-fields schema does not say well of a `vertex` entry (at config index `i`): one key source, not two. */
export function instanceProblems(instance: ProviderInstance, i: number): string[] {
  const options = optionsOf(instance);
  return options.credentials && options.keyFile ? [`providers[${i}]: credentials or keyFile, not both`] : [];
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
