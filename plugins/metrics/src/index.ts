import { createRequire } from 'node:module';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { AttemptResult, Exchange, Gateway, Plugin } from '@switchyard/core';
import { errorKind } from './errors.js';
import { createFamilies } from './families.js';
import type { Families } from './families.js';
import { endpointOf, LabelGuard, NONE } from './labels.js';
import { optionsSchema } from './options.js';
import type { MetricsOptions, ResolvedOptions } from './options.js';

export const PLUGIN = 'metrics';
export type { MetricsOptions } from './options.js';
export { LabelGuard, OTHER } from './labels.js';
export { errorKind } from './errors.js';
export type { ErrorClass, ErrorKind } from './errors.js';

const coreVersion = (createRequire(import.meta.url)('@switchyard/core/package.json') as { version: string }).version;

/** Prometheus metrics on `GET /metrics` (prom-client, one registry per gateway). */
export function metrics(): Plugin<MetricsOptions> {
  return {
    name: PLUGIN,
    schema: optionsSchema,
    apply(gateway, raw) {
      const options = raw as ResolvedOptions;
      const registry = new Registry();
      const families = createFamilies(registry, gateway, options);
      new Gauge({ name: 'switchyard_info', help: 'Switchyard version', labelNames: ['version'], registers: [registry] }).set({ version: coreVersion }, 1);
      if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'switchyard_' });
      const labels = new LabelGuard(gateway);
      const recorder = new Recorder(families, labels);

      gateway.hooks.onResult.tap(PLUGIN, (result) => recorder.attempt(result));
      gateway.hooks.onFinish.tap(PLUGIN, (x) => recorder.finish(x));
      gateway.hooks.modelsChanged.tap(PLUGIN, () => labels.forgetModels());
      gateway.admin.add({
        method: 'GET',
        path: options.path,
        plugin: PLUGIN,
        access: options.requireAdminKey ? 'admin' : 'public',
        handle: async () => {
          addPluginGauges(registry, gateway);
          return { body: await registry.metrics(), headers: { 'content-type': registry.contentType } };
        },
      });
    },
  };
}

/** Turns attempt results and finished requests into samples. */
class Recorder {
  constructor(
    private readonly f: Families,
    private readonly labels: LabelGuard,
  ) {}

  attempt(result: AttemptResult): void {
    const instance = this.labels.instance(result.target.instance.name);
    this.f.instanceRequests.inc({ instance, outcome: result.outcome });
    if (result.outcome === 'rate_limited') this.f.rateLimited.inc({ source: 'upstream' });
    if (result.outcome === 'success' && result.ttftMs !== undefined) {
      this.f.ttft.observe({ provider: result.target.instance.type, instance, model: this.labels.model(result.target.model) }, result.ttftMs / 1000);
    }
  }

  finish(x: Exchange): void {
    const outcome = x.response;
    if (!outcome) return;
    const target = x.target;
    const endpoint = endpointOf(x);
    const provider = target ? target.instance.type : NONE;
    const instance = this.labels.instance(target?.instance.name);
    const model = this.labels.model(target ? target.model : x.model);
    const keyName = this.labels.keyName(x);
    const totalMs = performance.now() - x.timings.start;
    this.f.requests.inc({ key_name: keyName, provider, instance, model, endpoint, status: String(outcome.status) });
    this.f.duration.observe({ provider, instance, model, endpoint }, totalMs / 1000);
    this.f.overhead.observe({ endpoint }, Math.max(0, totalMs - x.timings.upstreamMs) / 1000);
    const kind = errorKind(x);
    if (kind) {
      this.f.errors.inc({ class: kind.errorClass, error_type: kind.type });
      if (kind.type === 'rate_limited') this.f.rateLimited.inc({ source: 'gateway' });
    }
    const usage = outcome.usage;
    if (usage) {
      const cachedRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
      const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
      const base = { key_name: keyName, provider, instance, model, endpoint };
      this.f.tokens.inc({ ...base, type: 'input' }, Math.max(0, usage.prompt_tokens - cachedRead - cacheWrite));
      this.f.tokens.inc({ ...base, type: 'output' }, usage.completion_tokens);
      if (cachedRead) this.f.tokens.inc({ ...base, type: 'cached_read' }, cachedRead);
      if (cacheWrite) this.f.tokens.inc({ ...base, type: 'cache_write' }, cacheWrite);
    }
    if (outcome.costUsd !== undefined) this.f.cost.inc({ key_name: keyName, model }, outcome.costUsd);
  }
}

/** Other gauges plugins report on the status board (besides sticky_sessions), as `switchyard_<name>`. */
function addPluginGauges(registry: Registry, gateway: Gateway): void {
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
