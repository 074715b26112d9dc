import { SwitchyardError } from '@switchyard/core';
import type { RouteRequest, Gateway, Target } from '@switchyard/core';
import type { BreakerTable } from './breaker.js';
import { circuitsReport } from './report.js';

/** Longest ejection reason kept (it is logged, stored and shown). */
const MAX_REASON = 200;
const DEFAULT_REASON = 'ejected by an operator';

export interface CircuitRoutes {
  readonly plugin: string;
  readonly table: BreakerTable;
  readonly keyOf: (t: Target) => string;
  /** The breaker keys of an instance: its name, or one per instance × model. */
  readonly keysOf: (instance: string) => string[];
  /** Shares a key's state with other replicas through the store. */
  readonly publish: (key: string) => void;
}

/**
 * GET /admin/circuits, and POST /admin/circuits/:instance/eject and /restore: an operator
 * takes an instance out of routing (excluded with the reason `ejected (…)`) until restored.
 */
export function addCircuitRoutes(gateway: Gateway, routes: CircuitRoutes): void {
  const { plugin, table, keyOf, keysOf, publish } = routes;
  const instanceOf = (req: RouteRequest): string => {
    const name = req.params.instance ?? '';
    if (!gateway.instances.some((i) => i.name === name)) {
      throw new SwitchyardError('SWITCHYARD_ERR_NOT_FOUND', `no instance named "${name}"`, {
        publicCode: 'instance_not_found',
        param: 'instance',
      });
    }
    return name;
  };
  const answer = (name: string): unknown => ({
    instance: name,
    ejected: keysOf(name).some((k) => table.ejection(k) !== undefined),
    breakers: keysOf(name).map((k) => table.snapshot(k)),
  });

  gateway.routes.add({
    method: 'GET',
    path: '/admin/circuits',
    plugin,
    handle: () => ({ body: circuitsReport(gateway, table, keyOf) }),
  });
  gateway.routes.add({
    method: 'POST',
    path: '/admin/circuits/:instance/eject',
    plugin,
    handle: (req) => {
      const name = instanceOf(req);
      const reason = reasonOf(req.body);
      for (const key of keysOf(name)) {
        table.eject(key, reason);
        publish(key);
      }
      gateway.logger.warn({ event: 'circuit_ejected', plugin, instance: name, reason }, `instance ${name} ejected`);
      return { body: answer(name) };
    },
  });
  gateway.routes.add({
    method: 'POST',
    path: '/admin/circuits/:instance/restore',
    plugin,
    handle: (req) => {
      const name = instanceOf(req);
      let restored = false;
      for (const key of keysOf(name)) {
        if (!table.restore(key)) continue;
        restored = true;
        publish(key);
      }
      if (restored)
        gateway.logger.info({ event: 'circuit_restored', plugin, instance: name }, `instance ${name} restored`);
      return { body: answer(name) };
    },
  });
}

function reasonOf(body: unknown): string {
  if (body === undefined || body === null) return DEFAULT_REASON;
  const reason = (body as { reason?: unknown }).reason;
  if (typeof body !== 'object' || Array.isArray(body) || (reason !== undefined && typeof reason !== 'string')) {
    throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'eject takes no body or {"reason": "<text>"}', {
      publicCode: 'invalid_request',
      param: 'reason',
    });
  }
  const text = reason?.trim() ?? '';
  if (text.length > MAX_REASON)
    throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `reason: at most ${MAX_REASON} characters`, {
      publicCode: 'invalid_request',
      param: 'reason',
    });
  return text || DEFAULT_REASON;
}
