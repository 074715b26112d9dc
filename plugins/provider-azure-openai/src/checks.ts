import { isLoopback, SwitchyardError } from '@switchyard/core';
import type { ProviderInstance } from '@switchyard/core';
import { entraOf, optionsOf } from './instance-fields.js';

/**
 * What the instance-fields schema cannot say of an `azure-openai` entry (at config index `i`):
 * it needs credentials — `apiKey` (a common field) or the Entra ID app — and an Entra authority
 * reached over plain http must be on loopback, so a client secret never crosses the network in clear.
 */
export function instanceProblems(instance: ProviderInstance, i: number): string[] {
  const options = optionsOf(instance);
  const problems: string[] = [];
  if (!instance.apiKey && !entraOf(options))
    problems.push(`providers[${i}]: an azure-openai instance needs apiKey, or tenantId, clientId and clientSecret`);
  const authority = URL.parse(options.authorityHost);
  if (!authority) problems.push(`providers[${i}].authorityHost: must be a URL`);
  else if (authority.protocol !== 'https:' && !isLoopback(authority.hostname)) {
    problems.push(`providers[${i}].authorityHost: must be https (plain http only on loopback, for local test servers)`);
  }
  return problems;
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
