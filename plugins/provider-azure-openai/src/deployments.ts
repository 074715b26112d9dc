import type { ProviderInstance } from '@switchyard/core';
import { optionsOf } from './instance-fields.js';

/** The deployment a model goes to: its `deployments` entry, else a deployment of its own name. */
export function deploymentOf(instance: ProviderInstance, model: string): string {
  return optionsOf(instance).deployments[model] ?? model;
}

/**
 * The models an instance serves by its deployments: their keys, for an instance that lists no
 * `models` (undefined for one that does: its list is what it serves).
 */
export function deploymentModels(instance: ProviderInstance): string[] | undefined {
  return instance.models === undefined ? Object.keys(optionsOf(instance).deployments) : undefined;
}
