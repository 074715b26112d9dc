/**
 * The `@switchyard/core/config` subpath: loading a config file, its section types, `${VAR}`
 * interpolation, the validators plugins' schemas compile to, and masking secrets for display.
 */
export { loadConfigFile, resolveConfig, parseConfigText } from './config/load.js';
export type { ProviderInput } from './config/load.js';
export type {
  LogConfig,
  ProviderConfig,
  ServerConfig,
  StoreConfig,
  RoutingConfig,
  RoutingOverrides,
  FailoverOutcome,
} from './config/schema.js';
export { routingOverridesSchema } from './config/schema.js';
export { interpolate } from './config/interpolate.js';
export { addValidators, schemaProblems, validatorKey, VALIDATOR_OPTIONS } from './config/validate.js';
export type { ValidatorKind } from './config/validate.js';
export { maskSecrets, maskText, maskUrl, maskValue } from './mask.js';
