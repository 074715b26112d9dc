/** Options of the console plugin (`plugins.console`), as applied: every one has a default. */
export interface ConsoleOptions {
  /** Where the console is served (an absolute path outside /admin/ and /v1/, no trailing slash). @default /console */
  path: string;
  /** Seconds of traffic the live figures cover: rates, error rates, percentiles, tokens and cost. @default 60 */
  windowSeconds: number;
  /** The latest samples kept per model and per target for percentiles (within the window). @default 1000 */
  maxSamples: number;
  /** Models, and targets, tracked each; beyond that they are counted as `(other)` until some fall idle. @default 100 */
  maxSeries: number;
  /** Recent requests kept for the tail. @default 200 */
  maxRequests: number;
  /** How often the page refreshes its live views, in ms. @default 2000 */
  refreshMs: number;
}

/** JSON Schema of `plugins.console`. */
export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: {
      type: 'string',
      pattern: '^(/[A-Za-z0-9._~-]+)+$',
      default: '/console',
      description: 'Where the console is served: an absolute path outside /admin/ and /v1/, without a trailing slash.',
    },
    windowSeconds: { type: 'integer', minimum: 5, maximum: 3600, default: 60, description: 'Seconds of traffic the live figures cover.' },
    maxSamples: { type: 'integer', minimum: 10, maximum: 100_000, default: 1000, description: 'Latest samples kept per model and per target for percentiles.' },
    maxSeries: { type: 'integer', minimum: 1, maximum: 10_000, default: 100, description: 'Models, and targets, tracked each; more are counted as (other).' },
    maxRequests: { type: 'integer', minimum: 1, maximum: 10_000, default: 200, description: 'Recent requests kept for the tail.' },
    refreshMs: { type: 'integer', minimum: 100, maximum: 60_000, default: 2000, description: 'How often the page refreshes its live views, in ms.' },
  },
} as const;
