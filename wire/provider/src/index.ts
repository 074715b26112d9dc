/**
 * The kit for writing a provider plugin (core runs none of it): the glue defining a provider
 * type and building its requests, an instance's own fields read typed, its headers built once.
 */
export { instanceHeaderCache, providerPlugin } from './provider-plugin.js';
export type { ProviderPluginSpec } from './provider-plugin.js';
export { instanceOptions } from './instance-options.js';
