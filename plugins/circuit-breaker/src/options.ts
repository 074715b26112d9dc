import { Type } from '@switchyard/core';
import type { Static } from '@sinclair/typebox';

const int = (minimum: number, value: number, description: string) =>
  Type.Integer({ minimum, default: value, description });

export const optionsSchema = Type.Object(
  {
    failureThreshold: int(1, 5, 'Consecutive failures that open a circuit.'),
    failureRatio: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'Failure ratio over the window that opens a circuit (0 or 1: off).',
    }),
    minRequests: int(1, 20, 'Requests the window must hold before the ratio counts.'),
    windowMs: int(10, 30_000, 'Sliding window of the failure ratio, in ms.'),
    openMs: int(1, 30_000, 'How long a circuit first stays open, in ms.'),
    maxOpenMs: int(1, 300_000, 'The longest a circuit stays open, however often it reopens, in ms.'),
    openGrowth: Type.Number({
      minimum: 1,
      default: 2,
      description: 'Factor applied to the open period at each reopening without a close in between.',
    }),
    jitter: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.2,
      description: 'Random spread of the open period, ± this fraction.',
    }),
    halfOpenProbes: int(1, 1, 'Requests let through at once while half-open.'),
    successThreshold: int(1, 2, 'Probe successes that close a half-open circuit.'),
    rateLimitCooldownMs: int(0, 5_000, 'How long a 429 without Retry-After parks an instance, in ms.'),
    maxCooldownMs: int(0, 300_000, 'The longest a 429 parks an instance, whatever its Retry-After says, in ms.'),
    perModel: Type.Boolean({
      default: false,
      description: 'One breaker per instance × model instead of per instance.',
    }),
    syncMs: int(50, 2_000, "How often states are read back from the store (other replicas' transitions), in ms."),
    healthChecks: Type.Optional(
      Type.Object(
        {
          intervalMs: int(10, 15_000, 'Time between probes of one instance, in ms.'),
          instances: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description: 'Instances to probe (by name); default: every instance whose provider can list models.',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "Active health checks through the provider's model listing; off when absent.",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type CircuitBreakerOptions = Static<typeof optionsSchema>;
export type HealthCheckOptions = NonNullable<CircuitBreakerOptions['healthChecks']>;
