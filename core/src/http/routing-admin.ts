import { SwitchyardError } from '../errors.js';
import type { Gateway } from '../gateway.js';
import { needsOf } from '../routing/capabilities.js';
import { noTargetError } from '../routing/core-taps.js';

const OWNER = 'switchyard';

/**
 * Core's routing admin routes:
 * - `GET /admin/routes`: router stats per target with health, instances, and each public
 *   model's targets;
 * - `POST /admin/route/explain`: the plan a chat completion body (or, with
 *   `?protocol=anthropic`, a Messages body) would get, same headers honoured, as a dry run:
 *   no upstream call, no plugin side effect.
 */
export function addRoutingAdminRoutes(gateway: Gateway): void {
  gateway.admin.add({
    method: 'GET',
    path: '/admin/routes',
    plugin: OWNER,
    handle: () => ({ body: routesBody(gateway) }),
  });
  gateway.admin.add({
    method: 'POST',
    path: '/admin/route/explain',
    plugin: OWNER,
    handle: async (req) => {
      if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
        throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'explain takes a chat completion request body', { publicCode: 'invalid_request' });
      }
      const protocol = req.query.protocol ?? 'openai';
      if (protocol !== 'openai' && protocol !== 'anthropic') {
        throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'protocol: must be openai or anthropic', { param: 'protocol', publicCode: 'invalid_request' });
      }
      const x = await gateway.router.explainExchange(req.body as Record<string, unknown>, { headers: req.headers, protocol });
      const plan = x.plan.toJSON();
      const error = x.plan.size === 0 ? noTargetError(x) : undefined;
      return {
        body: {
          model: x.model,
          constraints: x.constraints,
          ...(needsOf(x) ? { needs: needsOf(x) } : {}),
          targets: plan.targets,
          discovered: plan.discovered,
          exclusions: plan.exclusions,
          orderings: plan.orderings,
          ...(error ? { error: { status: error.status, code: error.publicCode ?? error.code, message: error.message } } : {}),
        },
      };
    },
  });
}

function routesBody(gateway: Gateway): unknown {
  const { resolver } = gateway;
  const stats = gateway.router.stats();
  return {
    ...stats,
    instances: gateway.instances.map((i) => ({
      name: i.name,
      type: i.type,
      priority: i.priority,
      weight: i.weight,
      tags: i.tags,
      local: i.local,
      ...(i.discover ? { discover: true, discovered: gateway.discovery.served.get(i.name) ?? null } : {}),
      ...(i.models ? { models: i.models } : {}),
      timeoutMs: i.timeoutMs,
    })),
    models: resolver.publicModels().map((name) => ({
      name,
      targets: resolver.resolve(name).map((t) => ({ id: t.id, health: gateway.status.health(t) })),
    })),
  };
}
