import type { AffinitySource } from './affinity.js';
import type { Algorithm } from './select.js';

export interface StickyOptions {
  /** Keep a conversation on one instance (for the provider's prompt cache). @default true */
  enabled?: boolean;
  /**
   * Where the affinity key comes from, tried in order: `caller` (the gateway key's name, set by
   * an auth plugin), `header` (the session header), `user` (OpenAI `user`, Anthropic
   * `metadata.user_id`), `prompt` (a hash of system + tools + first messages).
   * @default ['caller']
   */
  sources?: AffinitySource[];
  /** The session header for the `header` source. @default x-session-id */
  header?: string;
  /** Non-system messages in the prompt-prefix hash. @default 1 */
  promptMessages?: number;
  /** A binding lives this long after its last use. @default 3600000 */
  ttlMs?: number;
  /** Most bindings kept in memory (least recently used dropped first). @default 100000 */
  maxSessions?: number;
  /** Longest a local binding is trusted before `gateway.store` is read again (other replicas). @default 1000 */
  recheckMs?: number;
}

export interface LoadBalancerOptions {
  /** Order inside a priority tier. @default weighted */
  algorithm?: Algorithm;
  /** Time constant of p2c's peak-EWMA latency. @default 10000 */
  decayMs?: number;
  /** Sticky sessions. */
  sticky?: StickyOptions;
}

export type ResolvedOptions = Required<Omit<LoadBalancerOptions, 'sticky'>> & { sticky: Required<StickyOptions> };

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    algorithm: { type: 'string', enum: ['weighted', 'round-robin', 'least-busy', 'p2c'], default: 'weighted', description: 'Order inside a priority tier.' },
    decayMs: { type: 'integer', minimum: 1, default: 10_000, description: "Time constant of p2c's peak-EWMA latency, in ms." },
    sticky: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Sticky sessions: one conversation, one instance.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Keep a conversation on one instance.' },
        sources: {
          type: 'array',
          items: { type: 'string', enum: ['caller', 'header', 'user', 'prompt'] },
          uniqueItems: true,
          default: ['caller'],
          description: 'Where the affinity key comes from, tried in order.',
        },
        header: { type: 'string', minLength: 1, default: 'x-session-id', description: 'The session header for the header source.' },
        promptMessages: { type: 'integer', minimum: 0, default: 1, description: 'Non-system messages in the prompt-prefix hash.' },
        ttlMs: { type: 'integer', minimum: 1, default: 3_600_000, description: 'A binding lives this long after its last use, in ms.' },
        maxSessions: { type: 'integer', minimum: 1, default: 100_000, description: 'Most bindings kept in memory (LRU).' },
        recheckMs: { type: 'integer', minimum: 0, default: 1_000, description: 'Longest a local binding is trusted before the store is read again, in ms.' },
      },
    },
  },
} as const;
