/** JSON Schema of the auth plugin's options (`plugins.auth`). */
export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keys: {
      type: 'array',
      default: [],
      description: 'Gateway keys. With none, the plugin lets every caller in and the gateway binds loopback only.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        oneOf: [{ required: ['key'] }, { required: ['keyHash'] }],
        properties: {
          name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]*$', description: 'The key name shown in logs and metrics (never the key).' },
          key: { type: 'string', description: 'The key in plaintext, usually ${ENV_VAR}; hashed at startup.' },
          keyHash: { type: 'string', description: 'sha256:<hex> of the key, from `switchyard keys hash`.' },
          enabled: { type: 'boolean', default: true, description: 'A disabled key is refused with 401.' },
          models: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['*'], description: 'Allowed models: names, aliases, globs or tag: queries.' },
          providers: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Allowed upstream instances by name or provider type (globs). Default: all.' },
          expiresAt: { type: 'string', description: 'ISO 8601 instant after which the key is refused with 401.' },
          team: { type: 'string', description: 'The caller team, on the Exchange and in logs.' },
          owner: { type: 'string', description: 'Who owns the key (caller.metadata.owner).' },
          admin: { type: 'boolean', default: false, description: 'The key may use /admin/*.' },
          strategy: { type: 'string', description: 'Default routing strategy for this key (caller.metadata.strategy).' },
          limits: { type: 'object', description: 'Per-key limits for a rate-limit plugin (caller.metadata.limits).' },
          metadata: { type: 'object', description: 'Free-form caller metadata.' },
        },
      },
    },
  },
} as const;
