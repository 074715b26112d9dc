import type { Static } from '@sinclair/typebox';
import { mapOf, stringEnum, Type } from '@switchyard/core';

const count = (description: string) => Type.Optional(Type.Integer({ minimum: 0, description }));

const requestsPerMinute = count('Requests admitted per fixed one-minute window.');
const tokensPerMinute = count(
  'Tokens per fixed one-minute window: prompt estimate + max_tokens reserved at admission, settled to real usage.',
);

/** Limits for one scope (a key, a key × model). Omitted: unlimited. */
export const limitSetSchema = Type.Object(
  {
    requestsPerMinute,
    tokensPerMinute,
    concurrent: count('Requests in flight at once.'),
    tokensPerDay: count('Tokens per fixed 24-hour window, starting at its first request (not a calendar day).'),
  },
  { additionalProperties: false },
);

/** Per-key limits plus per-model limits for the same key. */
export const keyLimitsSchema = Type.Object(
  {
    ...limitSetSchema.properties,
    models: Type.Optional(
      mapOf(limitSetSchema, {
        description:
          "Limits per key × model: model names or globs, matched against the requested name and the models it resolves to (an alias's targets, an `instance/model`'s model), each counted under the model's name, → the same four limits.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Caps per upstream instance: a capped instance is skipped for the next candidate. */
export const instanceCapsSchema = Type.Object({ requestsPerMinute, tokensPerMinute }, { additionalProperties: false });

/** Options of the rate-limit plugin (`plugins.rate-limit`). */
export const optionsSchema = Type.Object(
  {
    defaults: Type.Optional(
      Type.Object(keyLimitsSchema.properties, {
        additionalProperties: false,
        description: 'Limits for every key without its own entry, and for anonymous callers.',
      }),
    ),
    keys: mapOf(keyLimitsSchema, {
      default: {},
      description: "Limits per gateway key name; they replace `defaults` and the auth plugin's `keys[].limits`.",
    }),
    instances: mapOf(instanceCapsSchema, {
      default: {},
      description:
        'Caps per upstream instance name; a capped instance is skipped for the next candidate (503 when none is left).',
    }),
    onStoreError: stringEnum(['allow', 'deny'], {
      type: 'string',
      default: 'allow',
      description:
        'When the counter store is unreachable: `allow` lets requests through unlimited (logged, with a warning header); `deny` refuses them with 503.',
    }),
    store: stringEnum(['auto', 'memory'], {
      type: 'string',
      default: 'auto',
      description:
        '`auto`: Redis when the gateway store is Redis (`store.type: redis`), else memory; `memory`: always local.',
    }),
    concurrentLeaseMs: Type.Integer({
      minimum: 3000,
      default: 300_000,
      description:
        'How long a `concurrent` slot is held without renewal, in ms. The replica running a request renews its slots every third of it; a slot its replica never gave back (the replica died, or stopped while Redis failed its settlement) frees on its own when its lease ends, whatever other requests do. A request whose replica cannot reach Redis for longer loses its slot (others may be admitted beside it).',
    }),
    charsPerToken: Type.Number({
      exclusiveMinimum: 0,
      default: 4,
      description: 'Characters per token in the prompt estimate.',
    }),
    defaultMaxTokens: Type.Integer({
      minimum: 0,
      default: 1024,
      description:
        "Output tokens reserved for a request that sets no `max_completion_tokens` / `max_tokens` / `max_output_tokens` (with `outputWithoutLimit: reserve`, only for a chat request whose model's `maxOutputTokens` is not known; it is then sent as the request's limit under a token limit). Embeddings reserve it as output too.",
    }),
    outputWithoutLimit: stringEnum(['estimate', 'reserve'], {
      type: 'string',
      default: 'estimate',
      description:
        "A chat request that sets no output limit, under a token limit. `estimate`: reserved `defaultMaxTokens` and sent no limit; what it writes beyond is counted when it ends, so a window may be passed by what the requests then running write beyond their reservation (the next request is refused, and the window lasts as many minutes as it holds limits: what was used beyond is carried over). `reserve`: reserved its model's `maxOutputTokens` (else sent `defaultMaxTokens` as its limit), so no window is passed; a request whose model may write more than the limit then runs alone in its window (a 100,000-token minute and a 128,000-token model: one such request a minute).",
    }),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type RateLimitOptions = Static<typeof optionsSchema>;
export type LimitSet = Static<typeof limitSetSchema>;
export type KeyLimits = Static<typeof keyLimitsSchema>;
export type InstanceCaps = Static<typeof instanceCapsSchema>;
