import { LRUCache } from 'lru-cache';
import type { Store } from '@switchyard/core';

const PREFIX = 'load-balancer:session:';

interface Local {
  target: string;
  /** When the store was last read for it. */
  checkedAt: number;
  /** When the store was last written for it (its TTL was last refreshed). */
  storedAt: number;
}

export interface SessionSettings {
  ttlMs: number;
  maxSessions: number;
  /** Longest a local binding is trusted before the store is read again. */
  recheckMs: number;
}

export interface SessionDeps {
  now?: () => number;
  /** Store failures are reported here and never fail a request. */
  onStoreError?: (err: unknown) => void;
}

/**
 * Sticky bindings (affinity key → target id) through `gateway.store`, fronted by a bounded
 * local LRU so that most lookups cost no store round trip. A binding lives `ttlMs` after its
 * last use; the store's TTL is refreshed once a quarter of it passed.
 */
export class SessionTable {
  readonly #store: Store;
  readonly #settings: SessionSettings;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  /** Created by the first binding: an LRU allocates its arrays for maxSessions entries up front. */
  #cache: LRUCache<string, Local> | undefined;

  constructor(store: Store, settings: SessionSettings, deps: SessionDeps = {}) {
    this.#store = store;
    this.#settings = settings;
    this.#now = deps.now ?? Date.now;
    this.#onError = deps.onStoreError ?? (() => undefined);
  }

  get #local(): LRUCache<string, Local> {
    return (this.#cache ??= new LRUCache<string, Local>({
      max: this.#settings.maxSessions,
      ttl: this.#settings.ttlMs,
      updateAgeOnGet: true,
      ttlResolution: 0,
      perf: { now: this.#now },
    }));
  }

  /** The bound target id, refreshing the binding's TTL; undefined when unbound or expired. */
  async get(key: string): Promise<string | undefined> {
    const now = this.#now();
    const local = this.#local.get(key);
    if (local && now - local.checkedAt < this.#settings.recheckMs) {
      this.#refresh(key, local, now);
      return local.target;
    }
    const remote = await this.#store.get<string>(PREFIX + key).catch((err: unknown) => {
      this.#onError(err);
      return local?.target;
    });
    if (remote === undefined) {
      if (local) await this.bind(key, local.target);
      return local?.target;
    }
    const entry = { target: remote, checkedAt: now, storedAt: local?.storedAt ?? now };
    this.#local.set(key, entry);
    this.#refresh(key, entry, now);
    return remote;
  }

  /** Binds (or moves) `key` to `target`. */
  async bind(key: string, target: string): Promise<void> {
    const now = this.#now();
    this.#local.set(key, { target, checkedAt: now, storedAt: now });
    await this.#store.set(PREFIX + key, target, this.#settings.ttlMs).catch(this.#onError);
  }

  /** Bindings held locally (bounded by maxSessions). */
  get size(): number {
    if (!this.#cache) return 0;
    this.#cache.purgeStale();
    return this.#cache.size;
  }

  #refresh(key: string, local: Local, now: number): void {
    if (now - local.storedAt < this.#settings.ttlMs / 4) return;
    local.storedAt = now;
    this.#store.set(PREFIX + key, local.target, this.#settings.ttlMs).catch(this.#onError);
  }
}
