import type { Static } from '@sinclair/typebox';
import { mapOf, stringEnum, Type } from '@switchyard/core';

/** Strategy names; `priority` leaves the order to the load balancer. */
export const STRATEGIES = ['priority', 'cost', 'free-first', 'local-first', 'latency', 'quality', 'balanced'] as const;
export type Strategy = (typeof STRATEGIES)[number];

const strategy = (options: { default?: Strategy; description?: string } = {}) =>
  stringEnum(STRATEGIES, { type: 'string', ...options });
const weight = (description: string) => Type.Number({ minimum: 0, default: 1, description });

/** Relative weights of the balanced score's parts; each part is normalized to 0..1 first. */
export const weightsSchema = Type.Object(
  {
    cost: weight('Weight of the estimated cost (cheaper scores higher).'),
    speed: weight('Weight of the expected time (faster scores higher).'),
    quality: weight('Weight of the catalogue `quality`.'),
    reliability: weight('Weight of the success rate (Laplace-smoothed).'),
  },
  { additionalProperties: false, default: {}, description: 'Weights of the `balanced` score (each ≥ 0).' },
);

/** Options of the strategies plugin (`plugins.strategies`). */
export const optionsSchema = Type.Object(
  {
    default: strategy({ default: 'priority', description: 'Strategy when nothing more specific applies.' }),
    byModel: mapOf(strategy(), {
      default: {},
      description: 'Strategy per requested model name or alias, e.g. `{ smart: balanced }`.',
    }),
    byKey: mapOf(strategy(), {
      default: {},
      description:
        "Strategy per gateway key name (the caller set by an auth plugin), e.g. `{ app-1: cost }`; before the key's own `strategy`.",
    }),
    weights: weightsSchema,
    expectedOutputTokens: Type.Integer({
      minimum: 1,
      default: 500,
      description:
        'Output tokens assumed by the cost and latency estimates when a request sets no `max_tokens` (and the cap of those it sets).',
    }),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type StrategiesOptions = Static<typeof optionsSchema>;
export type BalancedWeights = Static<typeof weightsSchema>;
