import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import type { Store, StoreListener } from './store.js';

interface Entry {
  json: string;
  expiresAt: number;
}

/** A process-local Store. Values are kept serialized, so callers never share mutable objects. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly #entries = new Map<string, Entry>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #channels = new EventEmitter().setMaxListeners(0);

  constructor(sweepEveryMs = 60_000) {
    this.#sweeper = setInterval(() => this.#sweep(), sweepEveryMs);
    this.#sweeper.unref();
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const entry = this.#live(key);
    return entry ? (JSON.parse(entry.json) as T) : undefined;
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.#entries.set(key, { json: JSON.stringify(value), expiresAt: expiry(ttlMs) });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    const entry = this.#live(key);
    const next = (entry ? Number(JSON.parse(entry.json)) : 0) + by;
    this.#entries.set(key, { json: JSON.stringify(next), expiresAt: entry ? entry.expiresAt : expiry(ttlMs) });
    return next;
  }

  async compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean> {
    const entry = this.#live(key);
    const current = entry ? JSON.parse(entry.json) : undefined;
    if (!isDeepStrictEqual(current, expected)) return false;
    this.#entries.set(key, { json: JSON.stringify(next), expiresAt: expiry(ttlMs) });
    return true;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    const json = JSON.stringify(message);
    // Delivered asynchronously, like Redis pub/sub, so a publisher never runs its listeners inline.
    queueMicrotask(() => this.#channels.emit(channel, json));
  }

  async subscribe(channel: string, listener: StoreListener): Promise<() => Promise<void>> {
    const deliver = (json: string): void => listener(JSON.parse(json));
    this.#channels.on(channel, deliver);
    return async () => void this.#channels.off(channel, deliver);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#entries.clear();
    this.#channels.removeAllListeners();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}

function expiry(ttlMs: number | undefined): number {
  return ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs;
}
