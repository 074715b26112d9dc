import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { Gateway } from '../gateway.js';
import { RouteStage } from '../hooks.js';
import type { ModelPricing } from '../models/model-info.js';
import type { Target } from '../types.js';
import { CAPABILITIES_TAP, capabilityError, filterByCapabilities } from './capabilities.js';
import type { Exclusion, RoutePlan } from './route-plan.js';

export const RESOLVE_TAP = 'switchyard:resolve';
export const OPERATIONS_TAP = 'switchyard:operations';
export const CONSTRAINTS_TAP = 'switchyard:constraints';
export const PREFER_LOCAL_TAP = 'switchyard:prefer-local';
/** After the strategy and the balancer, before a breaker's half-open probe (ORDER + 50). */
export const PREFER_LOCAL_STAGE = RouteStage.ORDER + 40;

/**
 * Blended price in USD per 1k tokens: (3 × input + output) / 4 of the per-1M prices, the usual
 * 3:1 input-to-output mix, divided by 1000. What `x-switchyard-max-cost` is compared with.
 */
export function blendedPricePer1k(pricing: ModelPricing): number {
  return (3 * pricing.input + pricing.output) / 4 / 1000;
}

/** The selectRoute taps core itself runs, and the router stats fed by every attempt. */
export function tapCoreRouting(gateway: Gateway): void {
  const { hooks } = gateway;
  hooks.selectRoute.tap({ name: RESOLVE_TAP, stage: RouteStage.DISCOVER }, (plan, x) => plan.add(RESOLVE_TAP, gateway.resolver.resolve(x.model)));
  hooks.selectRoute.tap({ name: OPERATIONS_TAP, stage: RouteStage.FILTER }, (plan, x) =>
    plan.exclude(
      OPERATIONS_TAP,
      (t) => !(gateway.providers.get(t.instance.type)?.operations ?? ['chat']).includes(x.operation),
      (t) => `provider type ${t.instance.type} does not serve ${x.operation}`,
    ),
  );
  hooks.selectRoute.tap({ name: CAPABILITIES_TAP, stage: RouteStage.FILTER }, (plan, x) => {
    const unmet = filterByCapabilities(gateway.modelInfo, x, plan.targets);
    return unmet ? plan.exclude(CAPABILITIES_TAP, (t) => unmet.has(t.id), (t) => `needs ${unmet.get(t.id)!}`) : plan;
  });
  hooks.selectRoute.tap({ name: CONSTRAINTS_TAP, stage: RouteStage.FILTER }, (plan, x) => applyConstraints(gateway, plan, x));
  hooks.selectRoute.tap({ name: PREFER_LOCAL_TAP, stage: PREFER_LOCAL_STAGE }, (plan, x) => (x.constraints.preferLocal ? localFirst(plan) : plan));
  hooks.onResult.tap('switchyard:stats', (result) => gateway.router.record(result));
}

function applyConstraints(gateway: Gateway, plan: RoutePlan, x: Exchange): RoutePlan {
  const { excludeProviders, maxCostPer1k } = x.constraints;
  if (excludeProviders) {
    const names = new Set(excludeProviders);
    plan.exclude(
      CONSTRAINTS_TAP,
      (t) => names.has(t.instance.name) || names.has(t.instance.type),
      (t) => `excluded by x-switchyard-exclude-providers (${names.has(t.instance.name) ? t.instance.name : t.instance.type})`,
    );
  }
  if (maxCostPer1k !== undefined) {
    const priceOf = (t: Target): number | undefined => {
      const pricing = gateway.modelInfo.forTarget(t)?.pricing;
      return pricing ? blendedPricePer1k(pricing) : undefined;
    };
    plan.exclude(
      CONSTRAINTS_TAP,
      (t) => (priceOf(t) ?? 0) > maxCostPer1k,
      (t) => `blended price $${round(priceOf(t)!)} per 1k tokens is over x-switchyard-max-cost $${maxCostPer1k}`,
    );
  }
  return plan;
}

function localFirst(plan: RoutePlan): RoutePlan {
  const local = plan.targets.filter((t) => t.instance.local);
  if (local.length === 0 || local.length === plan.size) return plan;
  const scores: Record<string, number> = {};
  for (const t of plan.targets) scores[t.id] = t.instance.local ? 1 : 0;
  return plan.reorder(PREFER_LOCAL_TAP, [...local, ...plan.targets.filter((t) => !t.instance.local)], scores, 'x-switchyard-prefer-local: local instances first');
}

/**
 * The caller's error when nothing is left to try: 404 when nothing was discovered, 400 when the
 * request's own needs or constraints excluded every candidate, 429 with Retry-After when every
 * other candidate only waits (its exclusion says for how long, e.g. a rate-limit cooldown),
 * else 503 naming each exclusion.
 */
export function noTargetError(x: Exchange): SwitchyardError {
  if (x.plan.discovered.length === 0) {
    return new SwitchyardError('SWITCHYARD_ERR_MODEL_NOT_FOUND', `The model \`${x.model}\` does not exist or is not served by this gateway`, {
      publicCode: 'model_not_found',
      param: 'model',
    });
  }
  const capability = capabilityError(x);
  if (capability) return capability;
  const requested = x.plan.exclusions.filter((e) => e.by === CAPABILITIES_TAP || e.by === CONSTRAINTS_TAP);
  const reasons = [...new Set(x.plan.exclusions.map((e) => `${e.target}: ${e.reason} (${e.by})`))].join('; ');
  if (requested.length >= x.plan.discovered.length) {
    return new SwitchyardError('SWITCHYARD_ERR_CONSTRAINT', `no target of \`${x.model}\` meets the request's routing constraints: ${reasons}`, { publicCode: 'constraint_unmet' });
  }
  const waiting = waitingOnly(x.plan.exclusions.filter((e) => e.by !== CAPABILITIES_TAP && e.by !== CONSTRAINTS_TAP));
  if (waiting) {
    const headers = { ...waiting.headers, 'retry-after': String(Math.max(1, Math.ceil(waiting.retryAfterMs / 1000))) };
    return new SwitchyardError('SWITCHYARD_ERR_RATE_LIMITED', `every target of \`${x.model}\` is rate limited: ${reasons}`, { expose: true, publicCode: 'rate_limit_exceeded', headers });
  }
  return new SwitchyardError('SWITCHYARD_ERR_NO_TARGET', `no healthy target for \`${x.model}\`: ${reasons}`, { expose: true, publicCode: 'no_target' });
}

/** The exclusion that ends soonest when every one of them is only a wait, else undefined. */
function waitingOnly(exclusions: readonly Exclusion[]): (Exclusion & { retryAfterMs: number }) | undefined {
  let soonest: (Exclusion & { retryAfterMs: number }) | undefined;
  for (const e of exclusions) {
    if (e.retryAfterMs === undefined) return undefined;
    if (!soonest || e.retryAfterMs < soonest.retryAfterMs) soonest = e as Exclusion & { retryAfterMs: number };
  }
  return soonest;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
