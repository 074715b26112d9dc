export { createGateway, Gateway, isLoopback } from './gateway.js';
export type { GatewayOptions, GatewaySecurity, ListenOptions } from './gateway.js';
export type { ReloadInput, ReloadResult, ReloadStats } from './reload.js';
export { AdminRoutes } from './http/admin.js';
export type { AdminAuthorizer, AdminMethod, AdminReply, AdminRequest, AdminRoute, RouteAccess } from './http/admin.js';
export { GatewayHooks, RouteStage, ConvertStage } from './hooks.js';
export { TimedPlugins } from './hooks.js';
export { Exchange, exchangeKey } from './exchange.js';
export { AFFINITY_KEY, CACHE_OUTCOME, CAPTURED_COMPLETION, PROMPT_CACHE_STATS, ROUTE_ORDERED } from './keys.js';
export type { PromptCacheStats } from './keys.js';
export { CompletionAccumulator, completionChunks } from './protocols/completion-stream.js';
export { StatusBoard } from './status.js';
export type { CircuitState, TargetHealth } from './status.js';
export { ReadinessChecks } from './readiness.js';
export type { ReadinessCheck } from './readiness.js';
export type { Caller, ExchangeKey, ExchangeTimings, RequestOutcome } from './exchange.js';
export { ModelInfoTable, costOf, modelInfoSchema } from './models/model-info.js';
export type { ModelInfo, ModelPricing } from './models/model-info.js';
export { KNOWN_MODELS } from './models/known-models.js';
export { RoutePlan } from './routing/route-plan.js';
export type { Discovery, Exclusion, ExclusionNote, Ordering } from './routing/route-plan.js';
export { ModelResolver } from './routing/resolve.js';
export { Router } from './routing/router.js';
export type { RouterStatsReport, SelectOptions, TargetStatsReport } from './routing/router.js';
export { RouterStats, successRate } from './routing/stats.js';
export type { ReportedOutcome, TargetStats } from './routing/stats.js';
export { CONSTRAINT_HEADERS, CONSTRAINTS_FIELD, NO_CONSTRAINTS, takeConstraints } from './routing/constraints.js';
export type { RouteConstraints } from './routing/constraints.js';
export { CAPABILITIES_TAP, chatNeeds, estimateChatTokens, inputTokensOf, needsOf, unmetNeed } from './routing/capabilities.js';
export type { RequestNeeds } from './routing/capabilities.js';
export { blendedPricePer1k, CONSTRAINTS_TAP, noTargetError, PREFER_LOCAL_STAGE } from './routing/core-taps.js';
export { ModelDiscovery } from './routing/discovery.js';
export { summarizePlan } from './routing/summary.js';
export type { PlanSummary } from './routing/summary.js';
export { FailoverPolicies, backoffDelay, retryAfterMs } from './routing/policy.js';
export type { FailoverPolicy } from './routing/policy.js';
export { SwitchyardError, ErrorCodes, isSwitchyardError, toSwitchyardError } from './errors.js';
export type { ErrorCode, SwitchyardErrorOptions } from './errors.js';
export { ProviderRegistry, defaultClassifyError } from './providers.js';
export type { ListedModel, ProviderAdapter, UpstreamErrorInfo } from './providers.js';
export { withOptions } from './plugin/plugin.js';
export { instanceHeaderCache, providerPlugin } from './plugin/provider-plugin.js';
export type { ProviderPluginSpec } from './plugin/provider-plugin.js';
export type { Plugin, PluginEntry, PluginWithOptions, Preset } from './plugin/plugin.js';
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
export type { ProtocolCodec, StreamObservation } from './protocols/codec.js';
export { INBOUND_WARNINGS } from './protocols/codec.js';
export { anthropicCodec } from './protocols/anthropic.js';
export { AnthropicStreamEncoder } from './protocols/anthropic-stream.js';
export { estimateInputTokens } from './protocols/anthropic-count.js';
export { anthropicToCanonical, canonicalToAnthropicMessage, canonicalUsageOf, anthropicUsageOf } from './protocols/anthropic-convert.js';
export type * from './protocols/anthropic-types.js';
export { openaiCodec } from './protocols/openai.js';
export { loadConfigFile, resolveConfig, parseConfigText } from './config/load.js';
export type { ConfigInput, ProviderInput } from './config/load.js';
export type { SwitchyardConfig, LogConfig, ProviderConfig, AliasConfig, ServerConfig, StoreConfig, RoutingConfig, RoutingOverrides, FailoverOutcome } from './config/schema.js';
export { maskSecrets, maskText, maskUrl, maskValue } from './config/mask.js';
export { interpolate } from './config/interpolate.js';
export type { Store, StoreListener } from './store/store.js';
export { MemoryStore } from './store/memory-store.js';
export { RedisStore } from './store/redis-store.js';
export type { RedisStoreOptions } from './store/redis-store.js';
export { UpstreamClient } from './upstream/client.js';
export type { UpstreamResponse } from './upstream/client.js';
export { SseReader, readSse, formatSse } from './upstream/sse.js';
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
