import { contract, contribution } from '@switchyard/core';
import type { Contribution } from '@switchyard/core';
import type { ModelInfo, ModelInfoTable } from './model-info.js';

/** The gateway's model table (provided by the models plugin, one per generation): `gateway.contract(MODEL_INFO)`. */
export const MODEL_INFO = contract<ModelInfoTable>('models:table');

/** What a provider plugin knows of its type's models, contributed to the table (config `catalog:` overrides it). */
export const BUILT_IN_MODELS = contract<Readonly<Record<string, ModelInfo>>>('models:built-in');

/** A provider plugin's `contributes` entry for its built-in model entries (exact names, or prefixes). */
export function builtInModels(models: Readonly<Record<string, ModelInfo>>): Contribution {
  return contribution(BUILT_IN_MODELS, models);
}
