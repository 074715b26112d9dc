import type { BreakerSettings } from './breaker.js';

export interface HealthCheckOptions {
  /** Time between probes of one instance. @default 15000 */
  intervalMs?: number;
  /** Instances to probe (by name). @default every instance whose provider can list models */
  instances?: string[];
}

export interface CircuitBreakerOptions extends Partial<BreakerSettings> {
  /** Consecutive failures that open a circuit. @default 5 */
  failureThreshold?: number;
  /** Failure ratio over the sliding window that opens a circuit (0 or 1: off). @default 0.5 */
  failureRatio?: number;
  /** Requests the window must hold before the ratio counts. @default 20 */
  minRequests?: number;
  /** Sliding window of the failure ratio. @default 30000 */
  windowMs?: number;
  /** How long a circuit first stays open. @default 30000 */
  openMs?: number;
  /** The longest it stays open, however often it reopens. @default 300000 */
  maxOpenMs?: number;
  /** Factor applied to the open period at each reopening without a close in between. @default 2 */
  openGrowth?: number;
  /** Random spread of the open period, ± this fraction. @default 0.2 */
  jitter?: number;
  /** Requests let through at once while half-open. @default 1 */
  halfOpenProbes?: number;
  /** Probe successes that close a half-open circuit. @default 2 */
  successThreshold?: number;
  /** How long a 429 parks an instance when it sends no Retry-After. @default 5000 */
  rateLimitCooldownMs?: number;
  /** The longest a 429 parks an instance, whatever its Retry-After says. @default 300000 */
  maxCooldownMs?: number;
  /** One breaker per instance × model instead of per instance. @default false */
  perModel?: boolean;
  /** How often states are read back from `gateway.store` (other replicas' transitions). @default 2000 */
  syncMs?: number;
  /** Active health checks through the provider's model listing; off when absent. */
  healthChecks?: HealthCheckOptions;
}

const int = (minimum: number, value: number, description: string): Record<string, unknown> => ({ type: 'integer', minimum, default: value, description });

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    failureThreshold: int(1, 5, 'Consecutive failures that open a circuit.'),
    failureRatio: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Failure ratio over the window that opens a circuit (0 or 1: off).' },
    minRequests: int(1, 20, 'Requests the window must hold before the ratio counts.'),
    windowMs: int(10, 30_000, 'Sliding window of the failure ratio, in ms.'),
    openMs: int(1, 30_000, 'How long a circuit first stays open, in ms.'),
    maxOpenMs: int(1, 300_000, 'The longest a circuit stays open, in ms.'),
    openGrowth: { type: 'number', minimum: 1, default: 2, description: 'Factor applied to the open period at each reopening.' },
    jitter: { type: 'number', minimum: 0, maximum: 1, default: 0.2, description: 'Random spread of the open period, ± this fraction.' },
    halfOpenProbes: int(1, 1, 'Requests let through at once while half-open.'),
    successThreshold: int(1, 2, 'Probe successes that close a half-open circuit.'),
    rateLimitCooldownMs: int(0, 5_000, 'How long a 429 without Retry-After parks an instance, in ms.'),
    maxCooldownMs: int(0, 300_000, 'The longest a 429 parks an instance, in ms.'),
    perModel: { type: 'boolean', default: false, description: 'One breaker per instance × model instead of per instance.' },
    syncMs: int(50, 2_000, 'How often states are read back from the store, in ms.'),
    healthChecks: {
      type: 'object',
      additionalProperties: false,
      description: 'Active health checks through the provider model listing; off when absent.',
      properties: {
        intervalMs: int(10, 15_000, 'Time between probes of one instance, in ms.'),
        instances: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Instances to probe; default: all that can list models.' },
      },
    },
  },
} as const;

/** Options after schema defaults were filled. */
export type ResolvedOptions = BreakerSettings & Required<Pick<CircuitBreakerOptions, 'perModel' | 'syncMs'>> & Pick<CircuitBreakerOptions, 'healthChecks'>;
