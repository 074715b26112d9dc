import type { Static, TObject } from '@sinclair/typebox';
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigInput } from './config/load.js';
import { typeFields } from './config/schema.js';
import type { ProviderConfig, ServerConfig, SwitchyardConfig } from './config/schema.js';
import { SwitchyardError } from './errors.js';
import type { ErrorSpec } from './errors.js';
import { GatewayHooks } from './hooks.js';
import { PluginRoutes } from './http/routes.js';
import type { GatewaySecurity } from './http/routes.js';
import { createHandler } from './http/server.js';
import { ProtocolRegistry } from './protocols/registry.js';
import { OpenStreams } from './http/open-streams.js';
import { isLoopback } from './http/request-guard.js';
import { flushLogger } from './logger.js';
import type { Logger } from './logger.js';
import { Contracts, contractError } from './plugin/contract.js';
import type { Contract, Contribution } from './plugin/contract.js';
import type { InboundProtocol } from './protocols/codec.js';
import type { ProviderType } from './providers.js';
import { ProviderRegistry } from './providers.js';
import { ReadinessChecks } from './readiness.js';
import { StatusBoard } from './status.js';
import type { Store } from './store/store.js';
import { UpstreamClient } from './upstream/client.js';
import type { ProviderInstance } from './types.js';

export { isLoopback } from './http/request-guard.js';
export type { GatewaySecurity } from './http/routes.js';

/** A store implementation a plugin brings, chosen by config `store.type`. */
export interface StoreFactory<S extends TObject = TObject> {
  readonly type: string;
  /** Schema of the config's `store` section (`type` included) for this type. */
  readonly schema: S;
  create(options: Static<S>, logger: Logger): Promise<Store>;
}

/** A named capability that taps the gateway's hooks once, at startup. */
export interface Plugin<Options = unknown> {
  /** Unique across the gateway; also the name of its section under `plugins:` in config. */
  readonly name: string;
  /** JSON Schema of the options; checked (and defaults filled) before apply(). */
  readonly schema?: Record<string, unknown>;
  /** Plugins that must be registered before this one. */
  readonly dependencies?: readonly string[];
  /** Contracts this plugin provides (services through gateway.provide(), or exchange values). */
  readonly provides?: readonly Contract<unknown>[];
  /** Contracts a plugin registered before this one must provide. */
  readonly needs?: readonly Contract<unknown>[];
  /** Error codes this plugin raises. */
  readonly errors?: readonly ErrorSpec[];
  /** Inbound protocols this plugin serves to callers (routed endpoints and codecs). */
  readonly protocols?: readonly InboundProtocol[];
  /** Provider types this plugin defines (config `providers[].type`). */
  readonly providers?: readonly ProviderType[];
  /** Stores this plugin brings, chosen by config `store.type`. */
  readonly stores?: readonly StoreFactory[];
  /**
   * Top-level config sections this plugin owns, each with its JSON Schema: checked (coerced as
   * core's own sections are, defaults filled) with every other config problem; read with gateway.section().
   */
  readonly sections?: Readonly<Record<string, Record<string, unknown>>>;
  /** Values for contracts other plugins collect with gateway.contributions(), whatever the plugin order. */
  readonly contributes?: readonly Contribution[];
  /**
   * Problems of the checked config only this plugin can see (e.g. an alias naming no provider
   * instance), as `path: message` lines: reported with every other config problem, before
   * anything is created. Runs on a config with problems too, so read it defensively.
   */
  check?(config: SwitchyardConfig): readonly string[];
  apply(gateway: Gateway, options: Options): void | Promise<void>;
}

/**
 * Options as given in code: any field may be left out, at any depth. The plugin receives them
 * checked and with its schema's defaults filled in (so its own type has them all).
 */
export type OptionsInput<T> = T extends readonly (infer Item)[]
  ? readonly OptionsInput<Item>[]
  : T extends object
    ? { [K in keyof T]?: OptionsInput<T[K]> }
    : T;

/** A plugin with options given in code; config sections override them field by field. */
export interface PluginWithOptions<Options = unknown> {
  readonly plugin: Plugin<Options>;
  readonly options?: OptionsInput<Options>;
}

// Options are checked against each plugin's schema at registration, so entries can be heterogeneous.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PluginEntry = Plugin<any> | PluginWithOptions<any>;

/** A named list of plugins with default options: a ready gateway. */
export interface Preset {
  readonly name: string;
  readonly plugins: readonly PluginEntry[];
}

/** What a reload builds the next generation from. */
export interface ReloadInput {
  config: ConfigInput;
  /** Plugins beside the presets (e.g. the config file's `modules:`). @default the previous generation's */
  plugins?: readonly PluginEntry[];
  /** Where the config came from, for messages. @default the previous generation's */
  source?: string;
}

export interface ReloadResult {
  ok: boolean;
  /** The generation serving new requests after this reload (the old one when it failed). */
  generation: number;
  /** Every problem, `path: message`, when the reload failed. */
  problems?: string[];
}

export interface ReloadStats {
  ok: number;
  failed: number;
  last?: { at: string; ok: boolean; generation: number; problems?: string[] };
}

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
  /** A custom Store, closed by close(); by default `store.type` decides. Generations a reload builds share it. */
  store?: Store;
  /**
   * What reload() without an argument reads: a new config (and plugins) each time, e.g. the
   * config file again. @default the config this gateway was built from
   */
  reloadFrom?: () => Promise<ReloadInput>;
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
  /** Routes plugins serve beside the routed protocol endpoints (in apply()): admin, caller, public or page access. */
  readonly routes = new PluginRoutes();
  /** The inbound protocols plugins declare: their routed endpoints and codecs. */
  readonly protocols = new ProtocolRegistry();
  /** Target health and plugin gauges, reported by plugins (breaker, balancer) and read by others (stats, metrics). */
  readonly status = new StatusBoard();
  /** Checks `/ready` consults (in apply()): 200 only while none reports a problem. */
  readonly readiness = new ReadinessChecks();
  /** 1 for the gateway createGateway() built, then one more for each generation a reload swapped in. */
  readonly generation: number;
  readonly loadedAt = new Date();
  /** Where the config came from (a file path), when known. */
  readonly source: string | undefined;
  #server: Server | undefined;
  #boundHost: string | undefined;
  readonly #streams = new OpenStreams();
  #draining = false;
  #closing: Promise<void> | undefined;
  #inFlight = 0;
  #idle: Array<() => void> = [];
  #handler: RequestListener | undefined;
  #forward: RequestListener | undefined;
  /** The gateway createGateway() returned: it owns the server, the store and the generations. */
  #owner: Gateway = this;
  #current: Gateway = this;
  #recipe: Recipe;
  #started = false;
  #retiring = new Set<Promise<void>>();
  #reloading: Promise<unknown> = Promise.resolve();
  #reloads: ReloadStats = { ok: 0, failed: 0 };
  #kept = new Map<string, unknown>();
  readonly #pluginOptions: Record<string, unknown>;
  #inherited: ReadonlyMap<string, unknown> | undefined;
  readonly #contracts = new Contracts();
  readonly #contributions: ReadonlyMap<string, readonly unknown[]>;
  #applying: Plugin | undefined;

  /** @internal use createGateway() */
  constructor(init: GatewayInit) {
    const { config, logger, store, recipe, previous } = init;
    this.#pluginOptions = init.pluginOptions;
    this.config = config;
    this.logger = logger;
    this.store = store;
    this.hooks = new GatewayHooks(logger, { timing: config.server.timing !== false });
    this.instances = config.providers.map(toInstance);
    this.#contributions = init.contributions ?? new Map();
    this.#recipe = recipe;
    this.source = recipe.source;
    this.generation = previous ? previous.generation + 1 : 1;
    if (previous) {
      this.#owner = previous.#owner;
      this.#inherited = previous.#kept;
    }
  }

  /** True once close() began (on the gateway and on the generation serving). */
  get draining(): boolean {
    return this.#draining;
  }

  /** @internal Streams being written to callers, on every generation: a shutdown past its grace period ends them with an error event. */
  get openStreams(): OpenStreams {
    return this.#owner.#streams;
  }

  /** The host listen() bound (on every generation); undefined before listen(). */
  get boundHost(): string | undefined {
    return this.#owner.#boundHost;
  }

  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  /** The generation serving new requests: this gateway until reload() swapped in another. */
  get current(): Gateway {
    return this.#owner.#current;
  }

  /** Reload counts and the last outcome, kept by the gateway createGateway() returned. */
  get reloads(): Readonly<ReloadStats> {
    return this.#owner.#reloads;
  }

  /**
   * State that outlives a reload: the object the previous generation kept under the same
   * plugin and key, else `create()`. Call it in apply(); what no new generation asks for is dropped.
   * A generation that fails to build may have read kept objects: change them in `ready`, not in apply().
   */
  keep<T>(plugin: string, key: string, create: () => T): T {
    const id = `${plugin}\u0000${key}`;
    if (this.#kept.has(id)) return this.#kept.get(id) as T;
    const value = this.#inherited?.has(id) ? (this.#inherited.get(id) as T) : create();
    this.#kept.set(id, value);
    return value;
  }

  /** In apply(): provides a service other plugins use through contract()/need(); the plugin must list it under `provides`. */
  provide<T>(c: Contract<T>, value: T): void {
    const plugin = this.#applying;
    if (!plugin) throw contractError(`contract "${c.name}" can only be provided in a plugin's apply()`);
    if (!plugin.provides?.some((p) => p.name === c.name))
      throw contractError(`plugin "${plugin.name}" provides "${c.name}" without listing it under provides`);
    this.#contracts.set(c, value, plugin.name);
  }

  /** The service a plugin provided under `c`, if one did. */
  contract<T>(c: Contract<T>): T | undefined {
    return this.#contracts.get(c);
  }

  /** The service a plugin provided under `c`; throws when none did (list `c` under your plugin's `needs`). */
  need<T>(c: Contract<T>): T {
    if (!this.#contracts.has(c)) throw contractError(`no plugin provides "${c.name}"`);
    return this.#contracts.get(c) as T;
  }

  /** What the registered plugins contribute to `c` (their `contributes`), in registration order. */
  contributions<T>(c: Contract<T>): readonly T[] {
    return (this.#contributions.get(c.name) ?? []) as readonly T[];
  }

  /** A top-level config section a plugin owns (its `sections`), checked and with its defaults filled. */
  section<T = unknown>(name: string): T | undefined {
    return (this.config as unknown as Record<string, unknown>)[name] as T | undefined;
  }

  /** @internal The plugin host runs each apply() through this, so provide() and define() know who calls. */
  async withPlugin(plugin: Plugin, apply: () => void | Promise<void>): Promise<void> {
    this.#applying = plugin;
    try {
      await apply();
    } finally {
      this.#applying = undefined;
    }
  }

  /** Each plugin's options as applied (schema defaults filled); `false` for a preset plugin left out. */
  pluginOptions(): Record<string, unknown> {
    return this.#pluginOptions;
  }

  /** A Node request listener, following reloads: drive the gateway in-process or mount it on your own server. */
  callback(): RequestListener {
    this.#forward ??= (req, res) => this.#owner.#current.#handle()(req, res);
    // Seals the hooks and builds the app now rather than on the first request.
    this.#owner.#current.#handle();
    return this.#forward;
  }

  /** Starts listening. Without gateway keys, a non-loopback host is refused and loopback used instead. */
  async listen(options: ListenOptions = {}): Promise<{ url: string; host: string; port: number }> {
    if (this.#server) throw new SwitchyardError('SWITCHYARD_ERR_INTERNAL', 'listen() was already called');
    if (this.#owner !== this)
      throw new SwitchyardError(
        'SWITCHYARD_ERR_INTERNAL',
        'listen() on a reloaded generation: call it on the gateway createGateway() returned',
      );
    // The Host names requests are checked against depend on where the gateway is bound.
    const host = (this.#boundHost = this.#hostToBind(options.host ?? this.config.server.host));
    const server = (this.#server = httpServer(this.config.server, this.callback()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? this.config.server.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#started = true;
    // The serving generation's `ready` hook: plugins that own timers or connections start them.
    await this.#current.hooks.ready.promise();
    const address = server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { url: `http://${shown}:${address.port}`, host: address.address, port: address.port };
  }

  /** `host`, or loopback when no gateway keys are configured and binding elsewhere was not allowed; warns either way. */
  #hostToBind(host: string): string {
    const { allowUnauthenticated, allowedHosts } = this.config.server;
    if (this.security.authenticatesCallers) return host;
    if (!allowUnauthenticated) {
      this.logger.warn(
        'no gateway keys are configured: listening on loopback only (configure auth keys, or set server.allowUnauthenticated to bind elsewhere)',
      );
      return isLoopback(host) ? host : '127.0.0.1';
    }
    if (!isLoopback(host) && allowedHosts === undefined) {
      this.logger.warn(
        { event: 'unauthenticated_open' },
        `NO GATEWAY KEYS AND LISTENING ON ${host}: anyone who reaches this address, and any web page through DNS rebinding, can use every upstream; ` +
          'set server.allowedHosts to the names callers use, and configure auth keys',
      );
    }
    return host;
  }

  /**
   * Builds a new generation from `input` (default: `reloadFrom`, else the config this gateway was
   * built from) with the same presets, plugins, logger and store; runs its `ready` hook and swaps
   * it in. Requests in flight finish on the old generation, whose `close` hook runs and pools close
   * once it is drained. A config with problems changes nothing: each is logged, counted and returned.
   */
  reload(input?: ReloadInput | ConfigInput): Promise<ReloadResult> {
    const owner = this.#owner;
    const next = owner.#reloading.then(() => owner.#swap(input));
    owner.#reloading = next.catch(() => undefined);
    return next;
  }

  /**
   * Drains and stops: `/ready` answers 503 at once while connections are still accepted for
   * `drainDelayMs` (default server.drainDelayMs), then the listener closes, in-flight requests
   * finish (up to server.shutdownGraceMs) and everything is released.
   */
  close(options: { drainDelayMs?: number } = {}): Promise<void> {
    const owner = this.#owner;
    owner.#closing ??= owner.#shutdown(options.drainDelayMs);
    return owner.#closing;
  }

  async #shutdown(drainDelayMs: number | undefined): Promise<void> {
    this.#draining = true;
    this.#current.#draining = true;
    // A reload in progress finishes first (later ones are refused), so the generation drained is the last one.
    await this.#reloading;
    const current = this.#current;
    current.#draining = true;
    const server = this.#server;
    if (server) {
      // Load balancers see /ready fail (each probe is a new connection) before connections are refused.
      const delay = drainDelayMs ?? current.config.server.drainDelayMs;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      this.logger.info(
        { event: 'listener_closed', inFlight: current.#inFlight },
        'draining: the listener is closed, new connections are refused',
      );
      const drained = Promise.all([current.#drained(), ...this.#retiring]);
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, current.config.server.shutdownGraceMs, 'timeout').unref(),
      );
      if ((await Promise.race([drained, timeout])) === 'timeout') {
        this.logger.warn(
          { inFlight: current.#inFlight, streams: this.#streams.size },
          'shutdown grace period over: ending open streams with an error event, closing remaining connections',
        );
        const cut = new SwitchyardError(
          'SWITCHYARD_ERR_SHUTTING_DOWN',
          'the gateway is shutting down: this stream was cut at the end of its shutdown grace period',
          { expose: true },
        );
        await this.#streams.endAll(cut, STREAM_FLUSH_MS);
      }
      server.closeAllConnections();
      await closed;
    }
    await Promise.all([current.#release(), ...this.#retiring]);
    await this.store.close();
    await flushLogger(this.logger);
  }

  async #swap(input: ReloadInput | ConfigInput | undefined): Promise<ReloadResult> {
    const old = this.#current;
    const fail = (problems: string[]): ReloadResult => {
      this.#reloads.failed++;
      this.#reloads.last = { at: new Date().toISOString(), ok: false, generation: old.generation, problems };
      for (const line of problems)
        this.logger.error({ event: 'config_reload_problem', reload: 'failed' }, `config reload: ${line}`);
      this.logger.error(
        { event: 'config_reload_failed', generation: old.generation, problems: problems.length },
        `config reload failed (${problems.length} problem(s)): still serving generation ${old.generation}`,
      );
      return { ok: false, generation: old.generation, problems };
    };
    if (this.#draining) return fail(['the gateway is shutting down']);
    let next: Gateway | undefined;
    try {
      const recipe = old.#recipe;
      const { config, plugins, source } =
        input === undefined
          ? await (recipe.options.reloadFrom?.() ?? { config: recipe.config, source: recipe.source })
          : isReloadInput(input)
            ? input
            : { config: input };
      next = await recipe.rebuild(
        {
          ...recipe.options,
          config,
          plugins: plugins ?? recipe.options.plugins ?? [],
          source: source ?? recipe.source,
        },
        old,
      );
      next.#handle();
      next.#inherited = undefined;
      refuseOpenWithoutKeys(this.#boundHost, next);
      if (this.#started) await next.hooks.ready.promise();
    } catch (err) {
      // A generation whose `ready` failed may have started timers: stop them.
      if (next) await next.#release().catch(() => undefined);
      return fail(generationProblems(err));
    }
    for (const line of restartOnlyChanges(this.config, next.config)) this.logger.warn(`config reload: ${line}`);
    this.#current = next;
    this.#retire(old);
    this.#reloads.ok++;
    this.#reloads.last = { at: new Date().toISOString(), ok: true, generation: next.generation };
    this.logger.info(
      { event: 'config_reloaded', generation: next.generation },
      `config reloaded: generation ${next.generation} serves new requests`,
    );
    return { ok: true, generation: next.generation };
  }

  /** The old generation closes its hooks and pools once its last request is over. */
  #retire(old: Gateway): void {
    const done = old
      .#drained()
      .then(() => old.#release())
      .catch((err: unknown) =>
        this.logger.error({ err, generation: old.generation }, 'closing a retired generation failed'),
      )
      .finally(() => this.#retiring.delete(done));
    this.#retiring.add(done);
  }

  /** What a generation owns (not the store, nor the server): its `close` hook, its pools. */
  async #release(): Promise<void> {
    await this.hooks.close.promise();
    await this.http.close();
  }

  #drained(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** This generation's own listener: seals hooks, builds the app once, counts requests in flight. */
  #handle(): RequestListener {
    if (!this.#handler) {
      this.hooks.seal();
      const handle = createHandler(this);
      const ended = (): void => {
        if (--this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
      };
      this.#handler = (req, res) => {
        this.#inFlight++;
        res.on('close', ended);
        void handle(req, res);
      };
    }
    return this.#handler;
  }
}

export interface GatewayInit {
  config: SwitchyardConfig;
  logger: Logger;
  store: Store;
  recipe: Recipe;
  /** Each plugin's options as resolved for apply(). */
  pluginOptions: Record<string, unknown>;
  /** The generation this one replaces. */
  previous: Gateway | undefined;
  /** The registered plugins' `contributes`, by contract name. */
  contributions?: ReadonlyMap<string, readonly unknown[]>;
}

/** What a reload rebuilds a generation from. */
export interface Recipe {
  /** Presets, plugins, env and reloadFrom as given; logger and store as used. */
  readonly options: GatewayOptions;
  readonly config: ConfigInput;
  readonly source: string | undefined;
  /** Builds the next generation (build.ts), so this module does not import its builder. */
  readonly rebuild: (options: GatewayOptions, previous: Gateway) => Promise<Gateway>;
}

/** The listening server, its timeouts and connection cap from config `server`. */
function httpServer(settings: ServerConfig, listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      // Node checks the two timeouts on this interval (30 s by default): a fraction of the shorter one keeps them close to exact.
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(30_000, Math.floor(Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs) / 4)),
      ),
    },
    listener,
  );
  server.maxConnections = settings.maxConnections;
  return server;
}

/** How long a shutdown past its grace period waits for the error events it wrote to leave. */
const STREAM_FLUSH_MS = 1000;

/** A `providers[]` entry as the instance plugins read (its defaults were filled when the config was checked). */
function toInstance(entry: ProviderConfig): ProviderInstance {
  return {
    name: entry.name,
    type: entry.type,
    baseUrl: entry.baseUrl.replace(/\/+$/, ''),
    ...(entry.apiKey ? { apiKey: entry.apiKey } : {}),
    ...(entry.models === undefined ? {} : { models: Object.freeze([...entry.models]) }),
    priority: entry.priority,
    weight: entry.weight,
    tags: Object.freeze([...entry.tags]),
    timeoutMs: entry.timeoutMs,
    headers: Object.freeze({ ...entry.headers }),
    local: entry.local,
    discover: entry.discover,
    discoverIntervalMs: entry.discoverIntervalMs,
    discoverTimeoutMs: entry.discoverTimeoutMs,
    options: typeFields(entry),
  };
}

/** A reload's input as `{ config, plugins?, source? }`, rather than a bare config. */
function isReloadInput(input: ReloadInput | ConfigInput): input is ReloadInput {
  return (
    typeof input.config === 'object' &&
    input.config !== null &&
    Object.keys(input).every((k) => k === 'config' || k === 'plugins' || k === 'source')
  );
}

/**
 * Binding beyond loopback needs gateway keys or `server.allowUnauthenticated` (listen() falls back
 * to loopback without them); a reload cannot rebind, so a generation lacking both is refused.
 */
function refuseOpenWithoutKeys(boundHost: string | undefined, next: Gateway): void {
  if (boundHost === undefined || isLoopback(boundHost)) return;
  if (next.security.authenticatesCallers || next.config.server.allowUnauthenticated) return;
  throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', 'a reload may not open the gateway', {
    problems: [
      `server.allowUnauthenticated: the new config has no gateway keys and does not allow callers without one, while the gateway listens on ${boundHost}: keep a gateway key, set server.allowUnauthenticated, or restart to bind loopback`,
    ],
  });
}

/** The problem lines of whatever building a generation threw. */
function generationProblems(err: unknown): string[] {
  if (err instanceof SwitchyardError && err.problems?.length) return [...err.problems];
  return [err instanceof Error ? err.message : String(err)];
}

/** Server settings a running gateway keeps until it restarts: its listening socket, the CLI's file watch. */
const RESTART_ONLY_SERVER = [
  'host',
  'port',
  'headersTimeoutMs',
  'requestTimeoutMs',
  'keepAliveTimeoutMs',
  'maxConnections',
  'watchConfig',
] as const;

/** Settings a running gateway keeps until it restarts: RESTART_ONLY_SERVER, the store, the logger. */
function restartOnlyChanges(before: SwitchyardConfig, after: SwitchyardConfig): string[] {
  const changed = RESTART_ONLY_SERVER.filter((key) => before.server[key] !== after.server[key]).map(
    (key) => `server.${key}`,
  );
  if (JSON.stringify(before.store) !== JSON.stringify(after.store)) changed.push('store');
  for (const key of ['level', 'pretty', 'file'] as const) {
    if (before.log[key] !== after.log[key]) changed.push(`log.${key}`);
  }
  return changed.map((path) => `${path}: changed, takes effect on restart (kept as it was)`);
}
