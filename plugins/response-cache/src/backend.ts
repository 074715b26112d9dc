import { LRUCache } from 'lru-cache';
import type { Store } from '@switchyard/core';

/** A stored answer: the canonical completion, serialized, and when it was stored. */
export interface Entry {
  /** JSON of the ChatCompletion. */
  completion: string;
  /** Milliseconds since the epoch, on the plugin's clock. */
  storedAt: number;
}

export interface Backend {
  readonly kind: string;
  get(key: string): Promise<Entry | undefined>;
  set(key: string, entry: Entry, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Entries held, when the backend knows (memory). */
  readonly size?: number;
}

/** An LRU bounded by the bytes of its entries. */
export class MemoryBackend implements Backend {
  readonly kind = 'memory';
  readonly #lru: LRUCache<string, Entry>;

  constructor(maxBytes: number) {
    this.#lru = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (entry, key) => entry.completion.length * 2 + key.length + 64,
    });
  }

  async get(key: string): Promise<Entry | undefined> {
    return this.#lru.get(key);
  }

  async set(key: string, entry: Entry, ttlMs: number): Promise<void> {
    this.#lru.set(key, entry, { ttl: ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.#lru.delete(key);
  }

  get size(): number {
    return this.#lru.size;
  }
}

/** The gateway store (Redis when configured): every replica sharing it shares the cache. */
export class StoreBackend implements Backend {
  readonly kind: string;

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
  ) {
    this.kind = `store:${store.kind}`;
  }

  get(key: string): Promise<Entry | undefined> {
    return this.store.get<Entry>(this.prefix + key);
  }

  set(key: string, entry: Entry, ttlMs: number): Promise<void> {
    return this.store.set(this.prefix + key, entry, ttlMs);
  }

  delete(key: string): Promise<void> {
    return this.store.delete(this.prefix + key);
  }
}
