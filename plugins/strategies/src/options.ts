/** Strategy names; `priority` leaves the order to the load balancer. */
export const STRATEGIES = ['priority', 'cost', 'free-first', 'local-first', 'latency', 'quality', 'balanced'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Relative weights of the balanced score's parts; each is normalized to 0..1 first. */
export interface BalancedWeights {
  /** @default 1 */
  cost?: number;
  /** @default 1 */
  speed?: number;
  /** @default 1 */
  quality?: number;
  /** @default 1 */
  reliability?: number;
}

export interface StrategiesOptions {
  /** Strategy when nothing more specific applies. @default priority */
  default?: Strategy;
  /** Per requested model name (alias or model), e.g. `{ smart: 'balanced' }`. @default {} */
  byModel?: Record<string, Strategy>;
  /** Per gateway key name (the caller set by an auth plugin), e.g. `{ 'app-1': 'cost' }`. @default {} */
  byKey?: Record<string, Strategy>;
  /** Weights of the balanced strategy. */
  weights?: BalancedWeights;
  /** Output tokens assumed for cost and latency estimates when the request sets no max_tokens. @default 500 */
  expectedOutputTokens?: number;
}

export interface ResolvedOptions {
  default: Strategy;
  byModel: Record<string, Strategy>;
  byKey: Record<string, Strategy>;
  weights: Required<BalancedWeights>;
  expectedOutputTokens: number;
}

const strategy = { type: 'string', enum: STRATEGIES } as const;
const weight = { type: 'number', minimum: 0, default: 1 } as const;

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    default: { ...strategy, default: 'priority' },
    byModel: { type: 'object', additionalProperties: strategy, default: {} },
    byKey: { type: 'object', additionalProperties: strategy, default: {} },
    weights: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { cost: weight, speed: weight, quality: weight, reliability: weight },
    },
    expectedOutputTokens: { type: 'integer', minimum: 1, default: 500 },
  },
} as const;
