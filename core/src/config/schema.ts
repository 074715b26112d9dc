import type { JSONSchemaType } from 'ajv';
import { modelInfoSchema } from '../models/model-info.js';
import type { ModelInfo } from '../models/model-info.js';

export interface ServerConfig {
  /** Interface to bind. @default 127.0.0.1 */
  host: string;
  /** @default 8080 */
  port: number;
  /** Largest accepted request body, e.g. `10mb`. @default 10mb */
  bodyLimit: string;
  /** How long close() waits for in-flight requests (streams included) before cutting them. @default 30000 */
  shutdownGraceMs: number;
  /** The former name of `shutdownGraceMs`, accepted as written; resolved into it. */
  shutdownTimeoutMs?: number;
  /**
   * How long close() keeps accepting connections while `/ready` answers 503, so that load
   * balancers stop routing here before connections are refused; 0 closes the listener at once. @default 5000
   */
  drainDelayMs: number;
  /** CLI: reload when the config file changes (as on SIGHUP). @default false */
  watchConfig: boolean;
  /** Bind a non-loopback host even though no gateway keys are configured. @default false */
  allowUnauthenticated: boolean;
  /**
   * Host names (port ignored) requests may be addressed to; `*` allows any. Unset: bound to
   * loopback, `localhost`, `127.0.0.1`, `[::1]` and the bound name; bound elsewhere, any.
   */
  allowedHosts?: string[];
  /** Browser origins (`https://app.example.com`, `*`) allowed beside the gateway's own hosts. @default [] */
  allowedOrigins: string[];
  /** The request head must arrive within it (Node `headersTimeout`). @default 10000 */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within it, else 408 and the connection closes (Node `requestTimeout`). @default 60000 */
  requestTimeoutMs: number;
  /** An idle keep-alive connection closes after it. @default 65000 */
  keepAliveTimeoutMs: number;
  /** Open client connections at most; further ones are dropped (Node `server.maxConnections`). @default 10000 */
  maxConnections: number;
  /**
   * Send a Server-Timing header: the total on every response, and on routed ones the time per
   * plugin (0.1 ms resolution) and the upstream wait. Decided at startup; off, the hook taps run
   * unwrapped. @default true
   */
  timing: boolean;
}

export interface LogConfig {
  /** pino level; LOG_LEVEL from the environment, else info, when unset. */
  level?: string;
  /** Human-readable lines (pino-pretty) instead of JSON; LOG_PRETTY=1 also turns it on. @default false */
  pretty?: boolean;
  /** Write lines to this file (appended, created with its directory) instead of stdout. */
  file?: string;
}

/** `memory` (built in), or a type a plugin brings (`redis`: @switchyard/store-redis) with that plugin's fields. */
export interface StoreConfig {
  type: string;
  [field: string]: unknown;
}

/** Outcomes that may move a request to its next target. */
export type FailoverOutcome = 'failure' | 'rate_limited';

export interface RoutingConfig {
  /** Upstream attempts per request, the first included. @default 3 */
  maxAttempts: number;
  /**
   * Overall deadline per request: no attempt starts after it, and each attempt waits for its
   * head (streaming: its first event) at most until it. Unset: only each attempt's `timeoutMs`.
   */
  deadlineMs?: number;
  /** Outcomes that fail over to the next target; others end the request. @default ['failure', 'rate_limited'] */
  failoverOn: FailoverOutcome[];
  /** When the last candidate failed and attempts remain, retry it after a jittered backoff. @default false */
  retryLastTarget: boolean;
  /** Base of the exponential backoff before retrying the same target (full jitter). @default 100 */
  backoffMs: number;
  /** Longest backoff before retrying the same target. @default 2000 */
  backoffMaxMs: number;
  /**
   * Hedged requests: when an attempt has not answered (streaming: sent its first event) within
   * its target's own p95 time to first token, start the next target beside it; the first to
   * answer wins and the other is aborted. @default false
   */
  hedge: boolean;
  /** Successful attempts a target needs before its p95 is trusted for hedging. @default 20 */
  hedgeMinSamples: number;
  /**
   * When a request asks more output tokens than the target's model allows (model table,
   * `catalog:`), send the model's limit and say so in `x-switchyard-warnings`. @default true
   */
  fitOutputTokens: boolean;
}

/** Per-alias overrides of `routing`. */
export type RoutingOverrides = Partial<RoutingConfig>;

export interface ProviderConfig {
  name: string;
  type: string;
  baseUrl: string;
  apiKey?: string;
  models?: string[];
  /** Lower is preferred. @default 1 */
  priority: number;
  /** @default 1 */
  weight: number;
  /** @default [] */
  tags: string[];
  /** Per attempt: no response head (streaming: no first event) within it → next target. @default 60000 */
  timeoutMs: number;
  /** Extra headers sent upstream. @default {} */
  headers: Record<string, string>;
  /** Runs on this machine or network (for `x-switchyard-prefer-local` and the free-first strategy). @default false */
  local: boolean;
  /** List the upstream's models at start and every `discoverIntervalMs`; they become the served set. @default false */
  discover: boolean;
  /** @default 300000 */
  discoverIntervalMs: number;
  /** How long one listing may take; start-up waits at most this long for it. @default 5000 */
  discoverTimeoutMs: number;
  [field: string]: unknown;
}

export interface AliasConfig {
  name: string;
  /** Ordered `instance/model` targets. */
  targets: string[];
  /** Failover policy for this alias, field by field over `routing`. */
  routing?: RoutingOverrides;
}

export interface SwitchyardConfig {
  server: ServerConfig;
  store: StoreConfig;
  /** Log level, pretty-printing and destination. */
  log: LogConfig;
  routing: RoutingConfig;
  providers: ProviderConfig[];
  models: AliasConfig[];
  /** Capabilities and prices per model name (or `instance/model`), over the built-in table. */
  catalog: Record<string, ModelInfo>;
  /** Plugin modules to load beside the preset's: package names or paths relative to the config file. */
  modules: string[];
  /** One section per plugin, by plugin name. */
  plugins: Record<string, unknown>;
}

/** Every field a provider entry has whatever its type; others belong to the adapter. */
export const CORE_PROVIDER_FIELDS = new Set([
  'name', 'type', 'baseUrl', 'apiKey', 'models', 'priority', 'weight', 'tags', 'timeoutMs', 'headers',
  'local', 'discover', 'discoverIntervalMs', 'discoverTimeoutMs',
]);

const providerSchema = {
  type: 'object',
  required: ['name', 'type', 'baseUrl'],
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Unique instance name.' },
    type: { type: 'string', minLength: 1, description: 'Provider type: openai, anthropic, gemini or any registered type.' },
    baseUrl: { type: 'string', pattern: '^https?://', description: 'Upstream base URL.' },
    apiKey: { type: 'string', description: 'Upstream credential.' },
    models: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Served models.' },
    priority: { type: 'integer', default: 1, description: 'Lower is preferred.' },
    weight: { type: 'number', minimum: 0, default: 1 },
    tags: { type: 'array', items: { type: 'string' }, default: [] },
    timeoutMs: { type: 'integer', minimum: 1, default: 60000 },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    local: { type: 'boolean', default: false, description: 'Runs locally (prefer-local, free-first).' },
    discover: { type: 'boolean', default: false, description: "List the upstream's models at start and periodically." },
    discoverIntervalMs: { type: 'integer', minimum: 1000, default: 300000 },
    discoverTimeoutMs: { type: 'integer', minimum: 1, default: 5000 },
  },
  additionalProperties: true,
} as const;

/** The `routing` section; with defaults at the top level, without them in per-alias overrides. */
function routingSchema(defaults: boolean): Record<string, unknown> {
  const d = <T>(value: T): { default?: T } => (defaults ? { default: value } : {});
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxAttempts: { type: 'integer', minimum: 1, maximum: 20, ...d(3), description: 'Upstream attempts per request, the first included.' },
      deadlineMs: { type: 'integer', minimum: 1, description: 'Overall deadline per request; unset: only per-attempt timeouts.' },
      failoverOn: {
        type: 'array',
        items: { type: 'string', enum: ['failure', 'rate_limited'] },
        uniqueItems: true,
        ...d(['failure', 'rate_limited']),
        description: 'Outcomes that fail over to the next target.',
      },
      retryLastTarget: { type: 'boolean', ...d(false), description: 'Retry the last candidate after a jittered backoff while attempts remain.' },
      backoffMs: { type: 'integer', minimum: 0, ...d(100), description: 'Base of the exponential backoff before retrying the same target.' },
      backoffMaxMs: { type: 'integer', minimum: 0, ...d(2000), description: 'Longest backoff before retrying the same target.' },
      hedge: { type: 'boolean', ...d(false), description: "Start the next target beside an attempt slower than its target's p95 time to first token." },
      hedgeMinSamples: { type: 'integer', minimum: 1, ...d(20), description: 'Successful attempts a target needs before its p95 is trusted for hedging.' },
      fitOutputTokens: { type: 'boolean', ...d(true), description: "Send the target model's output-token limit when a request asks for more, with a warning." },
    },
  };
}

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
        bodyLimit: { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?$', default: '10mb' },
        shutdownGraceMs: { type: 'integer', minimum: 0, description: 'How long shutdown waits for in-flight requests; 30000 when unset.' },
        shutdownTimeoutMs: { type: 'integer', minimum: 0, description: 'Former name of shutdownGraceMs.' },
        drainDelayMs: { type: 'integer', minimum: 0, default: 5000, description: 'On shutdown, /ready answers 503 while connections are still accepted for this long; then the listener closes.' },
        watchConfig: { type: 'boolean', default: false, description: 'CLI: reload when the config file changes.' },
        allowUnauthenticated: { type: 'boolean', default: false },
        allowedHosts: { type: 'array', items: { type: 'string', minLength: 1, pattern: '^[^\\s/]+$' }, description: 'Host names (port ignored) requests may be addressed to; * allows any. Unset: the loopback names when bound to loopback, else any.' },
        allowedOrigins: { type: 'array', items: { type: 'string', pattern: '^(\\*|null|https?://[^/\\s]+/?)$' }, default: [], description: 'Browser origins allowed beside the gateway\'s own hosts (scheme://host[:port], or *).' },
        headersTimeoutMs: { type: 'integer', minimum: 1, default: 10000, description: 'The request head must arrive within it.' },
        requestTimeoutMs: { type: 'integer', minimum: 1, default: 60000, description: 'The whole request, body included, must arrive within it (408 and close otherwise).' },
        keepAliveTimeoutMs: { type: 'integer', minimum: 1, default: 65000, description: 'Idle keep-alive connections close after it.' },
        maxConnections: { type: 'integer', minimum: 1, default: 10000, description: 'Open client connections at most; further ones are dropped.' },
        timing: { type: 'boolean', default: true, description: 'Server-Timing header (total; on routed responses also time per plugin and upstream).' },
      },
    },
    store: {
      type: 'object',
      default: { type: 'memory' },
      required: ['type'],
      properties: { type: { type: 'string', minLength: 1, description: 'memory, or a store type a plugin brings (redis).' } },
      additionalProperties: true,
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
        pretty: { type: 'boolean', description: 'Human-readable lines (pino-pretty) instead of JSON; LOG_PRETTY=1 also.' },
        file: { type: 'string', minLength: 1, description: 'Append lines to this file instead of stdout.' },
      },
    },
    routing: { ...routingSchema(true), default: {} },
    providers: { type: 'array', items: providerSchema, default: [] },
    models: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        required: ['name', 'targets'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          targets: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^/]+/.+$' } },
          routing: routingSchema(false),
        },
      },
    },
    catalog: { type: 'object', default: {}, additionalProperties: modelInfoSchema, description: 'Capabilities and prices per model name or instance/model, over the built-in table.' },
    modules: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'Plugin modules to load: package names or paths relative to the config file.' },
    plugins: { type: 'object', default: {} },
  },
} as unknown as JSONSchemaType<SwitchyardConfig>;
