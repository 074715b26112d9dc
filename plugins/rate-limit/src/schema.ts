const count = (description: string) => ({ type: 'integer', minimum: 0, description });

const limitSet = {
  requestsPerMinute: count('Requests admitted per one-minute window.'),
  tokensPerMinute: count('Tokens per one-minute window: prompt estimate + max_tokens reserved at admission, settled to real usage.'),
  concurrent: count('Requests in flight at once.'),
  tokensPerDay: count('Tokens per 24-hour window (starting at its first request).'),
} as const;

const keyLimits = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...limitSet,
    models: {
      type: 'object',
      description: 'Per key × model limits: model names or globs → limits.',
      additionalProperties: { type: 'object', additionalProperties: false, properties: limitSet },
    },
  },
} as const;

/** JSON Schema of the rate-limit plugin's options (`plugins.rate-limit`). */
export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    defaults: { ...keyLimits, description: 'Limits for every key without its own entry (and for anonymous callers). Default: none.' },
    keys: { type: 'object', default: {}, description: 'Limits per gateway key name; they replace defaults and auth-provided limits.', additionalProperties: keyLimits },
    instances: {
      type: 'object',
      default: {},
      description: 'Caps per upstream instance name; a capped instance is skipped for the next candidate.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { requestsPerMinute: limitSet.requestsPerMinute, tokensPerMinute: limitSet.tokensPerMinute },
      },
    },
    onStoreError: { type: 'string', enum: ['allow', 'deny'], default: 'allow', description: 'When the counter store is unreachable: let requests through unlimited, or refuse them with 503.' },
    store: { type: 'string', enum: ['auto', 'memory'], default: 'auto', description: 'auto: Redis when the gateway store is Redis, else memory.' },
    charsPerToken: { type: 'number', exclusiveMinimum: 0, default: 4, description: 'Characters per token in the prompt estimate.' },
    defaultMaxTokens: { type: 'integer', minimum: 0, default: 1024, description: 'Completion tokens reserved when a request sets no max_tokens.' },
  },
} as const;
