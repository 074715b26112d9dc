import { Type } from '@switchyard/core';
import type { Static } from '@sinclair/typebox';

/** A key's own budget, `x.caller.metadata.budget`, read by `@switchyard/plugin-budgets`. */
export const keyBudgetSchema = Type.Object(
  {
    usd: Type.Number({ minimum: 0, description: 'USD per period.' }),
    period: Type.Optional(
      Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month'), Type.Literal('none')], {
        description: 'UTC `day`, `week`, `month` (default), or `none`.',
      }),
    ),
    softLimit: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'Fraction of `usd` past which a warning is logged.' }),
    ),
  },
  { additionalProperties: false },
);

/** The fields a key has besides its secret and name: what config entries and run-time keys share. */
export const keySettings = {
  enabled: Type.Boolean({ default: true, description: '`false`: refused with 401 `key_disabled`.' }),
  models: Type.Array(Type.String({ minLength: 1 }), {
    default: ['*'],
    description:
      'Allowed models: names and globs (`*`, `?`) matched against the model each target would receive (with a `/`: against `instance/model`); aliases, `tag:` queries and `instance/model` listed exactly grant what they resolve to.',
  }),
  providers: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      description: 'Allowed upstream instances, by instance name or provider type (globs); default: all.',
    }),
  ),
  accountObjects: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      'Objects of the upstream accounts the key may name by id, each exactly (`*`: any): files (`file_id`), vector stores (`vector_store_ids`), custom skills (`container.skills`). Every key shares each upstream account, so by default a request naming one is refused with 403 `account_object_not_allowed`.',
  }),
  expiresAt: Type.Optional(
    Type.String({
      description: 'ISO 8601 instant after which the key is refused with 401 `key_expired`; default: never.',
    }),
  ),
  team: Type.Optional(Type.String({ description: 'The caller team, `x.caller.team`, on the Exchange and in logs.' })),
  owner: Type.Optional(Type.String({ description: 'Who owns the key, `x.caller.metadata.owner`.' })),
  admin: Type.Boolean({ default: false, description: 'The key may use `/admin/*`.' }),
  strategy: Type.Optional(
    Type.String({
      description: 'Default routing strategy of the key, `x.caller.metadata.strategy`, for a routing plugin.',
    }),
  ),
  limits: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'Per-key limits, `x.caller.metadata.limits`, read by `@switchyard/plugin-rate-limit`.',
    }),
  ),
  budget: Type.Optional(
    Type.Object(keyBudgetSchema.properties, {
      additionalProperties: false,
      description:
        "The key's budget, `x.caller.metadata.budget`, read by `@switchyard/plugin-budgets` (one here turns that plugin on).",
    }),
  ),
  metadata: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form, merged into `x.caller.metadata`.' }),
  ),
};

/** A key name: shown in logs and metrics. */
export const keyName = Type.String({
  minLength: 1,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]*$',
  description: 'Shown in logs and metrics (never the key), and as `x.caller.name`.',
});

/** One gateway key as configured. */
export const gatewayKeySchema = Type.Object(
  {
    name: keyName,
    key: Type.Optional(
      Type.String({
        description: 'The key in plaintext, usually `${ENV_VAR}`; hashed at startup. Exactly one of `key` / `keyHash`.',
      }),
    ),
    keyHash: Type.Optional(
      Type.String({ description: '`sha256:<64 hex>` (or the bare hex) of the key, from `switchyard keys hash`.' }),
    ),
    ...keySettings,
  },
  { additionalProperties: false, oneOf: [{ required: ['key'] }, { required: ['keyHash'] }] },
);

/** Options of the auth plugin (`plugins.auth`). */
export const optionsSchema = Type.Object(
  {
    keys: Type.Array(gatewayKeySchema, {
      default: [],
      description:
        'The gateway keys. With none (and no run-time keys), the plugin lets every caller in and the gateway binds loopback only.',
    }),
    runtimeKeys: Type.Union([Type.Boolean(), Type.Literal('auto')], {
      default: 'auto',
      description:
        'Keys managed at run time (`POST`/`PATCH`/`DELETE /admin/keys`), kept in the gateway store and seen by every replica at once. `auto`: on when the store is persistent (Redis) and keys are configured; `true`: on with any store (memory: until a restart, one replica), callers then need a key even before one exists; `false`: off.',
    }),
    keysRefreshMs: Type.Integer({
      minimum: 1000,
      default: 30_000,
      description:
        'Run-time keys are read again this often, in case a change notice was lost (changes are published to every replica at once).',
    }),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type AuthOptions = Static<typeof optionsSchema>;
/** One gateway key as configured, schema defaults filled. */
export type GatewayKeyConfig = Static<typeof gatewayKeySchema>;
export type KeyBudget = Static<typeof keyBudgetSchema>;
