import { createRequire } from 'node:module';
import type { collectDefaultMetrics as CollectDefaultMetrics, Gauge as GaugeClass, Registry } from 'prom-client';
import { definePlugin } from '@switchyard/core';
import type { Gateway, Plugin } from '@switchyard/core';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { createFamilies } from './families.js';
import { LabelGuard } from './labels.js';
import { Recorder } from './recorder.js';
import { optionsSchema } from './options.js';
import type { MetricsOptions } from './options.js';

import { PLUGIN } from './plugin-name.js';

export { PLUGIN };
export type { MetricsOptions } from './options.js';
export { LabelGuard, OTHER } from './labels.js';
export { errorKind } from './errors.js';
export type { ErrorClass, ErrorKind } from './errors.js';

const require = createRequire(import.meta.url);
const coreVersion = (require('@switchyard/core/package.json') as { version: string }).version;

/**
 * The parts of prom-client the plugin uses, loaded when it is on. Its index also loads the
 * Pushgateway, Summary (t-digest) and cluster aggregation, which loads Node's cluster,
 * child_process and dgram modules: memory every gateway would hold for nothing.
 */
function promClient() {
  return {
    Registry: require('prom-client/lib/registry') as typeof Registry,
    Gauge: require('prom-client/lib/gauge') as typeof GaugeClass,
    collectDefaultMetrics: require('prom-client/lib/defaultMetrics') as typeof CollectDefaultMetrics,
  };
}

/** Prometheus metrics on `GET /metrics` (prom-client, one registry per gateway). */
export function metrics(): Plugin<MetricsOptions> {
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    apply(gateway, options) {
      // prom-client (and the OpenTelemetry API its process metrics load) only when the plugin is on.
      const { collectDefaultMetrics, Gauge, Registry } = promClient();
      const registry = new Registry();
      const families = createFamilies(Gauge, registry, gateway, options);
      new Gauge({
        name: 'switchyard_info',
        help: 'Switchyard version',
        labelNames: ['version'],
        registers: [registry],
      }).set({ version: coreVersion }, 1);
      // Process metrics install process-wide observers (GC, event loop): once, kept across reloads.
      const processRegistry = options.processMetrics
        ? gateway.keep(PLUGIN, 'process-metrics', () => {
            const process = new Registry();
            // Prometheus' standard names (process_*, nodejs_*), which stock dashboards and alerts expect.
            collectDefaultMetrics({ register: process });
            return process;
          })
        : undefined;
      const labels = new LabelGuard(gateway);
      const recorder = new Recorder(families, labels);

      gateway.hooks.onResult.tap(PLUGIN, (result) => recorder.attempt(result));
      gateway.hooks.onFinish.tap(PLUGIN, (x) => recorder.finish(x));
      gateway.contract(MODEL_ROUTES)?.onChange(PLUGIN, () => labels.forgetModels());
      gateway.routes.add({
        method: 'GET',
        path: options.path,
        plugin: PLUGIN,
        access: options.requireAdminKey ? 'admin' : 'public',
        handle: async () => {
          addPluginGauges(Gauge, registry, gateway);
          const body = await registry.metrics();
          return {
            body: processRegistry ? `${body}${await processRegistry.metrics()}` : body,
            headers: { 'content-type': registry.contentType },
          };
        },
      });
    },
  });
}

/** Other gauges plugins report on the status board (besides sticky_sessions), as `switchyard_<name>`. */
function addPluginGauges(Gauge: typeof GaugeClass, registry: Registry, gateway: Gateway): void {
  for (const g of gateway.status.gauges()) {
    const name = `switchyard_${g.name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
    if (registry.getSingleMetric(name)) continue;
    new Gauge({
      name,
      help: `${g.help} (reported by ${g.plugin})`,
      registers: [registry],
      collect() {
        this.set(gateway.status.gauges().find((s) => s.name === g.name)?.value ?? 0);
      },
    });
  }
}

export default metrics;
