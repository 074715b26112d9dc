import type { Static } from '@sinclair/typebox';
import { stringEnum, Type } from '@switchyard/core';
import type { AffinitySource } from './affinity.js';
import type { Algorithm } from './select.js';

const positive = (value: number, description: string) => Type.Integer({ minimum: 1, default: value, description });

export const stickySchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Keep a conversation on one instance (for the provider prompt cache).',
    }),
    sources: Type.Array(stringEnum<AffinitySource>(['caller', 'header', 'user', 'prompt'], { type: 'string' }), {
      uniqueItems: true,
      default: ['header', 'user'],
      description:
        "Where the affinity key comes from, tried in order: `header` (the session header), `user` (OpenAI `user`, Anthropic `metadata.user_id`), `prompt` (a hash of the prompt prefix, so requests sharing a system prompt, tools and first messages share an instance and its prompt cache), `caller` (the gateway key's name: every request of a key on one instance, which with one key is all traffic on one instance). A request none of them names is spread by `algorithm`.",
    }),
    header: Type.String({
      minLength: 1,
      default: 'x-session-id',
      description: 'The session header of the `header` source.',
    }),
    promptMessages: Type.Integer({
      minimum: 0,
      default: 1,
      description: 'Non-system messages in the prompt-prefix hash (system messages and tools are always in it).',
    }),
    ttlMs: positive(3_600_000, 'A binding lives this long after its last use, in ms.'),
    maxSessions: positive(100_000, 'Most bindings kept in memory (least recently used dropped first).'),
    recheckMs: Type.Integer({
      minimum: 0,
      default: 1_000,
      description:
        'Longest a local binding is trusted before `gateway.store` is read again (bindings of other replicas), in ms.',
    }),
    lookupTimeoutMs: positive(
      200,
      'Longest a request waits for `gateway.store` to read its binding, in ms: past it (a slow Redis) the request goes on with the binding this replica knows, else unbound (nothing bound; counted in `sticky_lookups_slow`, logged).',
    ),
  },
  { additionalProperties: false, default: {}, description: 'Sticky sessions: one conversation, one instance.' },
);

export const optionsSchema = Type.Object(
  {
    algorithm: stringEnum<Algorithm>(['weighted', 'round-robin', 'least-busy', 'p2c'], {
      type: 'string',
      default: 'least-busy',
      description:
        'Order inside a priority tier: fewest attempts in flight per unit of `weight` (ties in weighted random order), weighted random by `weight`, round-robin, or power of two choices on peak-EWMA latency.',
    }),
    decayMs: positive(10_000, "Time constant of p2c's peak-EWMA latency, in ms."),
    sticky: stickySchema,
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type LoadBalancerOptions = Static<typeof optionsSchema>;
export type StickyOptions = Static<typeof stickySchema>;
