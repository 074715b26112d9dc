import type { ProviderInstance, RoutePlan, Target } from '@switchyard/core';
import { optionsOf } from './adapter.js';

/**
 * Targets for the Azure instances that list no `models` and have a deployment for `model`: their
 * deployments' keys are the models they serve. Nothing is added to an alias's or an
 * `instance/model` plan, nor a target already in the plan.
 */
export function deploymentTargets(instances: readonly ProviderInstance[], type: string, plan: RoutePlan, model: string): Target[] {
  if (plan.targets.some((t) => t.rule === 'alias' || t.rule === 'instance')) return [];
  const present = new Set(plan.targets.map((t) => t.id));
  return instances
    .filter((i) => i.type === type && i.models === undefined && Object.hasOwn(optionsOf(i).deployments, model) && !present.has(`${i.name}/${model}`))
    .sort((a, b) => a.priority - b.priority)
    .map((instance) => ({ id: `${instance.name}/${model}`, instance, model, rule: 'listed' }));
}
