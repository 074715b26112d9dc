import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Gateway, ProviderInstance, Target } from '@switchyard/core';
import type { ResolvedOptions } from './options.js';

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
const REQUEST_LABELS = ['key_name', 'provider', 'instance', 'model', 'endpoint'] as const;

/** Every family the plugin exports, registered on the gateway's own registry. */
export function createFamilies(registry: Registry, gateway: Gateway, options: ResolvedOptions) {
  const registers = [registry];
  const probes = gateway.instances.map(instanceTarget);
  return {
    requests: new Counter({
      name: 'switchyard_requests_total',
      help: 'Routed requests by caller key, served provider, instance and model, endpoint and HTTP status',
      labelNames: [...REQUEST_LABELS, 'status'],
      registers,
    }),
    tokens: new Counter({
      name: 'switchyard_tokens_total',
      help: 'Tokens of served requests: input (not read from or written to a cache), output, cached_read, cache_write',
      labelNames: [...REQUEST_LABELS, 'type'],
      registers,
    }),
    duration: new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Routed request duration, from the request body parsed to the response over',
      labelNames: ['provider', 'instance', 'model', 'endpoint'],
      buckets: options.latencyBuckets,
      registers,
    }),
    ttft: new Histogram({
      name: 'switchyard_time_to_first_token_seconds',
      help: 'Time to the first stream event of successful streaming attempts',
      labelNames: ['provider', 'instance', 'model'],
      buckets: options.latencyBuckets,
      registers,
    }),
    overhead: new Histogram({
      name: 'switchyard_gateway_overhead_seconds',
      help: 'Request duration minus the time spent waiting on upstreams',
      labelNames: ['endpoint'],
      buckets: options.overheadBuckets,
      registers,
    }),
    errors: new Counter({
      name: 'switchyard_errors_total',
      help: 'Failed requests by class (caller, policy = auth/rate limit/breaker, upstream, gateway) and error type',
      labelNames: ['class', 'error_type'],
      registers,
    }),
    instanceRequests: new Counter({
      name: 'switchyard_instance_requests_total',
      help: 'Upstream attempts per instance and outcome (success, failure, business_error, rate_limited, cancelled)',
      labelNames: ['instance', 'outcome'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'switchyard_rate_limited_total',
      help: 'Rate limiting: requests the gateway refused (source=gateway) and upstream attempts answered 429 (source=upstream)',
      labelNames: ['source'],
      registers,
    }),
    cost: new Counter({
      name: 'switchyard_cost_usd_total',
      help: 'Estimated cost in USD of served requests, from the model info table prices (built-in, config catalog: overrides)',
      labelNames: ['key_name', 'model'],
      registers,
    }),
    health: new Gauge({
      name: 'switchyard_instance_health',
      help: '1 while the instance takes requests, 0 while it is refused (circuit open)',
      labelNames: ['instance'],
      registers,
      collect() {
        for (const t of probes) this.set({ instance: t.instance.name }, gateway.status.health(t).healthy ? 1 : 0);
      },
    }),
    circuit: new Gauge({
      name: 'switchyard_circuit_state',
      help: 'Circuit state per instance: 0 closed, 1 half-open, 2 open',
      labelNames: ['instance'],
      registers,
      collect() {
        for (const t of probes) this.set({ instance: t.instance.name }, CIRCUIT_VALUE[gateway.status.health(t).circuit]);
      },
    }),
    sticky: new Gauge({
      name: 'switchyard_sticky_sessions',
      help: 'Sticky-session bindings the load balancer holds',
      registers,
      collect() {
        this.set(gateway.status.gauges().find((g) => g.name === 'sticky_sessions')?.value ?? 0);
      },
    }),
  };
}

export type Families = ReturnType<typeof createFamilies>;

/** A target standing for a whole instance, to ask the status board about it. */
function instanceTarget(instance: ProviderInstance): Target {
  return { id: instance.name, instance, model: '', rule: 'instance' };
}
