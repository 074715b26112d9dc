import { Type } from '@switchyard/core';
import type { Static } from '@sinclair/typebox';

/** Options of the protocol-responses plugin (`plugins.protocol-responses`). */
export const optionsSchema = Type.Object(
  {
    store: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            "Keep each response whose request does not say `store: false` (OpenAI's default is to store), for `previous_response_id`, `item_reference` and `GET`/`DELETE /v1/responses/{id}`. `false`: nothing is kept and those are refused.",
        }),
        ttlSeconds: Type.Integer({
          minimum: 1,
          default: 86_400,
          description: 'How long a response is kept, in seconds (OpenAI keeps 30 days).',
        }),
        maxResponseBytes: Type.Integer({
          minimum: 1024,
          default: 4 * 1024 * 1024,
          description:
            'A response whose record (its whole conversation, serialized) is larger is not kept; the answer says so in `x-switchyard-warnings`.',
        }),
        maxBytes: Type.Integer({
          minimum: 1024 * 1024,
          default: 64 * 1024 * 1024,
          description:
            'With the in-memory gateway store: the most this process keeps, in bytes (least recently used first out). With Redis, its own memory policy applies.',
        }),
        keyPrefix: Type.String({ default: 'responses:', description: 'Prefix of its keys in the gateway store.' }),
      },
      { default: {}, additionalProperties: false, description: 'Stored responses.' },
    ),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type ResponsesProtocolOptions = Static<typeof optionsSchema>;
