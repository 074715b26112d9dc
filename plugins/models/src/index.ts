import { definePlugin, mapOf, RouteStage, Type } from '@switchyard/core';
import type { Gateway, Plugin } from '@switchyard/core';
import { ROUTING_OVERRIDES } from '@switchyard/core/routing';
import type { RoutingOverrides } from '@switchyard/core/config';
import { aliasesOf, aliasesSchema } from './aliases.js';
import type { AliasConfig } from './aliases.js';
import { ModelInfoTable, modelInfoSchema } from './model-info.js';
import type { ModelInfo } from './model-info.js';
import { ModelResolver } from './resolve.js';
import { ModelRoutes } from './routes.js';
import { MODEL_ROUTES, RESOLVE_TAP } from './routes-contract.js';
import { BUILT_IN_MODELS, MODEL_INFO } from './table-contract.js';

export const PLUGIN = 'models';
export * from './contract.js';
export { aliasesSchema } from './aliases.js';
export { ModelResolver } from './resolve.js';
export { ModelRoutes } from './routes.js';

/** The top-level `catalog:` section: capabilities and prices per model name or `instance/model`. */
export const catalogSchema = mapOf(modelInfoSchema, {
  default: {},
  description: 'Capabilities and prices per model name or instance/model.',
});

/**
 * Model names and what is known of each model. The config's `models:` aliases and the provider
 * instances' served models resolve a requested name to its targets (provided as MODEL_ROUTES;
 * its selectRoute tap discovers them); the model table — what provider plugins contribute of
 * their models (BUILT_IN_MODELS), what model discovery reads in listings (setListed), under
 * the config's `catalog:` entries — is provided as MODEL_INFO. Both are new for each generation.
 */
export function models(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    sections: { models: aliasesSchema, catalog: catalogSchema },
    provides: [MODEL_INFO, MODEL_ROUTES],
    check: (config) => ModelResolver.aliasProblems(aliasesOf(config), config.providers),
    apply(gateway) {
      const known = Object.assign({}, ...gateway.contributions(BUILT_IN_MODELS)) as Record<string, ModelInfo>;
      const catalog = gateway.section<Record<string, ModelInfo>>('catalog') ?? {};
      gateway.provide(MODEL_INFO, new ModelInfoTable(catalog, known));
      const aliases = aliasesOf(gateway.config);
      const routes = new ModelRoutes(gateway, aliases);
      gateway.provide(MODEL_ROUTES, routes);
      tapResolve(gateway, routes, aliases);
      gateway.readiness.add(PLUGIN, () => unhealthyModels(gateway, routes.resolver));
    },
  });
}

/** Discovers a requested name's targets; for an alias with its own `routing`, sets ROUTING_OVERRIDES (one map read when any alias has one). */
function tapResolve(gateway: Gateway, routes: ModelRoutes, aliases: readonly AliasConfig[]): void {
  const overrides = new Map<string, RoutingOverrides>();
  for (const alias of aliases) if (alias.routing) overrides.set(alias.name, alias.routing);
  gateway.hooks.selectRoute.tap({ name: RESOLVE_TAP, stage: RouteStage.DISCOVER }, (plan, x) => {
    const routing = overrides.size ? overrides.get(x.model) : undefined;
    if (routing) x.set(ROUTING_OVERRIDES, routing);
    return plan.add(RESOLVE_TAP, routes.resolver.resolve(x.model));
  });
}

/** Every public model whose every target is unhealthy, as the health sources on `gateway.status` see them (what /ready reports). */
function unhealthyModels(gateway: Gateway, resolver: ModelResolver): string[] {
  if (!gateway.status.tracksHealth) return [];
  const problems: string[] = [];
  for (const model of resolver.publicModels()) {
    const health = resolver.resolve(model).map((t) => ({ id: t.id, ...gateway.status.health(t) }));
    if (health.length > 0 && health.every((h) => !h.healthy))
      problems.push(
        `model ${model}: every target is unhealthy (${health.map((h) => `${h.id}: circuit ${h.circuit}`).join(', ')})`,
      );
  }
  return problems;
}

export default models;
