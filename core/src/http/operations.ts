import { maskSecrets } from '../config/mask.js';
import type { Gateway } from '../gateway.js';

const CORE = 'switchyard';

/**
 * What core serves for operators on every generation: POST /admin/reload, GET /admin/config, the
 * readiness check "a provider is configured and every model has a healthy target" (health from gateway.status),
 * and the reload gauges.
 */
export function addOperationsRoutes(gateway: Gateway): void {
  gateway.routes.add({
    method: 'POST',
    path: '/admin/reload',
    plugin: CORE,
    handle: async () => {
      const result = await gateway.reload();
      return { status: result.ok ? 200 : 422, body: result };
    },
  });
  gateway.routes.add({
    method: 'GET',
    path: '/admin/config',
    plugin: CORE,
    handle: () => {
      const serving = gateway.current;
      return {
        body: {
          generation: serving.generation,
          loadedAt: serving.loadedAt.toISOString(),
          ...(serving.source === undefined ? {} : { source: serving.source }),
          reloads: gateway.reloads,
          config: maskSecrets({ ...serving.config, plugins: serving.pluginOptions() }),
        },
      };
    },
  });
  gateway.readiness.add(CORE, () => unservedModels(gateway));
  gateway.status.addGauge('config_generation', CORE, 'Config generation serving requests (1 at start, +1 per successful reload)', () => gateway.current.generation);
  gateway.status.addGauge('config_reloads_ok', CORE, 'Successful config reloads since start', () => gateway.reloads.ok);
  gateway.status.addGauge('config_reloads_failed', CORE, 'Config reloads refused (invalid config, plugin failure) since start', () => gateway.reloads.failed);
}

/** No provider at all, or every public model whose every target is unhealthy, as the health sources (a breaker) report it. */
function unservedModels(gateway: Gateway): string[] {
  if (gateway.instances.length === 0) return ['no provider is configured: nothing can be served (add one under providers:)'];
  if (!gateway.status.tracksHealth) return [];
  const problems: string[] = [];
  for (const model of gateway.resolver.publicModels()) {
    const targets = gateway.resolver.resolve(model);
    const health = targets.map((t) => ({ id: t.id, ...gateway.status.health(t) }));
    if (health.length > 0 && health.every((h) => !h.healthy)) {
      problems.push(`model ${model}: every target is unhealthy (${health.map((h) => `${h.id}: circuit ${h.circuit}`).join(', ')})`);
    }
  }
  return problems;
}
