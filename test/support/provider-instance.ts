import type { ProviderInstance } from '@switchyard/core';

/** A provider instance built by hand, with every common field set, as a provider's unit tests build one. */
export function providerInstance(fields: Partial<ProviderInstance> & Pick<ProviderInstance, 'type'>): ProviderInstance {
  return {
    name: `${fields.type}-1`,
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
    options: {},
    ...fields,
  };
}
