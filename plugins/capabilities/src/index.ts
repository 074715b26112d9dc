import { contract, definePlugin, RouteStage, SwitchyardError, Type } from '@switchyard/core';
import { MODEL_INFO } from '@switchyard/plugin-models/contract';
import type { Exchange, Plugin } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { needsOf, unmetNeed } from './needs.js';
import type { RequestNeeds } from './needs.js';

export const PLUGIN = 'capabilities';
export { chatNeeds, needsOf, unmetNeed } from './needs.js';
export type { RequestNeeds } from './needs.js';

/** What the request needs of its model, set on the exchange while routing (explain shows it). */
export const REQUEST_NEEDS = contract<RequestNeeds>('capabilities:needs');

/**
 * Leaves out targets whose model is known not to serve the request: images to a text-only model,
 * tools, `json_schema` output, or a prompt longer than its context window (capabilities from the
 * gateway's model table: provider plugins' entries under config `catalog:`). Unknown means
 * "may serve". When no candidate is left, the caller gets 400 `capability_unmet` naming the need.
 */
export function capabilities(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    provides: [REQUEST_NEEDS],
    needs: [MODEL_INFO],
    apply(gateway) {
      const table = gateway.need(MODEL_INFO);
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER }, (plan, x) => {
        const needs = needsOf(x);
        if (!needs) return plan;
        x.set(REQUEST_NEEDS, needs);
        let unmet: Map<string, string> | undefined;
        for (const t of plan.targets) {
          const missing = unmetNeed(needs, table.forTarget(t));
          if (missing !== undefined) (unmet ??= new Map()).set(t.id, missing);
        }
        if (!unmet) return plan;
        plan.exclude(
          PLUGIN,
          (t) => unmet.has(t.id),
          (t) => ({ reason: `needs ${unmet.get(t.id)!}`, byRequest: true }),
        );
        if (plan.size === 0 && plan.exclusions.every((e) => e.by === PLUGIN)) throw capabilityError(plan, x);
        return plan;
      });
    },
  });
}

/** The 400 when this filter excluded every candidate. */
function capabilityError(plan: RoutePlan, x: Exchange): SwitchyardError {
  const missing = [...new Set(plan.exclusions.map((e) => e.reason.replace(/^needs /, '')))];
  const message =
    missing.length === 1
      ? `no target of \`${x.model}\` supports ${missing[0]}`
      : `no target of \`${x.model}\` meets the request's needs: ${plan.exclusions.map((e) => `${e.target} lacks ${e.reason.replace(/^needs /, '')}`).join('; ')}`;
  return new SwitchyardError('SWITCHYARD_ERR_CAPABILITY', message, { publicCode: 'capability_unmet', param: 'model' });
}

export default capabilities;
