/**
 * `@switchyard/core`: compose a gateway and write a plugin — the gateway, the plugin host, the
 * hooks and the exchange they pass, errors, stores and logging. The extension surfaces have their
 * own subpaths: `/routing` (the attempt plan selectRoute builds), `/protocol` (canonical types and
 * inbound protocols), `/provider` (provider adapters and the upstream client), `/stream` (SSE and
 * pushed stream layers) and `/config` (loading, checking and masking config).
 */
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
export type { ConfigInput } from './config/load.js';
export type { SwitchyardConfig } from './config/schema.js';
export { definePlugin, withOptions } from './plugin/plugin.js';
export type { PluginDefinition } from './plugin/plugin.js';
export { contract, contribution } from './plugin/contract.js';
export type { Contract, Contribution } from './plugin/contract.js';
export { mapOf, stringEnum } from './plugin/schema.js';
export { Type } from './plugin/type.js';
export { GatewayHooks, RouteStage, ConvertStage } from './hooks.js';
export { NOTHING } from './hook-runners.js';
export type { MaybePromise } from './hook-runners.js';
export { Exchange, exchangeKey } from './exchange.js';
export type { Caller, ExchangeKey, ExchangeTimings, RequestOutcome } from './exchange.js';
export { Reply, unansweredAfterSending } from './types.js';
export type {
  AttemptOutcome,
  AttemptResult,
  DiscoveryRule,
  FailureKind,
  Operation,
  Protocol,
  ProviderInstance,
  Target,
  UpstreamRequest,
} from './types.js';
export {
  CONTEXT_LENGTH_EXCEEDED,
  CoreErrors,
  LONGEST_CLIENT_WAIT_MS,
  SwitchyardError,
  errorCode,
  retryAdvice,
  toSwitchyardError,
} from './errors.js';
export type { CoreErrorCode, ErrorClass, ErrorSpec, PromptTooLong, SwitchyardErrorOptions } from './errors.js';
export { PluginRoutes } from './http/routes.js';
export type {
  AdminAuthorizer,
  PluginRoute,
  RouteAccess,
  RouteMethod,
  RouteReply,
  RouteRequest,
} from './http/routes.js';
export type { StatusBoard, CircuitState, TargetHealth } from './status.js';
export type { ReadinessChecks, ReadinessCheck } from './readiness.js';
export type { Store, StoreListener } from './store/store.js';
export { MemoryStore } from './store/memory-store.js';
export { createLogger, flushLogger } from './logger.js';
export type { Logger } from './logger.js';
