import { contract, ConvertStage, definePlugin, exchangeKey, NOTHING, RouteStage } from '@switchyard/core';
import { AFFINITY_KEY } from './contract.js';

/** The strategies plugin's ranking, when it ranked the candidates (by name: no package dependency). */
const ROUTE_ORDERED = contract<{ readonly by: string; readonly scores: Readonly<Record<string, number>> }>(
  'strategies:ordered',
);
import type { AttemptResult, Exchange, Gateway, Plugin, Target, UpstreamRequest } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { affinityKey } from './affinity.js';
import { optionsSchema } from './options.js';
import type { LoadBalancerOptions, StickyOptions } from './options.js';
import { Balancer } from './select.js';
import type { Algorithm } from './select.js';
import { SessionTable, UNKNOWN } from './sessions.js';

export const PLUGIN = 'load-balancer';
export { AFFINITY_KEY } from './contract.js';
export { Balancer, MAX_ROTATIONS } from './select.js';
export type { Algorithm, Candidate, Ordered } from './select.js';
export { SessionTable } from './sessions.js';
export { affinityKey, promptPrefix } from './affinity.js';
export type { AffinitySource } from './affinity.js';
export type { LoadBalancerOptions, StickyOptions } from './options.js';

/** After every ADJUST tap: the attempt is about to be sent. */
const COUNT_STAGE = ConvertStage.ADJUST + 1000;
/** A waterfall tap's NOTHING (resolving to undefined) keeps the plan as it is, at once. */
const KEEP_PLAN = NOTHING as unknown as Promise<RoutePlan>;
/** Instances whose in-flight counts this request's attempts hold (two at once when hedging). */
const COUNTED = exchangeKey<string[]>('load-balancer:counted');
/** The sticky binding this request looked up: its key and the target it was sent to. */
const SESSION = exchangeKey<{ key: string; target: string }>('load-balancer:session');

export interface LoadBalancerPlugin extends Plugin<LoadBalancerOptions> {
  /** Sticky bindings held by the gateway this plugin was applied to (0 before apply). */
  sessionCount(): number;
}

/** Priority tiers, then weighted / round-robin / least-busy / p2c inside a tier; sticky sessions through gateway.store. */
export function loadBalancer(): LoadBalancerPlugin {
  let sessions: SessionTable | undefined;
  const plugin = definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    provides: [AFFINITY_KEY],
    apply(gateway, options) {
      const sticky = options.sticky.enabled ? options.sticky : undefined;
      // Latency and in-flight figures, and the local binding cache, outlive a reload that keeps their settings.
      const balancer = gateway.keep(
        PLUGIN,
        `balancer:${options.algorithm}:${options.decayMs}`,
        () => new Balancer(options.algorithm, options.decayMs),
      );
      const table = keepSessionTable(gateway, options);
      sessions = table;
      gateway.status.addGauge(
        'sticky_sessions',
        PLUGIN,
        'Sticky session bindings this replica holds',
        () => table.size,
      );
      gateway.status.addGauge(
        'sticky_lookups_slow',
        PLUGIN,
        'Sticky binding lookups the store did not answer within sticky.lookupTimeoutMs (requests went on without waiting) since start',
        () => table.slowLookups,
      );
      tapRequests(gateway, { algorithm: options.algorithm, sticky, balancer, table });
      addSessionsRoute(gateway, options, balancer, table);
    },
  });
  return { ...plugin, sessionCount: () => sessions?.size ?? 0 };
}

/** What the taps of one gateway generation work with. */
interface Balancing {
  readonly algorithm: Algorithm;
  readonly sticky: StickyOptions | undefined;
  readonly balancer: Balancer;
  readonly table: SessionTable;
}

function keepSessionTable(gateway: Gateway, options: LoadBalancerOptions): SessionTable {
  const onStoreError = (err: unknown): void =>
    gateway.logger.warn({ err, plugin: PLUGIN }, 'load-balancer: store failed');
  return gateway.keep(PLUGIN, `sessions:${JSON.stringify(options.sticky)}`, () => {
    // One line per second at most: a slow store slows every lookup.
    let loggedAt = -Infinity;
    const onSlowLookup = (): void => {
      const now = Date.now();
      if (now - loggedAt < 1000) return;
      loggedAt = now;
      gateway.logger.warn(
        { plugin: PLUGIN, event: 'sticky_lookup_slow', lookupTimeoutMs: options.sticky.lookupTimeoutMs },
        `load-balancer: the store did not answer a sticky lookup within ${options.sticky.lookupTimeoutMs} ms; requests go on without waiting (the binding this replica knows, else none)`,
      );
    };
    return new SessionTable(gateway.store, options.sticky, { onStoreError, onSlowLookup });
  });
}

function tapRequests(gateway: Gateway, state: Balancing): void {
  gateway.hooks.selectRoute.tapPromise({ name: PLUGIN, stage: RouteStage.ORDER }, (plan, x) => order(state, plan, x));
  const count = (req: UpstreamRequest, x: Exchange): UpstreamRequest => countAttempt(state.balancer, req, x);
  for (const type of new Set(gateway.instances.map((i) => i.type))) {
    gateway.hooks.convertRequest.for(type).tap({ name: PLUGIN, stage: COUNT_STAGE }, count);
  }
  gateway.hooks.onResult.tap(PLUGIN, (result, x) => learn(state, result, x));
}

/** An empty plan, or one target none was excluded beside, is ordered at once: the plan is kept. */
function order(state: Balancing, plan: RoutePlan, x: Exchange): Promise<RoutePlan> {
  if (plan.size === 0) return KEEP_PLAN;
  if (plan.size === 1 && plan.exclusions.length === 0) return onlyTarget(state.sticky, x);
  return reorder(state, plan, x);
}

async function reorder(state: Balancing, plan: RoutePlan, x: Exchange): Promise<RoutePlan> {
  const { balancer, sticky, table } = state;
  // A strategy ranked the candidates: keep its order; stickiness only among equal scores.
  const ranked = x.get(ROUTE_ORDERED);
  const ordered = ranked
    ? { targets: [...plan.targets], indices: plan.targets.map((_, i) => i), scores: {} }
    : balancer.order(plan.targets, x.dryRun);
  const algorithm = ranked ? `${ranked.by} order kept` : state.algorithm;
  const affinity = sticky ? affinityKey(x, sticky) : undefined;
  if (affinity === undefined)
    return plan.size > 1 && !ranked ? plan.permute(PLUGIN, ordered.indices, ordered.scores, algorithm) : plan;
  x.set(AFFINITY_KEY, affinity);
  const key = `${x.model}|${affinity}`;
  const found = await table.get(key);
  if (found === UNKNOWN) {
    // The store is slow and this replica knows no binding: no waiting, and nothing bound over one it may hold.
    const note = `${algorithm}; sticky lookup timed out, not bound`;
    return plan.size > 1 && !ranked ? plan.permute(PLUGIN, ordered.indices, ordered.scores, note) : plan;
  }
  const bound = found;
  const first = ordered.targets[0]!;
  const peer = ranked
    ? (t: Target): boolean => ranked.scores[t.id] === ranked.scores[first.id]
    : (t: Target): boolean => t.instance.priority === first.instance.priority;
  const hit = bound === undefined ? undefined : ordered.targets.find((t) => t.id === bound && peer(t));
  let note: string;
  if (hit) {
    const at = ordered.targets.indexOf(hit);
    ordered.targets.splice(at, 1);
    ordered.targets.unshift(hit);
    ordered.indices.unshift(ordered.indices.splice(at, 1)[0]!);
    note = `${algorithm}; sticky ${hit.id}`;
  } else if (x.dryRun) {
    note = `${algorithm}; would bind sticky to ${first.id}`;
  } else {
    void table.bind(key, first.id); // the store write is not waited for (errors are logged)
    note =
      bound === undefined
        ? `${algorithm}; sticky bound to ${first.id}`
        : `${algorithm}; sticky moved from ${bound} to ${first.id}`;
  }
  if (!x.dryRun) x.set(SESSION, { key, target: ordered.targets[0]!.id });
  return plan.permute(PLUGIN, ordered.indices, ordered.scores, note);
}

/**
 * The only target the model has (none excluded): nothing to order and no binding to read or
 * keep. (One left after exclusions takes the full path: the session moves to it and stays.)
 * The affinity key is still set when a source names one: the prompt cache sends it as the
 * provider's cache key.
 */
function onlyTarget(sticky: StickyOptions | undefined, x: Exchange): Promise<RoutePlan> {
  if (sticky) {
    const affinity = affinityKey(x, sticky);
    if (affinity !== undefined) x.set(AFFINITY_KEY, affinity);
  }
  return KEEP_PLAN;
}

function countAttempt(balancer: Balancer, req: UpstreamRequest, x: Exchange): UpstreamRequest {
  const instance = x.target?.instance.name;
  if (instance !== undefined) {
    balancer.started(instance);
    const counted = x.get(COUNTED);
    if (counted) counted.push(instance);
    else x.set(COUNTED, [instance]);
  }
  return req;
}

function learn(state: Balancing, result: AttemptResult, x: Exchange): void {
  const instance = result.target.instance.name;
  const counted = x.get(COUNTED);
  const at = counted ? counted.indexOf(instance) : -1;
  if (at >= 0) {
    counted!.splice(at, 1);
    const latency =
      result.outcome === 'success'
        ? (result.ttftMs ?? result.latencyMs)
        : result.outcome === 'failure'
          ? result.latencyMs
          : undefined;
    state.balancer.finished(instance, latency, result.outcome === 'failure');
  }
  const session = x.get(SESSION);
  if (session && result.outcome === 'success' && result.attempt > 1 && session.target !== result.target.id) {
    // Served elsewhere after a failover: the conversation follows the instance that answered.
    session.target = result.target.id;
    void state.table.bind(session.key, result.target.id);
  }
}

function addSessionsRoute(
  gateway: Gateway,
  options: LoadBalancerOptions,
  balancer: Balancer,
  table: SessionTable,
): void {
  gateway.routes.add({
    method: 'GET',
    path: '/admin/sessions',
    plugin: PLUGIN,
    handle: () => ({
      body: {
        algorithm: options.algorithm,
        sessions: table.size,
        instances: gateway.instances.map((i) => ({
          name: i.name,
          inFlight: balancer.inFlight(i.name),
          latencyMs: Math.round(balancer.latency(i.name)),
        })),
      },
    }),
  });
}

export default loadBalancer;
