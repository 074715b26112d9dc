import type { ProviderInstance } from '@switchyard/core';

/** A provider instance built by hand, as a provider's own tests build one. */
export function instance(options: Record<string, unknown>, name = 'acme-1'): ProviderInstance {
  return {
    name,
    type: 'acme',
    baseUrl: 'http://127.0.0.1:1',
    priority: 1,
    weight: 1,
    tags: [],
    timeoutMs: 1000,
    headers: {},
    local: false,
    discover: false,
    discoverIntervalMs: 1000,
    discoverTimeoutMs: 1000,
    options,
  };
}
