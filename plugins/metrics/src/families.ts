import type { Gauge as GaugeClass, Metric, Registry } from 'prom-client';
import type { Gateway, ProviderInstance, Target } from '@switchyard/core';
import type { MetricsOptions } from './options.js';
import { PLUGIN } from './plugin-name.js';
import { CounterFamily, HistogramFamily } from './tally.js';

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** Every family the plugin exports, registered on the gateway's own registry. */
export function createFamilies(
  Gauge: typeof GaugeClass,
  registry: Registry,
  gateway: Gateway,
  options: MetricsOptions,
) {
  const registers = [registry];
  const probes = gateway.instances.map(instanceTarget);
  // Counters and histograms outlive a config reload (same buckets): a reload never resets a series.
  const buckets = JSON.stringify([options.latencyBuckets, options.overheadBuckets]);
  const families = gateway.keep(PLUGIN, `families:${buckets}`, () => tallies(options));
  for (const family of Object.values(families)) registry.registerMetric(family as unknown as Metric);
  new Gauge({
    name: 'switchyard_instance_health',
    help: '1 while the instance takes requests, 0 while it is refused (circuit open)',
    labelNames: ['instance'],
    registers,
    collect() {
      for (const t of probes) this.set({ instance: t.instance.name }, gateway.status.health(t).healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'switchyard_circuit_state',
    help: 'Circuit state per instance: 0 closed, 1 half-open, 2 open',
    labelNames: ['instance'],
    registers,
    collect() {
      for (const t of probes) this.set({ instance: t.instance.name }, CIRCUIT_VALUE[gateway.status.health(t).circuit]);
    },
  });
  new Gauge({
    name: 'switchyard_sticky_sessions',
    help: 'Sticky-session bindings the load balancer holds',
    registers,
    collect() {
      this.set(gateway.status.gauges().find((g) => g.name === 'sticky_sessions')?.value ?? 0);
    },
  });
  return families;
}

export type Families = ReturnType<typeof tallies>;

function tallies(options: MetricsOptions) {
  return {
    requests: new CounterFamily(
      'switchyard_requests_total',
      'Routed requests by caller key, served provider, instance and model, endpoint and HTTP status',
    ),
    tokens: new CounterFamily(
      'switchyard_tokens_total',
      'Tokens of served requests: input (not read from or written to a cache), output, cached_read, cache_write',
    ),
    duration: new HistogramFamily(
      'switchyard_request_duration_seconds',
      'Routed request duration, from the request body parsed to the response over',
      options.latencyBuckets,
    ),
    ttft: new HistogramFamily(
      'switchyard_time_to_first_token_seconds',
      'Time to the first stream event of successful streaming attempts',
      options.latencyBuckets,
    ),
    overhead: new HistogramFamily(
      'switchyard_gateway_overhead_seconds',
      'Request duration minus the time spent waiting on upstreams',
      options.overheadBuckets,
    ),
    errors: new CounterFamily(
      'switchyard_errors_total',
      'Failed requests by class (caller, policy = auth/rate limit/breaker, upstream, gateway) and error type',
    ),
    instanceRequests: new CounterFamily(
      'switchyard_instance_requests_total',
      'Upstream attempts per instance and outcome (success, failure, business_error, rate_limited, cancelled)',
    ),
    rateLimited: new CounterFamily(
      'switchyard_rate_limited_total',
      'Rate limiting: requests the gateway refused (source=gateway) and upstream attempts answered 429 (source=upstream)',
    ),
    cost: new CounterFamily(
      'switchyard_cost_usd_total',
      'Cost in USD of requests, from the usage providers reported at the model table prices (plugin-pricing)',
    ),
  };
}

/** A target standing for a whole instance, to ask the status board about it. */
function instanceTarget(instance: ProviderInstance): Target {
  return { id: instance.name, instance, model: '', rule: 'instance' };
}
