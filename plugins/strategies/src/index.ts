import { definePlugin, RouteStage, SwitchyardError } from '@switchyard/core';
import { MODEL_INFO, inputTokens } from '@switchyard/plugin-models/contract';
import { ROUTE_ORDERED } from './contract.js';
import { ROUTE_CONSTRAINTS } from '@switchyard/plugin-constraints/contract';
import { ROUTER } from '@switchyard/plugin-router/contract';
import type { Exchange, Plugin } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { optionsSchema, STRATEGIES } from './options.js';
import type { StrategiesOptions, Strategy } from './options.js';
import { TargetProfiles } from './profiles.js';
import { Ranker } from './rank.js';
import type { Estimate } from './rank.js';

export const PLUGIN = 'strategies';
export { ROUTE_ORDERED } from './contract.js';
/** Before the load balancer (ORDER): the balancer then keeps this order (see ROUTE_ORDERED). */
export const STRATEGY_STAGE = RouteStage.ORDER - 10;
export { BalancedScorer, Ranker, estimatedCost, expectedMs, sortedIndices } from './rank.js';
export type { Estimate, Ranking } from './rank.js';
export { TargetProfiles } from './profiles.js';
export type { TargetProfile } from './profiles.js';
export { STRATEGIES } from './options.js';
export type { BalancedWeights, StrategiesOptions, Strategy } from './options.js';

const KNOWN = new Set<string>(STRATEGIES);

/**
 * Orders candidates at stage ORDER by a strategy chosen per request (`x-switchyard-strategy`,
 * body `switchyard.strategy`), else per gateway key (`byKey`, else the key's own `strategy` from
 * the auth plugin), else per requested model, else `default`.
 */
export function strategies(): Plugin<StrategiesOptions> {
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    provides: [ROUTE_ORDERED],
    needs: [ROUTER, MODEL_INFO],
    apply(gateway, options) {
      const ranker = new Ranker(new TargetProfiles(gateway.need(MODEL_INFO), gateway.need(ROUTER)), options);

      const order = (plan: RoutePlan, x: Exchange): RoutePlan => {
        const strategy = strategyFor(x, options);
        if (strategy === 'priority' || plan.size < 2) return plan;
        const targets = plan.targets;
        const ranking = ranker.rank(strategy, targets, estimate(x, options.expectedOutputTokens));
        const scores: Record<string, number> = {};
        for (let i = 0; i < targets.length; i++) scores[targets[i]!.id] = round(ranking.figures[i]!);
        x.set(ROUTE_ORDERED, { by: PLUGIN, scores });
        return plan.permute(PLUGIN, ranking.order, scores, `${strategy}: ${ranking.note}`);
      };
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: STRATEGY_STAGE }, order);
    },
  });
}

/** The request's strategy: asked for by the caller, else per key, else per model, else the default. */
export function strategyFor(x: Exchange, options: StrategiesOptions): Strategy {
  const asked = x.get(ROUTE_CONSTRAINTS)?.strategy;
  if (asked !== undefined) {
    if (!KNOWN.has(asked)) {
      throw new SwitchyardError(
        'SWITCHYARD_ERR_INVALID_REQUEST',
        `x-switchyard-strategy / switchyard.strategy: unknown strategy "${asked}" (known: ${STRATEGIES.join(', ')})`,
        {
          param: 'x-switchyard-strategy',
          publicCode: 'invalid_routing_constraint',
        },
      );
    }
    return asked as Strategy;
  }
  return (
    (x.caller ? (options.byKey[x.caller.name] ?? keyStrategy(x)) : undefined) ??
    options.byModel[x.model] ??
    options.default
  );
}

/** The `strategy` an auth plugin put in the caller's metadata (auth's per-key `strategy` field). */
function keyStrategy(x: Exchange): Strategy | undefined {
  const named = x.caller?.metadata?.strategy;
  if (typeof named !== 'string') return undefined;
  if (KNOWN.has(named)) return named as Strategy;
  x.warn(`strategy "${named}" of gateway key ${x.caller!.name} is unknown and was ignored`);
  return undefined;
}

/** Input tokens (the models plugin's chars/4 estimate) and output tokens: max_tokens capped at the expected output. */
function estimate(x: Exchange, expected: number): Estimate {
  const max = x.request?.max_completion_tokens ?? x.request?.max_tokens;
  return {
    inputTokens: inputTokens(x),
    outputTokens: typeof max === 'number' && max > 0 ? Math.min(max, expected) : expected,
  };
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1e6) / 1e6 : value;
}

export default strategies;
