import { definePlugin, Type } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { addRoutingAdminRoutes } from './admin.js';
import { ROUTER } from './contract.js';
import { Router } from './router.js';
import { RouterStats } from './stats.js';

export const PLUGIN = 'router';
export { ROUTER, successRate } from './contract.js';
export type {
  ReportedOutcome,
  RouterApi,
  RouterStatsReport,
  SelectOptions,
  TargetStats,
  TargetStatsReport,
} from './contract.js';
export { MAX_TRACKED_TARGETS, RouterStats } from './stats.js';
export { Router } from './router.js';
export { explain } from './explain.js';
export type { ExplainOptions, Explained } from './explain.js';

/**
 * Learns per-target figures from every attempt (success rate, EWMAs of latency, time to first
 * token and ms per output token; they outlive config reloads), serves `GET /admin/routes` and
 * `POST /admin/route/explain`, and provides the router API (`gateway.need(ROUTER)`): select()
 * and explain() a request without sending it, report() outcomes observed elsewhere, stats().
 */
export function router(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    provides: [ROUTER],
    apply(gateway) {
      const api = new Router(
        gateway,
        gateway.keep(PLUGIN, 'stats', () => new RouterStats()),
      );
      gateway.provide(ROUTER, api);
      gateway.hooks.onResult.tap(PLUGIN, (result) => api.record(result));
      addRoutingAdminRoutes(gateway, api);
    },
  });
}

export default router;
