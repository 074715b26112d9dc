import { definePlugin, RouteStage, Type } from '@switchyard/core';
import { MODEL_INFO } from '@switchyard/plugin-models/contract';
import type { Exchange, Gateway, Plugin, Target } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { takeConstraints } from './constraints.js';
import { blendedPricePer1k, ROUTE_CONSTRAINTS } from './contract.js';

export const PLUGIN = 'constraints';
export { CONSTRAINT_HEADERS, CONSTRAINTS_FIELD, NO_CONSTRAINTS, takeConstraints } from './constraints.js';
export { blendedPricePer1k, ROUTE_CONSTRAINTS } from './contract.js';
export type { RouteConstraints } from './contract.js';

/** Before every other selectRoute tap: the constraints are read (and `switchyard` taken out of the body) first. */
export const READ_STAGE = RouteStage.DISCOVER - 100;
/** After the strategy and the balancer, before a breaker's half-open probe (ORDER + 50). */
export const PREFER_LOCAL_STAGE = RouteStage.ORDER + 40;

/**
 * Per-request routing constraints: `x-switchyard-max-cost`, `x-switchyard-exclude-providers`,
 * `x-switchyard-prefer-local`, `x-switchyard-strategy`, `x-switchyard-tags`, or the body's
 * `switchyard: {...}` object (never sent upstream). Excluded targets name the constraint; when
 * the request's own needs and constraints leave nothing, the caller gets 400 `constraint_unmet`.
 */
export function constraints(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    provides: [ROUTE_CONSTRAINTS],
    apply(gateway) {
      const { hooks } = gateway;
      hooks.selectRoute.tap({ name: PLUGIN, stage: READ_STAGE }, (plan, x) => {
        const taken = takeConstraints(x.body, x.headers);
        if (x.request && x.request !== x.body) delete x.request.switchyard;
        x.set(ROUTE_CONSTRAINTS, taken);
        return plan;
      });
      hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER }, (plan, x) => filter(gateway, plan, x));
      hooks.selectRoute.tap({ name: PLUGIN, stage: PREFER_LOCAL_STAGE }, (plan, x) =>
        x.get(ROUTE_CONSTRAINTS)?.preferLocal ? localFirst(plan) : plan,
      );
    },
  });
}

function filter(gateway: Gateway, plan: RoutePlan, x: Exchange): RoutePlan {
  const { excludeProviders, maxCostPer1k } = x.get(ROUTE_CONSTRAINTS) ?? {};
  if (excludeProviders) {
    const names = new Set(excludeProviders);
    plan.exclude(
      PLUGIN,
      (t) => names.has(t.instance.name) || names.has(t.instance.type),
      (t) => ({
        reason: `excluded by x-switchyard-exclude-providers (${names.has(t.instance.name) ? t.instance.name : t.instance.type})`,
        byRequest: true,
      }),
    );
  }
  if (maxCostPer1k !== undefined) {
    const priceOf = (t: Target): number | undefined => {
      const pricing = gateway.contract(MODEL_INFO)?.forTarget(t)?.pricing;
      return pricing ? blendedPricePer1k(pricing) : undefined;
    };
    plan.exclude(
      PLUGIN,
      (t) => (priceOf(t) ?? 0) > maxCostPer1k,
      (t) => ({
        reason: `blended price $${round(priceOf(t)!)} per 1k tokens is over x-switchyard-max-cost $${maxCostPer1k}`,
        byRequest: true,
      }),
    );
  }
  return plan;
}

function localFirst(plan: RoutePlan): RoutePlan {
  const local = plan.targets.filter((t) => t.instance.local);
  if (local.length === 0 || local.length === plan.size) return plan;
  const scores: Record<string, number> = {};
  for (const t of plan.targets) scores[t.id] = t.instance.local ? 1 : 0;
  return plan.reorder(
    PLUGIN,
    [...local, ...plan.targets.filter((t) => !t.instance.local)],
    scores,
    'x-switchyard-prefer-local: local instances first',
  );
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

export default constraints;
