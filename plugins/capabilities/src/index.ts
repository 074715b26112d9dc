import { CONTEXT_LENGTH_EXCEEDED, contract, definePlugin, RouteStage, SwitchyardError, Type } from '@switchyard/core';
import { MODEL_INFO } from '@switchyard/plugin-models/contract';
import type { Exchange, Plugin } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { contextNeed, needsOf, unmetNeed } from './needs.js';
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
 * "may serve". When no candidate is left, the caller gets 400 `capability_unmet` naming the need,
 * or, when only the prompt's length excluded them, its protocol's "prompt too long" error.
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
        let largest = 0;
        for (const t of plan.targets) {
          const info = table.forTarget(t);
          const missing = unmetNeed(needs, info);
          if (missing === undefined) continue;
          (unmet ??= new Map()).set(t.id, missing);
          largest = Math.max(largest, info?.contextWindow ?? 0);
        }
        if (!unmet) return plan;
        plan.exclude(
          PLUGIN,
          (t) => unmet.has(t.id),
          (t) => ({ reason: `needs ${unmet.get(t.id)!}`, byRequest: true }),
        );
        if (plan.size === 0 && plan.exclusions.every((e) => e.by === PLUGIN))
          throw capabilityError(plan, x, needs, largest);
        return plan;
      });
    },
  });
}

/** The 400 when this filter excluded every candidate; `largest` is the largest context window among them. */
function capabilityError(plan: RoutePlan, x: Exchange, needs: RequestNeeds, largest: number): SwitchyardError {
  const missing = [...new Set(plan.exclusions.map((e) => e.reason.replace(/^needs /, '')))];
  if (missing.length === 1 && missing[0] === contextNeed(needs)) return tooLongError(x, needs.inputTokens, largest);
  const message =
    missing.length === 1
      ? `no target of \`${x.model}\` supports ${missing[0]}`
      : `no target of \`${x.model}\` meets the request's needs: ${plan.exclusions.map((e) => `${e.target} lacks ${e.reason.replace(/^needs /, '')}`).join('; ')}`;
  return new SwitchyardError('SWITCHYARD_ERR_CAPABILITY', message, { publicCode: 'capability_unmet', param: 'model' });
}

/**
 * A prompt longer than every target's context window: OpenAI callers read `context_length_exceeded`,
 * Anthropic callers "prompt is too long: ~N tokens > M maximum" (`tooLong`), so clients compact and retry.
 */
function tooLongError(x: Exchange, tokens: number, maximum: number): SwitchyardError {
  return new SwitchyardError(
    'SWITCHYARD_ERR_CAPABILITY',
    `This model's maximum context length is ${maximum} tokens, but the prompt is ~${tokens} tokens (estimated): no target of \`${x.model}\` has a context window that large`,
    { publicCode: CONTEXT_LENGTH_EXCEEDED, tooLong: { tokens, maximum, estimated: true } },
  );
}

export default capabilities;
