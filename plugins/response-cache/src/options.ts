export interface ResponseCacheOptions {
  /** The standard preset registers the plugin with `enabled: false`; in code it is on. */
  enabled: boolean;
  /** `memory`: an LRU in this process; `store`: the gateway store (Redis when configured, shared by replicas). */
  backend: 'memory' | 'store';
  ttlSeconds: number;
  /** Memory backend: total size of the entries, in bytes. */
  maxBytes: number;
  /** Answers larger than this (serialized) are not stored. */
  maxEntryBytes: number;
  /** `deterministic`: only requests with `temperature: 0` or a `seed`; `all`: every chat request. */
  cacheable: 'deterministic' | 'all';
  /** One cache for every gateway key instead of one per key. */
  shared: boolean;
  /** Store answers that call tools. */
  cacheToolCalls: boolean;
  /** Prefix of the store keys (backend `store`). */
  keyPrefix: string;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', default: true, description: 'false leaves the plugin off the request path.' },
    backend: { enum: ['memory', 'store'], default: 'memory', description: 'memory: an LRU in this process; store: the gateway store (Redis when configured).' },
    ttlSeconds: { type: 'integer', minimum: 1, default: 3600, description: 'How long an answer is served from the cache.' },
    maxBytes: { type: 'integer', minimum: 1024, default: 64 * 1024 * 1024, description: 'Memory backend: total bytes of the stored answers.' },
    maxEntryBytes: { type: 'integer', minimum: 1, default: 1024 * 1024, description: 'Answers larger than this (serialized) are not stored.' },
    cacheable: { enum: ['deterministic', 'all'], default: 'deterministic', description: 'deterministic: only temperature 0 or a seed; all: every chat request.' },
    shared: { type: 'boolean', default: false, description: 'One cache for all gateway keys instead of one per key.' },
    cacheToolCalls: { type: 'boolean', default: false, description: 'Also store answers that call tools.' },
    keyPrefix: { type: 'string', default: 'response-cache:', description: 'Prefix of the keys in the gateway store.' },
  },
} as const;
