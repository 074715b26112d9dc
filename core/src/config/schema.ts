import { Type } from '../plugin/type.js';
import type { Static, TSchema } from '@sinclair/typebox';

/** The config's core sections: one schema gives their types, their validation with defaults, and their docs. */
const int = (minimum: number, value: number | undefined, description: string, maximum?: number) =>
  Type.Integer({
    minimum,
    ...(maximum === undefined ? {} : { maximum }),
    ...(value === undefined ? {} : { default: value }),
    description,
  });
const bool = (value: boolean, description: string) => Type.Boolean({ default: value, description });

const server = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Interface to bind.' }),
    port: int(0, 8080, 'Port to listen on.', 65535),
    bodyLimit: Type.String({
      pattern: '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?$',
      default: '10mb',
      description: 'Largest accepted request body.',
    }),
    shutdownGraceMs: Type.Optional(
      int(
        0,
        undefined,
        'How long shutdown waits for in-flight requests (streams included) before cutting them; 30000 when unset.',
      ),
    ),
    shutdownTimeoutMs: Type.Optional(int(0, undefined, 'Former name of shutdownGraceMs, resolved into it.')),
    drainDelayMs: int(
      0,
      5000,
      'On shutdown, how long /ready answers 503 while connections are still accepted, before the listener closes; 0 closes it at once.',
    ),
    watchConfig: bool(false, 'CLI: reload when the config file changes (as on SIGHUP); read at start.'),
    allowUnauthenticated: bool(false, 'Bind a non-loopback host even though no gateway keys are configured.'),
    allowedHosts: Type.Optional(
      Type.Array(Type.String({ minLength: 1, pattern: '^[^\\s/]+$' }), {
        description:
          'Host names (port ignored) requests may be addressed to; * allows any. Unset: the loopback names when bound to loopback, else any.',
      }),
    ),
    allowedOrigins: Type.Array(Type.String({ pattern: '^(\\*|null|https?://[^/\\s]+/?)$' }), {
      default: [],
      description: "Browser origins allowed beside the gateway's own hosts (scheme://host[:port], or *).",
    }),
    headersTimeoutMs: int(1, 10_000, 'The request head must arrive within it (Node headersTimeout).'),
    requestTimeoutMs: int(
      1,
      60_000,
      'The whole request, body included, must arrive within it, else 408 and the connection closes.',
    ),
    keepAliveTimeoutMs: int(1, 65_000, 'An idle keep-alive connection closes after it.'),
    maxConnections: int(1, 10_000, 'Open client connections at most; further ones are dropped.'),
    timing: Type.Union([Type.Boolean(), Type.Literal('plugins')], {
      default: true,
      description:
        "Server-Timing header: true, the total on every response and the upstream wait on routed ones, with each plugin's hook time when the request sends x-switchyard-timing; plugins, each plugin's time on every routed response; false, none.",
    }),
  },
  { additionalProperties: false, default: {} },
);

const store = Type.Object(
  {
    type: Type.String({
      minLength: 1,
      description: 'memory, or a store type a plugin brings (redis: @switchyard/store-redis) with its fields.',
    }),
  },
  { additionalProperties: true, default: { type: 'memory' } },
);

const log = Type.Object(
  {
    level: Type.Optional(
      Type.Unsafe<string>({
        enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
        description: 'pino level; LOG_LEVEL, else info.',
      }),
    ),
    pretty: Type.Optional(
      Type.Boolean({ description: 'Human-readable lines (pino-pretty) instead of JSON; LOG_PRETTY=1 also.' }),
    ),
    file: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Append lines to this file (created with its directory) instead of stdout.',
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);

/** Outcomes that may move a request to its next target. */
const failoverOutcome = Type.Unsafe<'failure' | 'rate_limited'>({ type: 'string', enum: ['failure', 'rate_limited'] });

/** The `routing` section; with defaults at the top level, without them in per-alias overrides. */
function routingFields<D extends boolean>(defaults: D) {
  const d = <T extends TSchema>(schema: T) => (defaults ? schema : Type.Optional(schema));
  const plain = <T>(value: T) => (defaults ? { default: value } : {});
  return {
    maxAttempts: d(
      Type.Integer({
        minimum: 1,
        maximum: 20,
        ...plain(3),
        description: 'Upstream attempts per request, the first included.',
      }),
    ),
    deadlineMs: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Overall deadline per request; unset: only per-attempt timeouts.' }),
    ),
    failoverOn: d(
      Type.Array(failoverOutcome, {
        uniqueItems: true,
        ...plain(['failure', 'rate_limited']),
        description: 'Outcomes that fail over to the next target.',
      }),
    ),
    retryLastTarget: d(
      Type.Boolean({
        ...plain(false),
        description: 'Retry the last candidate after a jittered backoff while attempts remain.',
      }),
    ),
    backoffMs: d(
      Type.Integer({
        minimum: 0,
        ...plain(100),
        description: 'Base of the exponential backoff before retrying the same target.',
      }),
    ),
    backoffMaxMs: d(
      Type.Integer({ minimum: 0, ...plain(2000), description: 'Longest backoff before retrying the same target.' }),
    ),
    hedge: d(
      Type.Boolean({
        ...plain(false),
        description: "Start the next target beside an attempt slower than its target's p95 time to first token.",
      }),
    ),
    hedgeMinSamples: d(
      Type.Integer({
        minimum: 1,
        ...plain(20),
        description: 'Successful attempts a target needs before its p95 is trusted for hedging.',
      }),
    ),
    fitOutputTokens: d(
      Type.Boolean({
        ...plain(true),
        description: "Send the target model's output-token limit when a request asks for more, with a warning.",
      }),
    ),
  };
}

const routing = Type.Object(routingFields(true), { additionalProperties: false, default: {} });
/** The `routing` fields without their defaults: settings a plugin lets one kind of request override (e.g. an alias's `routing`). */
export const routingOverridesSchema = Type.Object(routingFields(false), { additionalProperties: false });

const provider = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Unique instance name.' }),
    type: Type.String({
      minLength: 1,
      description: 'Provider type: openai, anthropic, gemini or any a plugin defines.',
    }),
    baseUrl: Type.String({ pattern: '^https?://', description: 'Upstream base URL.' }),
    apiKey: Type.Optional(Type.String({ description: 'Upstream credential.' })),
    models: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Served models (names or * globs); omit to accept names by prefix.',
      }),
    ),
    priority: Type.Integer({ default: 1, description: 'Lower is preferred.' }),
    weight: Type.Number({ minimum: 0, default: 1 }),
    tags: Type.Array(Type.String(), { default: [] }),
    timeoutMs: int(1, 60_000, 'Per attempt: no response head (streaming: no first event) within it, next target.'),
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
    local: bool(false, 'Runs locally (prefer-local, free-first).'),
    discover: bool(false, "List the upstream's models at start and periodically (model discovery)."),
    discoverIntervalMs: int(1000, 300_000, 'Time between two listings.'),
    discoverTimeoutMs: int(1, 5000, 'How long one listing may take; start-up waits at most this long.'),
  },
  { additionalProperties: true },
);

const leading = {
  server,
  store,
  log,
  routing,
  providers: Type.Array(provider, { default: [] }),
};
const trailing = {
  modules: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description: 'Plugin modules to load: package names or paths relative to the config file.',
  }),
  plugins: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
};

export const configSchema = Type.Object({ ...leading, ...trailing }, { additionalProperties: false });

/** The names of core's own top-level sections: a plugin cannot own one. */
export const CORE_SECTIONS: ReadonlySet<string> = new Set(Object.keys(configSchema.properties));

/**
 * The config schema with the top-level sections plugins own (`Plugin.sections`), placed
 * between `providers` and `modules`; any other top-level key is still not a known field.
 */
export function configSchemaWith(sections: Readonly<Record<string, object>>): object {
  if (Object.keys(sections).length === 0) return configSchema;
  return { ...configSchema, properties: { ...leading, ...sections, ...trailing } };
}

/** `memory` (built in), or a type a plugin brings with that plugin's fields. */
export type StoreConfig = Static<typeof store> & Record<string, unknown>;
/** A `providers[]` entry: the common fields, and the provider type's own. */
export type ProviderConfig = Static<typeof provider> & Record<string, unknown>;
export type SwitchyardConfig = Omit<Static<typeof configSchema>, 'store' | 'providers'> & {
  store: StoreConfig;
  providers: ProviderConfig[];
};
export type ServerConfig = SwitchyardConfig['server'];
export type LogConfig = SwitchyardConfig['log'];
export type RoutingConfig = SwitchyardConfig['routing'];
export type RoutingOverrides = Static<typeof routingOverridesSchema>;
export type FailoverOutcome = Static<typeof failoverOutcome>;

/** Every field a provider entry has whatever its type; others belong to the adapter. */
const COMMON_PROVIDER_FIELDS: ReadonlySet<string> = new Set(Object.keys(provider.properties));

/** The fields of a provider entry that its type owns (every field but the common ones). */
export function typeFields(entry: ProviderConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([key]) => !COMMON_PROVIDER_FIELDS.has(key)));
}
