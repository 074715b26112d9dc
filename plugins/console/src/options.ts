import { Type } from '@switchyard/core';
import type { Static } from '@sinclair/typebox';

const int = (minimum: number, maximum: number, value: number, description: string) =>
  Type.Integer({ minimum, maximum, default: value, description });

/** The options of the console plugin (`plugins.console`). */
export const optionsSchema = Type.Object(
  {
    path: Type.String({
      pattern: '^(/[A-Za-z0-9._~-]+)+$',
      default: '/console',
      description:
        'Where the console is served: an absolute path outside /admin/, /v1/, /health and /ready, without a trailing slash.',
    }),
    windowSeconds: int(
      5,
      3600,
      60,
      'Seconds of traffic the live figures cover: rates, error rates, percentiles, tokens and cost.',
    ),
    maxSamples: int(
      10,
      100_000,
      1000,
      'Latest latency samples kept per model and per target for percentiles (within the window).',
    ),
    maxSeries: int(
      1,
      10_000,
      100,
      'Models, and targets, tracked each; more are counted as (other) until some fall idle.',
    ),
    maxRequests: int(1, 10_000, 200, 'Recent requests kept for the tail.'),
    refreshMs: int(100, 60_000, 2000, 'How often the page refreshes its live views, in ms.'),
  },
  { additionalProperties: false },
);

/** Options of the console plugin, as applied: every one has a default. */
export type ConsoleOptions = Static<typeof optionsSchema>;
