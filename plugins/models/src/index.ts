import { definePlugin, mapOf, Type } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { ModelInfoTable, modelInfoSchema } from './model-info.js';
import type { ModelInfo } from './model-info.js';
import { BUILT_IN_MODELS, MODEL_INFO } from './table-contract.js';

export const PLUGIN = 'models';
export * from './contract.js';

/** The top-level `catalog:` section: capabilities and prices per model name or `instance/model`. */
export const catalogSchema = mapOf(modelInfoSchema, {
  default: {},
  description: 'Capabilities and prices per model name or instance/model.',
});

/**
 * The gateway's model table: what provider plugins contribute of their models (BUILT_IN_MODELS),
 * what model discovery reads in listings (setListed), under the config's `catalog:` entries.
 * Provided as MODEL_INFO, a new table for each generation.
 */
export function models(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    sections: { catalog: catalogSchema },
    provides: [MODEL_INFO],
    apply(gateway) {
      const known = Object.assign({}, ...gateway.contributions(BUILT_IN_MODELS)) as Record<string, ModelInfo>;
      const catalog = gateway.section<Record<string, ModelInfo>>('catalog') ?? {};
      gateway.provide(MODEL_INFO, new ModelInfoTable(catalog, known));
    },
  });
}

export default models;
