import { Type } from '@switchyard/core';
import type { Static } from '@sinclair/typebox';

export const DEFAULT_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];
export const DEFAULT_OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

const buckets = (defaults: number[], description: string) =>
  Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 1, default: defaults, description });

/** Options of the metrics plugin (`plugins.metrics`). */
export const optionsSchema = Type.Object(
  {
    path: Type.String({
      pattern: '^/[A-Za-z0-9._/-]*$',
      default: '/metrics',
      description: 'Where the Prometheus text is served (not under `/v1/`, `/health`, `/ready`).',
    }),
    requireAdminKey: Type.Boolean({
      default: false,
      description:
        'Serve it behind the admin key (loopback callers only when no admin key is configured) instead of to anyone.',
    }),
    processMetrics: Type.Boolean({
      default: true,
      description:
        "prom-client's Node.js process metrics (CPU, memory, event loop lag, GC), under Prometheus' standard names `process_*` and `nodejs_*`.",
    }),
    latencyBuckets: buckets(
      DEFAULT_LATENCY_BUCKETS,
      'Bucket bounds, in seconds, of the request duration and time-to-first-token histograms.',
    ),
    overheadBuckets: buckets(DEFAULT_OVERHEAD_BUCKETS, 'Bucket bounds, in seconds, of the gateway overhead histogram.'),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type MetricsOptions = Static<typeof optionsSchema>;
