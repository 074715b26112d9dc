import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

/** One gateway key as configured. */
export const gatewayKeySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]*$', description: 'Shown in logs and metrics (never the key), and as `x.caller.name`.' }),
    key: Type.Optional(Type.String({ description: 'The key in plaintext, usually `${ENV_VAR}`; hashed at startup. Exactly one of `key` / `keyHash`.' })),
    keyHash: Type.Optional(Type.String({ description: '`sha256:<64 hex>` (or the bare hex) of the key, from `switchyard keys hash`.' })),
    enabled: Type.Boolean({ default: true, description: '`false`: refused with 401 `key_disabled`.' }),
    models: Type.Array(Type.String({ minLength: 1 }), {
      default: ['*'],
      description: 'Allowed models: names and globs (`*`, `?`) matched against the model each target would receive (with a `/`: against `instance/model`); aliases, `tag:` queries and `instance/model` listed exactly grant what they resolve to.',
    }),
    providers: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Allowed upstream instances, by instance name or provider type (globs); default: all.' })),
    expiresAt: Type.Optional(Type.String({ description: 'ISO 8601 instant after which the key is refused with 401 `key_expired`; default: never.' })),
    team: Type.Optional(Type.String({ description: 'The caller team, `x.caller.team`, on the Exchange and in logs.' })),
    owner: Type.Optional(Type.String({ description: 'Who owns the key, `x.caller.metadata.owner`.' })),
    admin: Type.Boolean({ default: false, description: 'The key may use `/admin/*`.' }),
    strategy: Type.Optional(Type.String({ description: 'Default routing strategy of the key, `x.caller.metadata.strategy`, for a routing plugin.' })),
    limits: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Per-key limits, `x.caller.metadata.limits`, read by `@switchyard/plugin-rate-limit`.' })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form, merged into `x.caller.metadata`.' })),
  },
  { additionalProperties: false, oneOf: [{ required: ['key'] }, { required: ['keyHash'] }] },
);

/** Options of the auth plugin (`plugins.auth`). */
export const optionsSchema = Type.Object(
  {
    keys: Type.Array(gatewayKeySchema, {
      default: [],
      description: 'The gateway keys. With none, the plugin lets every caller in and the gateway binds loopback only.',
    }),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type AuthOptions = Static<typeof optionsSchema>;
/** One gateway key as configured, schema defaults filled. */
export type GatewayKeyConfig = Static<typeof gatewayKeySchema>;
