import type { Gateway, Target } from '@switchyard/core';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import type { BreakerTable } from './breaker.js';

/**
 * The body of GET /admin/circuits: each instance's breakers, and each public model's targets
 * with their state. Instance settings and router stats are core's, at GET /admin/routes.
 */
export function circuitsReport(gateway: Gateway, table: BreakerTable, keyOf: (t: Target) => string): unknown {
  const keys = table.keys();
  const resolver = gateway.contract(MODEL_ROUTES)?.resolver;
  return {
    instances: gateway.instances.map((i) => ({
      name: i.name,
      type: i.type,
      breakers: (keys.some((k) => k.startsWith(`${i.name}/`))
        ? keys.filter((k) => k.startsWith(`${i.name}/`))
        : [i.name]
      ).map((k) => table.snapshot(k)),
    })),
    models: (resolver?.publicModels() ?? []).map((name) => ({
      name,
      targets: (resolver?.resolve(name) ?? []).map((t) => ({
        id: t.id,
        state: table.state(keyOf(t)),
        ...(table.ejection(keyOf(t)) === undefined ? {} : { ejected: true }),
      })),
    })),
  };
}
