import type { ProviderInstance } from '@switchyard/core';
import { TokenCache, TokenCaches } from '@switchyard/wire-tokens';
import { entraTokenSource } from './entra.js';
import { entraOf, optionsOf } from './instance-fields.js';

/**
 * The auth header of each instance: `Authorization: Bearer` with a Microsoft Entra ID token
 * (one cached token per instance, made at its first request, refreshed `tokenRefreshMs` before
 * expiry by the `now` clock) when the instance has an Entra app registration, else `api-key`.
 */
export function azureCredentials(now?: () => number): (instance: ProviderInstance) => Promise<Record<string, string>> {
  const tokens = new TokenCaches<ProviderInstance>((instance) => {
    const options = optionsOf(instance);
    const entra = entraOf(options);
    return entra
      ? new TokenCache(
          entraTokenSource({ ...entra, authorityHost: options.authorityHost }),
          options.tokenRefreshMs,
          now,
        )
      : undefined;
  });
  return async (instance): Promise<Record<string, string>> => {
    const cache = tokens.for(instance);
    if (cache) return { authorization: `Bearer ${await cache.get()}` };
    return instance.apiKey ? { 'api-key': instance.apiKey } : {};
  };
}
