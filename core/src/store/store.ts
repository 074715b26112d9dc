/**
 * Shared state for plugins (sticky bindings, breaker states, counters, caches). In memory by
 * default; a Redis implementation makes replicas share it. Values must be JSON-serializable.
 */
export interface Store {
  readonly kind: string;
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** `ttlMs` omitted: the value never expires. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomically adds `by` (default 1) and returns the new value; the TTL is set on creation. */
  increment(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Atomically sets `next` if the current value deep-equals `expected` (undefined: absent). */
  compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean>;
  close(): Promise<void>;
}
