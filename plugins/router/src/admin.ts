import { contract, SwitchyardError } from '@switchyard/core';
import type { Gateway } from '@switchyard/core';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import type { Router } from './router.js';

const OWNER = 'router';
/** Values routing plugins put on the exchange, shown by explain when present (by name: no package dependency). */
const CONSTRAINTS = contract<unknown>('constraints:request');
const NEEDS = contract<unknown>('capabilities:needs');

/**
 * The router's admin routes:
 * - `GET /admin/routes`: router stats per target with health, instances, and each public
 *   model's targets;
 * - `POST /admin/route/explain`: the plan a chat completion body (or, with `?protocol=<name>`,
 *   a body of another inbound protocol: `anthropic`, `openai-responses`) would get, same headers honoured, as a dry run:
 *   no upstream call, no plugin side effect.
 */
export function addRoutingAdminRoutes(gateway: Gateway, router: Router): void {
  gateway.routes.add({
    method: 'GET',
    path: '/admin/routes',
    plugin: OWNER,
    handle: () => ({ body: routesBody(gateway, router) }),
  });
  gateway.routes.add({
    method: 'POST',
    path: '/admin/route/explain',
    plugin: OWNER,
    handle: async (req) => {
      if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
        throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'explain takes a chat completion request body', {
          publicCode: 'invalid_request',
        });
      }
      const protocol = req.query.protocol ?? 'openai';
      if (typeof protocol !== 'string')
        throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'protocol: must be one protocol name', {
          param: 'protocol',
          publicCode: 'invalid_request',
        });
      const { exchange: x, error } = await router.explain(req.body as Record<string, unknown>, {
        headers: req.headers,
        protocol,
      });
      const plan = x.plan.toJSON();
      const needs = x.get(NEEDS);
      return {
        body: {
          model: x.model,
          constraints: x.get(CONSTRAINTS) ?? {},
          ...(needs ? { needs } : {}),
          targets: plan.targets,
          discovered: plan.discovered,
          exclusions: plan.exclusions,
          orderings: plan.orderings,
          ...(error
            ? { error: { status: error.status, code: error.publicCode ?? error.code, message: error.message } }
            : {}),
        },
      };
    },
  });
}

function routesBody(gateway: Gateway, router: Router): unknown {
  const routes = gateway.contract(MODEL_ROUTES);
  const stats = router.stats();
  return {
    ...stats,
    instances: gateway.instances.map((i) => ({
      name: i.name,
      type: i.type,
      priority: i.priority,
      weight: i.weight,
      tags: i.tags,
      local: i.local,
      ...(i.discover ? { discover: true, discovered: routes?.served(i.name) ?? null } : {}),
      ...(i.models ? { models: i.models } : {}),
      timeoutMs: i.timeoutMs,
    })),
    models: (routes?.resolver.publicModels() ?? []).map((name) => ({
      name,
      targets: (routes?.resolver.resolve(name) ?? []).map((t) => ({ id: t.id, health: gateway.status.health(t) })),
    })),
  };
}
