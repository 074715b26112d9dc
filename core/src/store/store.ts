/**
 * Shared state for plugins (sticky bindings, breaker states, counters, caches). In memory by
 * default; a Redis implementation makes replicas share it. Values must be JSON-serializable.
 *
 * Every method may reject when the backing service is unreachable (the Redis store fails fast
 * rather than queueing); callers decide whether that allows or denies what they guard.
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
  /** Sends `message` (JSON-serializable) to every subscriber of `channel`, on every replica sharing the store. */
  publish(channel: string, message: unknown): Promise<void>;
  /** Calls `listener` for each message published on `channel`; resolves with an unsubscribe function. */
  subscribe(channel: string, listener: StoreListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type StoreListener = (message: unknown) => void;
