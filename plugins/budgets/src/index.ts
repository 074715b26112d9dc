import { contract, definePlugin, RouteStage, SwitchyardError } from '@switchyard/core';
import { MODEL_INFO } from '@switchyard/plugin-models/contract';
import { PLUGIN as PRICING_PLUGIN } from '@switchyard/plugin-pricing/contract';
import type { Gateway, Plugin } from '@switchyard/core';
import { ROUTING_OVERRIDES } from '@switchyard/core/routing';
import { addAdminRoutes } from './admin.js';
import { Budgeter } from './budgeter.js';
import type { Scope } from './budgeter.js';
import { BUDGET_EXCEEDED, BUDGET_UNAVAILABLE, budgetsOff } from './errors.js';
import { StoreHealth } from './health.js';
import type { Ledger } from './ledger.js';
import { MemoryLedger } from './memory-ledger.js';
import { RedisLedger } from './redis-ledger.js';
import type { RedisClient } from './redis-ledger.js';
import { optionsSchema } from './schema.js';
import type { BudgetsOptions } from './schema.js';
import { SoftLimits } from './soft-limits.js';

export const PLUGIN = 'budgets';
export { BUDGET_EXCEEDED, BUDGET_UNAVAILABLE, RESET_HEADER } from './errors.js';
export { MemoryLedger } from './memory-ledger.js';
export { RedisLedger } from './redis-ledger.js';
export type {
  Charge,
  Ledger,
  Reading,
  Reservation,
  ReserveResult,
  Settlement,
  SpendIncrement,
  SpendRow,
} from './ledger.js';
export { periodOf, dayOf } from './periods.js';
export type { PeriodSpan } from './periods.js';
export type { Budget, BudgetsOptions, Period } from './schema.js';
export { toCsv } from './spend.js';

/** After every ordering tap (the balancer, a breaker's probe at ORDER + 50): the plan is final. */
export const RESERVE_STAGE = RouteStage.ORDER + 1000;

/** The auth plugin, whose keys may carry a budget of their own (`keys[].budget`). */
const AUTH_PLUGIN = 'auth';
/** Right after the auth plugin has found the caller (its stage is -100). */
const AFTER_AUTHENTICATION = -99;

/** Upstream protocols that read any file an http(s) URL names (Gemini's fileData), whatever content part names it. */
const READS_ANY_URL: ReadonlySet<string> = new Set(['gemini']);

/** The gateway store's Redis connection (@switchyard/store-redis), by name: no package dependency. */
const REDIS_CLIENT = contract<RedisClient>('store-redis:client');

export interface BudgetsSetup {
  /** Epoch ms now: decides periods and price versions; a test's clock. @default Date.now */
  readonly now?: () => number;
}

/**
 * Budgets in USD per key, team and gateway, per UTC day, week, month or for ever: each request's
 * worst case is reserved against all of them at once before its first attempt (402
 * `budget_exceeded` when one has no room) and settled at its exact cost (plugin-pricing) when
 * it is over. Spend records per key, team, model and day at `GET /admin/spend`.
 */
export function budgets(setup: BudgetsSetup = {}): Plugin<BudgetsOptions> {
  const now = setup.now ?? Date.now;
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    errors: [BUDGET_EXCEEDED, BUDGET_UNAVAILABLE],
    needs: [MODEL_INFO],
    apply(gateway, options) {
      if (!budgetsOn(options) && !keysCarryBudgets(gateway)) {
        refuseUnenforcedBudgets(gateway);
        return;
      }
      requirePricing(gateway);
      const table = gateway.need(MODEL_INFO);
      const redis = gateway.contract(REDIS_CLIENT);
      const health = new StoreHealth(gateway.logger, redis ? 'redis' : 'memory', options.onStoreError);
      const ledger = keepLedger(gateway, options, redis, now, health);
      const soft = gateway.keep(PLUGIN, 'soft-limits', () => new SoftLimits(gateway.logger));
      const seen = gateway.keep(PLUGIN, 'seen', () => new Map<string, Scope>());
      const budgeter = new Budgeter({
        options,
        ledger,
        modelInfo: (t) => table.forTarget(t),
        readsAnyUrl: (t, x) => READS_ANY_URL.has(gateway.providers.protocolFor(t, x.protocol) ?? ''),
        protocolOf: (t, x) => gateway.providers.protocolFor(t, x.protocol, x),
        now,
        hedges: (x) => (x.get(ROUTING_OVERRIDES)?.hedge ?? gateway.config.routing.hedge) === true,
        logger: gateway.logger,
        health,
        soft,
        seen,
      });
      tapBudgeter(gateway, budgeter, ledger);
      gateway.status.addGauge(
        'budgets_over_soft_limit',
        PLUGIN,
        'Budgets past their soft limit in their current period',
        () => soft.count(now()),
      );
      addAdminRoutes(gateway, { plugin: PLUGIN, options, ledger, health, now, seen });
    },
  });
}

/** Budgets apply when enabled, or as soon as one is configured. */
function budgetsOn(options: BudgetsOptions): boolean {
  return (
    options.enabled ||
    options.global !== undefined ||
    options.defaults !== undefined ||
    Object.keys(options.teams).length > 0 ||
    Object.keys(options.keys).length > 0
  );
}

/** Whether a key the auth plugin's config lists carries a budget of its own (read by name: no package dependency). */
function keysCarryBudgets(gateway: Gateway): boolean {
  const auth = gateway.pluginOptions()[AUTH_PLUGIN] as
    { keys?: ReadonlyArray<{ budget?: unknown }> } | false | undefined;
  return (auth && auth.keys?.some((key) => key.budget !== undefined)) === true;
}

/**
 * With budgets off, a caller whose key was given a budget at run time (`PATCH /admin/keys/:name`)
 * is refused rather than served unbudgeted: nothing could count its spend.
 */
function refuseUnenforcedBudgets(gateway: Gateway): void {
  gateway.hooks.beforeRoute.tap({ name: PLUGIN, stage: AFTER_AUTHENTICATION }, (x) => {
    if (x.caller?.metadata?.budget !== undefined) throw budgetsOff(x.caller.name);
  });
}

/** Without the pricing plugin no request would have a cost: budgets would never fill. */
function requirePricing(gateway: Gateway): void {
  const pricing = gateway.pluginOptions()[PRICING_PLUGIN];
  if (pricing === undefined || pricing === false) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_PLUGIN_APPLY',
      `plugins.budgets needs the "${PRICING_PLUGIN}" plugin (@switchyard/plugin-pricing), which prices the requests budgets count`,
    );
  }
}

/** The ledger in the gateway store's Redis when there is one, else in memory. */
function keepLedger(
  gateway: Gateway,
  options: BudgetsOptions,
  redis: RedisClient | undefined,
  now: () => number,
  health: StoreHealth,
): Ledger {
  const failed = (err: unknown): void => health.failed(err);
  const dropped = (n: number): void =>
    gateway.logger.error(
      { plugin: PLUGIN, dropped: n },
      `budgets: ${n} settlements dropped while the budget store was unreachable`,
    );
  // Memory budgets outlive config reloads (Redis ones live in Redis).
  return gateway.keep(PLUGIN, redis ? `ledger:redis:${options.settleDelayMs}` : 'ledger:memory', () =>
    redis ? new RedisLedger(redis, options.settleDelayMs, now, failed, dropped) : new MemoryLedger(now),
  );
}

/** Reserves once the route plan is final, settles when the request finishes, flushes held settlements on close. */
function tapBudgeter(gateway: Gateway, budgeter: Budgeter, ledger: Ledger): void {
  gateway.hooks.selectRoute.tapPromise({ name: PLUGIN, stage: RESERVE_STAGE }, (plan, x) => budgeter.reserve(plan, x));
  gateway.hooks.onResult.tapPromise(PLUGIN, (result, x) => budgeter.topUp(result, x));
  gateway.hooks.onFinish.tap(PLUGIN, (x) => budgeter.finish(x));
  const refresh = setInterval(() => void budgeter.refreshHolds(), budgeter.refreshEveryMs).unref();
  gateway.hooks.close.tapPromise(PLUGIN, () => {
    clearInterval(refresh);
    return ledger.flush();
  });
}
export default budgets;
