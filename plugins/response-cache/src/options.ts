import type { Static } from '@sinclair/typebox';
import { stringEnum, Type } from '@switchyard/core';

/** Options of the response-cache plugin (`plugins.response-cache`). */
export const optionsSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: '`false` keeps the plugin off the request path (the standard preset registers it with `false`).',
    }),
    backend: stringEnum(['memory', 'store'], {
      default: 'memory',
      description:
        '`memory`: an LRU in this process; `store`: the gateway store (Redis when configured: replicas share answers).',
    }),
    ttlSeconds: Type.Integer({
      minimum: 1,
      default: 3600,
      description: 'How long an answer is served from the cache, in seconds.',
    }),
    maxBytes: Type.Integer({
      minimum: 1024,
      default: 64 * 1024 * 1024,
      description: 'Memory backend: total size of the stored answers, in bytes (64 MiB).',
    }),
    maxEntryBytes: Type.Integer({
      minimum: 1,
      default: 1024 * 1024,
      description: 'Answers larger than this (serialized, in bytes) are not stored.',
    }),
    cacheable: stringEnum(['deterministic', 'all'], {
      default: 'deterministic',
      description: '`deterministic`: only requests with `temperature: 0` or a `seed`; `all`: every chat request.',
    }),
    shared: Type.Boolean({ default: false, description: 'One cache for every gateway key instead of one per key.' }),
    cacheToolCalls: Type.Boolean({ default: false, description: 'Also store answers that call tools.' }),
    storeWaitMs: Type.Integer({
      minimum: 1,
      default: 250,
      description:
        "Backend `store` on Redis: longest a request waits for the store to look its answer up or to store one, in ms (far below the store's 1 s command timeout). Past it a lookup counts as a miss and the request goes upstream; a write goes on without the request.",
    }),
    keyPrefix: Type.String({
      default: 'response-cache:',
      description: 'Prefix of its keys in the gateway store (backend `store`).',
    }),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type ResponseCacheOptions = Static<typeof optionsSchema>;
