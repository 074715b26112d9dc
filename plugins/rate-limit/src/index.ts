import { contract, definePlugin, RouteStage } from '@switchyard/core';
import type { Exchange, Gateway, Plugin, SwitchyardConfig } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { MemoryCounters, RedisCounters } from './counters.js';
import type { RedisClient } from './counters.js';
import { Limiter } from './limiter.js';
import { optionsSchema } from './schema.js';
import type { RateLimitOptions } from './schema.js';
import { StoreHealth } from './store-health.js';
import { LIMITER_UNAVAILABLE, RATE_LIMITED } from './errors.js';

export * from './limits.js';
export { LEASE_MS, MemoryCounters, RedisCounters, WINDOW_SECONDS } from './counters.js';
export type { CounterName, Counters, Move, RedisClient, RedisCountersSettings } from './counters.js';
export type { RateLimitOptions } from './schema.js';
export { LIMITER_UNAVAILABLE, RATE_LIMITED } from './errors.js';

export const PLUGIN = 'rate-limit';

/** The Redis connection @switchyard/store-redis provides when the gateway store is Redis (by name: no package dependency). */
const REDIS_CLIENT = contract<RedisClient>('store-redis:client');

/** Protocols whose upstreams read any file by URL (Gemini's fileData), as budgets know them. */
const READS_ANY_URL: ReadonlySet<string> = new Set(['gemini']);

/**
 * Whether a target the request's model resolves to is spoken to in such a protocol; true when none
 * is known (a name only a routing plugin resolves, e.g. a `tag:` query), as any may be.
 */
function readsAnyUrl(gateway: Gateway, x: Exchange): boolean {
  const targets = gateway.contract(MODEL_ROUTES)?.resolver.resolve(x.model) ?? [];
  if (targets.length === 0) return true;
  return targets.some((t) => READS_ANY_URL.has(gateway.providers.protocolFor(t, x.protocol) ?? ''));
}

/** Instance caps of the config's section that name no provider instance (a typo would cap nothing, silently). */
function instanceCapProblems(config: SwitchyardConfig): string[] {
  const section = (config.plugins as Record<string, unknown> | undefined)?.[PLUGIN] as
    { instances?: unknown } | undefined;
  const caps = section?.instances;
  if (caps === null || typeof caps !== 'object' || Array.isArray(caps)) return [];
  const names = new Set((config.providers ?? []).map((p) => p.name));
  return Object.keys(caps)
    .filter((name) => !names.has(name))
    .map((name) => `plugins.${PLUGIN}.instances.${name}: no provider instance named "${name}"`);
}

export interface RateLimitSetup {
  /** Epoch ms now: windows' ends and concurrency slots' leases; a test's clock. @default Date.now */
  readonly now?: () => number;
}

/** Requests, tokens, concurrency and daily budgets per key and key × model; caps per upstream instance. */
export function rateLimit(setup: RateLimitSetup = {}): Plugin<RateLimitOptions> {
  const now = setup.now ?? Date.now;
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    errors: [RATE_LIMITED, LIMITER_UNAVAILABLE],
    check: instanceCapProblems,
    apply(gateway, options) {
      const redis = options.store === 'auto' ? gateway.contract(REDIS_CLIENT) : undefined;
      // In-memory counters outlive config reloads (Redis ones live in Redis); limits are read per request.
      const leaseMs = options.concurrentLeaseMs;
      const counters = gateway.keep(PLUGIN, `${redis ? 'counters:redis' : 'counters:memory'}:${leaseMs}`, () =>
        redis ? new RedisCounters(redis, { leaseMs, now }) : new MemoryCounters(now, leaseMs),
      );
      const limiter = new Limiter(
        options,
        counters,
        new StoreHealth(gateway.logger, redis ? 'redis' : 'memory'),
        gateway.logger,
        (model) => gateway.contract(MODEL_ROUTES)?.reach(model),
        (model) => gateway.contract(MODEL_INFO)?.lookup(model)?.contextWindow,
        (model) => gateway.contract(MODEL_INFO)?.lookup(model)?.maxOutputTokens,
        (x) => readsAnyUrl(gateway, x),
        (model) => gateway.contract(MODEL_INFO)?.familyOf(model),
        now,
      );
      addAdminRoutes(gateway, limiter);
      // Limits come from these options or from gateway keys (auth, registered before): with
      // neither, nothing can be limited and the plugin stays off the request path.
      const limited =
        options.defaults !== undefined ||
        Object.keys(options.keys).length > 0 ||
        Object.keys(options.instances).length > 0;
      if (!limited && !gateway.security.authenticatesCallers) return;
      gateway.hooks.beforeRoute.tapPromise(PLUGIN, (x) => limiter.admit(x));
      if (Object.keys(options.instances).length) {
        gateway.hooks.selectRoute.tapPromise({ name: PLUGIN, stage: RouteStage.FILTER }, (plan, x) =>
          limiter.filter(plan, x),
        );
      }
      gateway.hooks.onResult.tap(PLUGIN, (result, x) => limiter.record(result, x));
      gateway.hooks.onFinish.tapPromise(PLUGIN, (x) => limiter.settle(x));
      const renewal = setInterval(() => limiter.renewLeases(), limiter.renewEveryMs).unref();
      gateway.hooks.close.tap(PLUGIN, () => clearInterval(renewal));
    },
  });
}

/** `GET /admin/rate-limit`, and the counters of one key or instance. */
function addAdminRoutes(gateway: Gateway, limiter: Limiter): void {
  gateway.routes.add({
    method: 'GET',
    path: '/admin/rate-limit',
    plugin: PLUGIN,
    handle: () => ({ body: limiter.status(gateway) }),
  });
  gateway.routes.add({
    method: 'GET',
    path: '/admin/rate-limit/keys/:name',
    plugin: PLUGIN,
    handle: async (req) => ({ body: await limiter.readings(`key:${req.params.name}`) }),
  });
  gateway.routes.add({
    method: 'GET',
    path: '/admin/rate-limit/instances/:name',
    plugin: PLUGIN,
    handle: async (req) => ({ body: await limiter.instanceReadings(req.params.name!) }),
  });
}

export default rateLimit;
