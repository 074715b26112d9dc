import type { Gateway, Target } from '@switchyard/core';
import type { BreakerTable } from './breaker.js';

/**
 * The body of GET /admin/circuits: each instance's breakers, and each public model's targets
 * with their state. Instance settings and router stats are core's, at GET /admin/routes.
 */
export function circuitsReport(gateway: Gateway, table: BreakerTable, keyOf: (t: Target) => string): unknown {
  const keys = table.keys();
  return {
    instances: gateway.instances.map((i) => ({
      name: i.name,
      type: i.type,
      breakers: (keys.some((k) => k.startsWith(`${i.name}/`))
        ? keys.filter((k) => k.startsWith(`${i.name}/`))
        : [i.name]
      ).map((k) => table.snapshot(k)),
    })),
    models: gateway.resolver.publicModels().map((name) => ({
      name,
      targets: gateway.resolver.resolve(name).map((t) => ({
        id: t.id,
        state: table.state(keyOf(t)),
        ...(table.ejection(keyOf(t)) === undefined ? {} : { ejected: true }),
      })),
    })),
  };
}
