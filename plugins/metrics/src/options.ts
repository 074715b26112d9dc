/** Options of the metrics plugin (`plugins.metrics`). */
export interface MetricsOptions {
  /** Where the Prometheus text is served. @default /metrics */
  path?: string;
  /** Serve it behind the admin key (loopback only when no admin key is configured) instead of to anyone. @default false */
  requireAdminKey?: boolean;
  /** Node.js process metrics (CPU, memory, event loop lag, GC) from prom-client, prefixed `switchyard_`. @default true */
  processMetrics?: boolean;
  /** Bucket bounds, in seconds, of the request duration and time-to-first-token histograms. */
  latencyBuckets?: number[];
  /** Bucket bounds, in seconds, of the gateway overhead histogram. */
  overheadBuckets?: number[];
}

export type ResolvedOptions = Required<MetricsOptions>;

export const DEFAULT_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];
export const DEFAULT_OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

const buckets = (description: string, defaults: number[]) => ({
  type: 'array',
  items: { type: 'number', exclusiveMinimum: 0 },
  minItems: 1,
  default: defaults,
  description,
});

/** JSON Schema of `plugins.metrics`. */
export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', pattern: '^/[A-Za-z0-9._/-]*$', default: '/metrics', description: 'Where the Prometheus text is served.' },
    requireAdminKey: { type: 'boolean', default: false, description: 'Serve metrics behind the admin key instead of to anyone.' },
    processMetrics: { type: 'boolean', default: true, description: 'Node.js process metrics (CPU, memory, event loop, GC).' },
    latencyBuckets: buckets('Histogram buckets (seconds) of request duration and time to first token.', DEFAULT_LATENCY_BUCKETS),
    overheadBuckets: buckets('Histogram buckets (seconds) of the gateway overhead.', DEFAULT_OVERHEAD_BUCKETS),
  },
} as const;
