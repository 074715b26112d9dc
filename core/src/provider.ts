/**
 * The `@switchyard/core/provider` subpath: what a provider plugin implements (its adapter) and
 * the shared upstream client it calls with.
 */
export { ProviderRegistry, defaultClassifyError } from './providers.js';
export type { ListedModel, ProviderAdapter, ProviderType, UpstreamErrorInfo } from './providers.js';
export { UpstreamClient } from './upstream/client.js';
export type { UpstreamBody, UpstreamResponse } from './upstream/client.js';
export { OVERLOADED, promptTooLongError } from './upstream/upstream-error.js';
