import { createServer } from 'node:http';
import type { IncomingHttpHeaders, RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { invalidConfig, resolveConfig } from './config/load.js';
import type { ConfigInput } from './config/load.js';
import { formatAjvErrors } from './config/problems.js';
import { CORE_PROVIDER_FIELDS } from './config/schema.js';
import type { ProviderConfig, SwitchyardConfig } from './config/schema.js';
import { SwitchyardError } from './errors.js';
import { GatewayHooks } from './hooks.js';
import { AdminRoutes } from './http/admin.js';
import type { AdminAuthorizer } from './http/admin.js';
import { createApp } from './http/app.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { applyPlugins, resolvePlugins } from './plugin/host.js';
import type { Problem } from './plugin/host.js';
import type { PluginEntry, Preset } from './plugin/plugin.js';
import { ProviderRegistry } from './providers.js';
import { ReadinessChecks } from './readiness.js';
import { StatusBoard } from './status.js';
import { ModelInfoTable } from './models/model-info.js';
import { ModelCatalog } from './routing/catalog.js';
import { tapCoreRouting } from './routing/core-taps.js';
import { ModelDiscovery } from './routing/discovery.js';
import { ModelResolver } from './routing/resolve.js';
import { Router } from './routing/router.js';
import { addRoutingAdminRoutes } from './http/routing-admin.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import type { Store } from './store/store.js';
import { UpstreamClient } from './upstream/client.js';
import type { ProviderInstance } from './types.js';

export interface GatewayOptions {
  /** A config tree (as a file holds it, before defaults) or an already resolved one. */
  config?: ConfigInput;
  presets?: readonly Preset[];
  plugins?: readonly PluginEntry[];
  /** @default a pino logger at config `log.level` */
  logger?: Logger;
  /** For `${VAR}` interpolation. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where the config came from, for error messages. */
  source?: string;
  /** A custom Store; by default `store.type` decides. */
  store?: Store;
}

export interface GatewaySecurity {
  /** True when callers must present a gateway key; without it the gateway binds loopback only. */
  authenticatesCallers: boolean;
  /** Decides access to /admin/*; without it, admin routes answer loopback callers only. */
  authorizeAdmin?: AdminAuthorizer;
  /**
   * Checks callers of /v1/* routes that run no hooks (GET /v1/models): the error to answer
   * with, or undefined to let the caller in. Routed requests are checked in beforeRoute.
   */
  authorizeCaller?: (headers: IncomingHttpHeaders, url: string) => SwitchyardError | undefined;
}

export interface ListenOptions {
  port?: number;
  host?: string;
}

/** Switchyard's HTTP front, its hooks and its plugin-visible state. */
export class Gateway {
  readonly config: SwitchyardConfig;
  readonly hooks: GatewayHooks;
  readonly providers = new ProviderRegistry();
  readonly store: Store;
  readonly logger: Logger;
  /** Shared undici pools; plugins making upstream calls use it too. */
  readonly http = new UpstreamClient();
  /** Provider instances from `providers[]`, in config order. */
  readonly instances: readonly ProviderInstance[];
  /** Set by an auth plugin: whether callers must present a gateway key, and who may use /admin/*. */
  readonly security: GatewaySecurity = { authenticatesCallers: false };
  /** Routes plugins add under /admin/ (in apply()). */
  readonly admin = new AdminRoutes();
  /** Target health and plugin gauges, reported by plugins (breaker, balancer) and read by others (stats, metrics). */
  readonly status = new StatusBoard();
  /** Capabilities and prices per model: built-in table under config `catalog:`. */
  readonly modelInfo: ModelInfoTable;
  /** Checks `/ready` consults (in apply()): 200 only while none reports a problem. */
  readonly readiness = new ReadinessChecks();
  /** Plans without sending (select), outcomes from outside (report), learned per-target stats. */
  readonly router: Router;
  /** Served model lists of instances configured `discover: true`. */
  readonly discovery: ModelDiscovery;
  #resolver: ModelResolver | undefined;
  #catalog: ModelCatalog | undefined;
  #server: Server | undefined;
  #draining = false;
  #inFlight = 0;
  #idle: (() => void) | undefined;
  #callback: RequestListener | undefined;

  /** @internal use createGateway() */
  constructor(config: SwitchyardConfig, logger: Logger, store: Store) {
    this.config = config;
    this.logger = logger;
    this.store = store;
    this.hooks = new GatewayHooks(logger);
    this.instances = config.providers.map(toInstance);
    this.modelInfo = new ModelInfoTable(config.catalog);
    this.router = new Router(this);
    this.discovery = new ModelDiscovery({
      instances: this.instances,
      providers: this.providers,
      http: this.http,
      logger,
      modelInfo: this.modelInfo,
      changed: (served) => this.#swapResolver(served),
    });
  }

  /** The resolver that answers now; replaced whole when discovery changes a served set. */
  get resolver(): ModelResolver {
    this.#resolver ??= new ModelResolver(this.instances, this.config.models, this.providers, this.discovery.served);
    return this.#resolver;
  }

  #swapResolver(served: ReadonlyMap<string, readonly string[]>): void {
    const resolver = new ModelResolver(this.instances, this.config.models, this.providers, served);
    this.#resolver = resolver;
    this.hooks.modelsChanged.call(resolver);
  }

  get catalog(): ModelCatalog {
    this.#catalog ??= new ModelCatalog(this);
    return this.#catalog;
  }

  get draining(): boolean {
    return this.#draining;
  }

  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  /** A Node request listener: drive the gateway in-process or mount it on your own server. */
  callback(): RequestListener {
    if (!this.#callback) {
      this.hooks.seal();
      const handle = createApp(this).callback();
      this.#callback = (req, res) => {
        this.#inFlight++;
        res.once('close', () => {
          if (--this.#inFlight === 0) this.#idle?.();
        });
        void handle(req, res);
      };
    }
    return this.#callback;
  }

  /** Starts listening. Without gateway keys, a non-loopback host is refused and loopback used instead. */
  async listen(options: ListenOptions = {}): Promise<{ url: string; host: string; port: number }> {
    if (this.#server) throw new SwitchyardError('SWITCHYARD_ERR_INTERNAL', 'listen() was already called');
    let host = options.host ?? this.config.server.host;
    const port = options.port ?? this.config.server.port;
    if (!this.security.authenticatesCallers && !this.config.server.allowUnauthenticated) {
      if (!isLoopback(host)) host = '127.0.0.1';
      this.logger.warn('no gateway keys are configured: listening on loopback only (configure auth keys, or set server.allowUnauthenticated to bind elsewhere)');
    }
    const server = createServer({ keepAliveTimeout: 65_000 }, this.callback());
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await this.discovery.start();
    await this.hooks.ready.promise();
    const address = server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { url: `http://${shown}:${address.port}`, host: address.address, port: address.port };
  }

  /** Stops accepting, lets in-flight requests finish (up to server.shutdownTimeoutMs), then releases everything. */
  async close(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    const server = this.#server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = this.#inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#idle = resolve));
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, this.config.server.shutdownTimeoutMs, 'timeout').unref());
      if ((await Promise.race([drained, timeout])) === 'timeout') {
        this.logger.warn({ inFlight: this.#inFlight }, 'shutdown timeout: closing remaining connections');
      }
      server.closeAllConnections();
      await closed;
    }
    this.discovery.stop();
    await this.hooks.close.promise();
    await this.http.close();
    await this.store.close();
  }
}

/** Builds a gateway: resolves config, registers presets and plugins, checks everything, lists every problem. */
export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const config = resolveConfig(options.config ?? {}, options.env ?? process.env, options.source);
  const logger = options.logger ?? createLogger(config.log.level ? { level: config.log.level } : {});
  const store = options.store ?? (await createStore(config, logger));
  const gateway = new Gateway(config, logger, store);
  const problems: Problem[] = [];
  const registrations = resolvePlugins(options.presets ?? [], options.plugins ?? [], config.plugins, problems);
  if (problems.length === 0) {
    tapCoreRouting(gateway);
    addRoutingAdminRoutes(gateway);
    await applyPlugins(gateway, registrations);
    problems.push(...providerProblems(gateway));
    for (const line of ModelResolver.aliasProblems(config.models, gateway.instances)) {
      problems.push({ code: 'SWITCHYARD_ERR_CONFIG_INVALID', line });
    }
  }
  if (problems.length) {
    await store.close();
    const error = invalidConfig(problems.map((p) => p.line), options.source);
    throw new SwitchyardError(problems[0]!.code, error.message, { expose: false });
  }
  return gateway;
}

/** How long startup waits for Redis before going on degraded (the store keeps reconnecting). */
const REDIS_STARTUP_WAIT_MS = 2000;

async function createStore(config: SwitchyardConfig, logger: Logger): Promise<Store> {
  if (config.store.type === 'memory') return new MemoryStore();
  const store = new RedisStore({ url: config.store.url, logger, ...(config.store.keyPrefix === undefined ? {} : { keyPrefix: config.store.keyPrefix }) });
  await store.whenReady(REDIS_STARTUP_WAIT_MS);
  return store;
}

const instanceFieldsAjv = new Ajv({ allErrors: true, useDefaults: true, strict: false });

/** Provider entries whose type nobody defines, or with fields their adapter does not know. */
function providerProblems(gateway: Gateway): Problem[] {
  const problems: Problem[] = [];
  gateway.config.providers.forEach((entry, i) => {
    const adapter = gateway.providers.get(entry.type);
    if (!adapter) {
      const known = gateway.providers.types().join(', ') || 'none';
      problems.push({ code: 'SWITCHYARD_ERR_PROVIDER_UNKNOWN_TYPE', line: `providers[${i}].type: no provider plugin defines type "${entry.type}" (defined: ${known})` });
      return;
    }
    const extra = gateway.instances[i]!.options as Record<string, unknown>;
    const validate = instanceFieldsAjv.compile({
      type: 'object',
      properties: adapter.instanceProperties ?? {},
      additionalProperties: false,
    });
    if (!validate(extra)) {
      for (const line of formatAjvErrors(validate.errors, `providers[${i}]`)) problems.push({ code: 'SWITCHYARD_ERR_CONFIG_INVALID', line });
    }
  });
  return problems;
}

function toInstance(entry: ProviderConfig): ProviderInstance {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (!CORE_PROVIDER_FIELDS.has(key)) options[key] = value;
  return {
    name: entry.name,
    type: entry.type,
    baseUrl: entry.baseUrl.replace(/\/+$/, ''),
    ...(entry.apiKey === undefined || entry.apiKey === '' ? {} : { apiKey: entry.apiKey }),
    ...(entry.models === undefined ? {} : { models: Object.freeze([...entry.models]) }),
    priority: entry.priority,
    weight: entry.weight,
    tags: Object.freeze([...entry.tags]),
    timeoutMs: entry.timeoutMs,
    headers: Object.freeze({ ...entry.headers }),
    local: entry.local ?? false,
    discover: entry.discover ?? false,
    discoverIntervalMs: entry.discoverIntervalMs ?? 300_000,
    discoverTimeoutMs: entry.discoverTimeoutMs ?? 5_000,
    options,
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}
