import { definePlugin, exchangeKey, RouteStage } from '@switchyard/core';
import { retryAfterMs } from '@switchyard/core/routing';
import type { AttemptResult, Exchange, Gateway, Plugin, SwitchyardConfig, Target } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { BreakerTable } from './breaker.js';
import type { Admission, Breaker, Transition } from './breaker.js';
import { HealthChecker } from './health.js';
import { optionsSchema } from './options.js';
import type { CircuitBreakerOptions } from './options.js';
import { addCircuitRoutes } from './admin.js';
import { SharedStates } from './shared.js';

export const PLUGIN = 'circuit-breaker';
export { BreakerTable, MAX_BREAKERS } from './breaker.js';
export type {
  Admission,
  Breaker,
  BreakerSettings,
  BreakerSnapshot,
  BreakerState,
  SharedState,
  Transition,
} from './breaker.js';
export { HealthChecker } from './health.js';
export type { CircuitBreakerOptions, HealthCheckOptions } from './options.js';

/** Breaker keys holding a half-open probe lease for this request. */
const LEASES = exchangeKey<string[]>('circuit-breaker:leases');
/** After the balancer's ORDER tap: a half-open probe goes first. */
export const PROBE_STAGE = RouteStage.ORDER + 50;
const ENDS_REQUEST = new Set<AttemptResult['outcome']>(['success', 'business_error', 'cancelled']);

/** What the plugin runs on, for tests: `now` is the clock of open periods, parking and probe leases (default `Date.now`). */
export interface CircuitBreakerDeps {
  now?: () => number;
}

/** Circuit breaking per instance (or instance × model), 429 parking, health checks, operator ejection and /admin/circuits; /ready reads its health report. */
export function circuitBreaker(deps: CircuitBreakerDeps = {}): Plugin<CircuitBreakerOptions> {
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    check: healthCheckProblems,
    apply(gateway, options) {
      const keyOf = options.perModel ? (t: Target): string => t.id : (t: Target): string => t.instance.name;
      const shared = new SharedStates(gateway.store, gateway.logger, () => table);
      const table: BreakerTable = breakerTable(gateway, options, deps.now ?? Date.now, shared);
      const keysOf = (instance: string): string[] => instanceKeys(gateway, options, table, instance);
      const health = healthChecker(gateway, options, {
        passed: (name) => keysOf(name).forEach((k) => table.probePassed(k)),
        failed: (name, why) => keysOf(name).forEach((k) => table.forceOpen(k, `health check failed: ${why}`)),
      });
      tapRequests(gateway, table, keyOf);
      tapLifecycle(gateway, options, table, shared, health);
      addCircuitRoutes(gateway, { plugin: PLUGIN, table, keyOf, keysOf, publish: (key) => shared.publish(key) });
      addHealthReport(gateway, table, keyOf);
    },
  });
}

/** The breaker key of a target: its instance, or its instance × model with `perModel`. */
type KeyOf = (t: Target) => string;

function breakerTable(
  gateway: Gateway,
  options: CircuitBreakerOptions,
  now: () => number,
  shared: SharedStates,
): BreakerTable {
  // Breaker states outlive config reloads; the new settings apply to them from the swap on.
  const breakers = gateway.keep(PLUGIN, 'breakers', () => new Map<string, Breaker>());
  return new BreakerTable(
    options,
    {
      now,
      onTransition: (t) => {
        logTransition(gateway, t);
        shared.publish(t.key);
      },
    },
    breakers,
  );
}

/** The breaker keys of an instance: its name, or with `perModel` every key of it that has a breaker or a served model. */
function instanceKeys(
  gateway: Gateway,
  options: CircuitBreakerOptions,
  table: BreakerTable,
  instance: string,
): string[] {
  if (!options.perModel) return [instance];
  const resolver = gateway.contract(MODEL_ROUTES)?.resolver;
  const served = resolver?.publicModels().flatMap((m) => resolver.resolve(m).map((t) => t.id)) ?? [];
  return [...new Set([...table.keys(), ...served])].filter((k) => k.startsWith(`${instance}/`));
}

function tapRequests(gateway: Gateway, table: BreakerTable, keyOf: KeyOf): void {
  gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER }, (plan, x) =>
    admitTargets(table, keyOf, plan, x),
  );
  gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: PROBE_STAGE }, (plan, x) => probeFirst(table, keyOf, plan, x));
  gateway.hooks.onResult.tap(PLUGIN, (result, x) => learn(table, keyOf, result, x));
  gateway.hooks.onFinish.tap(PLUGIN, (x) => releaseLeases(table, x));
}

/** Asks every target's breaker once, in plan order; the plan is only rebuilt when one refuses. */
function admitTargets(table: BreakerTable, keyOf: KeyOf, plan: RoutePlan, x: Exchange): RoutePlan {
  let refusals: Map<string, Admission & { ok: false }> | undefined;
  const targets = plan.targets;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    const verdict = x.dryRun ? table.peek(keyOf(t)) : table.admit(keyOf(t), t.instance.timeoutMs + 1000);
    if (!verdict.ok) (refusals ??= new Map()).set(t.id, verdict);
    else if (!x.dryRun && verdict.probe) x.set(LEASES, [...(x.get(LEASES) ?? []), keyOf(t)]);
  }
  if (!refusals) return plan;
  const refused = refusals;
  return plan.exclude(
    PLUGIN,
    (t) => refused.has(t.id),
    // A 429 cooldown is a wait: core answers 429 with Retry-After when every target waits.
    (t) => {
      const refusal = refused.get(t.id)!;
      return refusal.retryAfterMs === undefined
        ? refusal.reason
        : {
            reason: refusal.reason,
            retryAfterMs: refusal.retryAfterMs,
            ...(refusal.headers ? { headers: refusal.headers } : {}),
          };
    },
  );
}

// A probe only tells something if it is tried: put it first (within the first tier), or give its lease back.
function probeFirst(table: BreakerTable, keyOf: KeyOf, plan: RoutePlan, x: Exchange): RoutePlan {
  if (x.dryRun) return plan;
  const leases = x.get(LEASES);
  if (!leases?.length) return plan;
  const first = plan.targets[0];
  const probe =
    first && plan.targets.find((t) => leases.includes(keyOf(t)) && t.instance.priority === first.instance.priority);
  for (const k of leases.splice(0)) if (!probe || k !== keyOf(probe)) table.release(k);
  if (!probe) return plan;
  leases.push(keyOf(probe));
  return probe === first
    ? plan
    : plan.reorder(
        PLUGIN,
        [probe, ...plan.targets.filter((t) => t !== probe)],
        {},
        `half-open probe ${probe.id} first`,
      );
}

function learn(table: BreakerTable, keyOf: KeyOf, result: AttemptResult, x: Exchange): void {
  const key = keyOf(result.target);
  const leases = x.get(LEASES);
  if (leases?.includes(key)) leases.splice(leases.indexOf(key), 1);
  if (result.outcome === 'rate_limited')
    table.record(key, result.outcome, retryAfterMs(result.retryAfter), result.rateLimitHeaders);
  else table.record(key, result.outcome);
  if (leases?.length && ENDS_REQUEST.has(result.outcome)) for (const k of leases.splice(0)) table.release(k);
}

// Whatever happened, a finished request holds no probe slot.
function releaseLeases(table: BreakerTable, x: Exchange): void {
  const leases = x.get(LEASES);
  if (leases?.length) for (const k of leases.splice(0)) table.release(k);
}

/** At ready: forget breakers of instances gone or keyed the other way, start state sharing and health checks; at close: stop them. */
function tapLifecycle(
  gateway: Gateway,
  options: CircuitBreakerOptions,
  table: BreakerTable,
  shared: SharedStates,
  health: HealthChecker | undefined,
): void {
  gateway.hooks.ready.tapPromise(PLUGIN, async () => {
    const names = new Set(gateway.instances.map((i) => i.name));
    table.forget((key) => (options.perModel ? key.includes('/') : !key.includes('/')) && names.has(key.split('/')[0]!));
    await shared.start(options.syncMs, () => new Set([...table.keys(), ...gateway.instances.map((i) => i.name)]));
    health?.start();
  });
  gateway.hooks.close.tapPromise(PLUGIN, async () => {
    await Promise.all([shared.stop(), health?.stop()]);
  });
}

function addHealthReport(gateway: Gateway, table: BreakerTable, keyOf: KeyOf): void {
  gateway.status.addHealth(PLUGIN, (t) => {
    const circuit = table.state(keyOf(t));
    const ejected = table.ejection(keyOf(t));
    return ejected === undefined
      ? { circuit, healthy: circuit !== 'open' }
      : { circuit, healthy: false, reason: `ejected (${ejected})` };
  });
}

/** Health-check instances of the config's section that name no provider instance (a typo would probe nothing, silently). */
function healthCheckProblems(config: SwitchyardConfig): string[] {
  const section = (config.plugins as Record<string, unknown> | undefined)?.[PLUGIN] as
    { healthChecks?: { instances?: unknown } } | undefined;
  const wanted = section?.healthChecks?.instances;
  if (!Array.isArray(wanted)) return [];
  const names = new Set((config.providers ?? []).map((p) => p.name));
  return wanted.flatMap((name, i) =>
    typeof name === 'string' && !names.has(name)
      ? [`plugins.${PLUGIN}.healthChecks.instances[${i}]: no provider instance named "${name}"`]
      : [],
  );
}

function healthChecker(
  gateway: Gateway,
  options: CircuitBreakerOptions,
  callbacks: ConstructorParameters<typeof HealthChecker>[2],
): HealthChecker | undefined {
  const config = options.healthChecks;
  if (!config) return undefined;
  const wanted = config.instances ? new Set(config.instances) : undefined;
  const targets = gateway.instances.flatMap((instance) => {
    const adapter = gateway.providers.get(instance.type);
    if ((wanted && !wanted.has(instance.name)) || !adapter?.listModels) return [];
    return [{ name: instance.name, probe: () => adapter.listModels!(instance, gateway.http) }];
  });
  return new HealthChecker(targets, config.intervalMs, callbacks);
}

function logTransition(gateway: Gateway, t: Transition): void {
  const line = {
    event: 'circuit_transition',
    plugin: PLUGIN,
    breaker: t.key,
    from: t.from,
    to: t.to,
    reason: t.reason,
    openings: t.openings,
    ...(t.openMs === undefined ? {} : { openMs: t.openMs }),
  };
  if (t.to === 'open') gateway.logger.warn(line, `circuit ${t.key} opened`);
  else gateway.logger.info(line, `circuit ${t.key} ${t.to === 'closed' ? 'closed' : 'half-open'}`);
}

export default circuitBreaker;
