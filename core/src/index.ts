export { Gateway, isLoopback } from './gateway.js';
export { createGateway } from './build.js';
export type { GatewayOptions, GatewaySecurity, ListenOptions } from './gateway.js';
export type {
  OptionsInput,
  Plugin,
  PluginEntry,
  PluginWithOptions,
  Preset,
  ReloadInput,
  ReloadResult,
  ReloadStats,
  StoreFactory,
} from './gateway.js';
export { PluginRoutes } from './http/routes.js';
export type {
  AdminAuthorizer,
  PluginRoute,
  RouteAccess,
  RouteMethod,
  RouteReply,
  RouteRequest,
} from './http/routes.js';
export { MAX_OUTPUT_TOKENS, requestValidator } from './http/body.js';
export { GatewayHooks, RouteStage, ConvertStage } from './hooks.js';
export { TimedPlugins } from './hooks.js';
export { NOTHING } from './hook-runners.js';
export type { MaybePromise } from './hook-runners.js';
export { Exchange, exchangeKey } from './exchange.js';
export { CAPTURED_COMPLETION } from './exchange.js';
export { CompletionAccumulator, completionChunks } from './protocols/completion-stream.js';
export { StatusBoard } from './status.js';
export type { CircuitState, TargetHealth } from './status.js';
export { ReadinessChecks } from './readiness.js';
export type { ReadinessCheck } from './readiness.js';
export type { Caller, ExchangeKey, ExchangeTimings, RequestOutcome } from './exchange.js';
export { RoutePlan } from './routing/route-plan.js';
export type { Discovery, Exclusion, ExclusionNote, Ordering } from './routing/route-plan.js';
export { ModelResolver } from './routing/resolve.js';
export { noTargetError } from './routing/core-taps.js';
export { estimateChatTokens } from './protocols/estimate.js';
export { FailoverPolicies, backoffDelay, retryAfterMs } from './routing/policy.js';
export type { FailoverPolicy } from './routing/policy.js';
export { CoreErrors, SwitchyardError, errorCode, isSwitchyardError, toSwitchyardError } from './errors.js';
export type { CoreErrorCode, ErrorClass, ErrorSpec, SwitchyardErrorOptions } from './errors.js';
export { ProviderRegistry, defaultClassifyError } from './providers.js';
export type { ListedModel, ProviderAdapter, ProviderType, UpstreamErrorInfo } from './providers.js';
export { definePlugin, withOptions } from './plugin/plugin.js';
export { contract, contribution } from './plugin/contract.js';
export type { Contract, Contribution } from './plugin/contract.js';
export { mapOf, stringEnum } from './plugin/schema.js';
export { Type } from './plugin/type.js';
export type { PluginDefinition } from './plugin/plugin.js';
export { Reply } from './types.js';
export type {
  AttemptOutcome,
  AttemptResult,
  DiscoveryRule,
  FailureKind,
  Operation,
  Protocol,
  ProviderInstance,
  SseEvent,
  Target,
  UpstreamRequest,
} from './types.js';
export type * from './protocols/canonical.js';
export type { Decoded, InboundProtocol, InboundRoute, ProtocolCodec, StreamObservation } from './protocols/codec.js';
export { INBOUND_WARNINGS } from './protocols/codec.js';
export { ProtocolRegistry, errorObject } from './protocols/registry.js';
export { loadConfigFile, resolveConfig, parseConfigText } from './config/load.js';
export type { ConfigInput, ProviderInput } from './config/load.js';
export type {
  SwitchyardConfig,
  LogConfig,
  ProviderConfig,
  AliasConfig,
  ServerConfig,
  StoreConfig,
  RoutingConfig,
  RoutingOverrides,
  FailoverOutcome,
} from './config/schema.js';
export { maskSecrets, maskText, maskUrl, maskValue } from './mask.js';
export { interpolate } from './config/interpolate.js';
export { addValidators, schemaProblems, validatorKey, VALIDATOR_OPTIONS } from './config/validate.js';
export type { ValidatorKind } from './config/validate.js';
export type { Store, StoreListener } from './store/store.js';
export { MemoryStore } from './store/memory-store.js';
export { UpstreamClient } from './upstream/client.js';
export type { UpstreamBody, UpstreamResponse } from './upstream/client.js';
export { SseReader, readSse, formatSse } from './upstream/sse.js';
export { createLogger, flushLogger } from './logger.js';
export type { Logger } from './logger.js';
