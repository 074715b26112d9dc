import { LRUCache } from 'lru-cache';
import type { Store } from '@switchyard/core';

const PREFIX = 'load-balancer:session:';

/** What get() answers when the store did not answer in time and no local binding was known. */
export const UNKNOWN: unique symbol = Symbol('sticky binding unknown');

/** How long a lookup waits for the store by default, in ms. */
export const LOOKUP_TIMEOUT_MS = 200;

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
  /** Longest a lookup waits for the store (then the local binding, else UNKNOWN); default LOOKUP_TIMEOUT_MS. */
  lookupTimeoutMs?: number;
}

export interface SessionDeps {
  now?: () => number;
  /** Store failures are reported here and never fail a request. */
  onStoreError?: (err: unknown) => void;
  /** A lookup the store did not answer within lookupTimeoutMs (the request went on without waiting). */
  onSlowLookup?: () => void;
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
  readonly #onSlow: () => void;
  readonly #waitMs: number;
  #slowLookups = 0;
  /** Created by the first binding: an LRU allocates its arrays for maxSessions entries up front. */
  #cache: LRUCache<string, Local> | undefined;

  constructor(store: Store, settings: SessionSettings, deps: SessionDeps = {}) {
    this.#store = store;
    this.#settings = settings;
    this.#now = deps.now ?? Date.now;
    this.#onError = deps.onStoreError ?? (() => undefined);
    this.#onSlow = deps.onSlowLookup ?? (() => undefined);
    this.#waitMs = settings.lookupTimeoutMs ?? LOOKUP_TIMEOUT_MS;
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

  /**
   * The bound target id, refreshing the binding's TTL; undefined when unbound or expired. A store
   * that does not answer within lookupTimeoutMs is not waited for: the local binding is used when
   * there is one, else UNKNOWN (route without stickiness, bind nothing); its late answer still
   * fills the local cache for the next request.
   */
  async get(key: string): Promise<string | undefined | typeof UNKNOWN> {
    const now = this.#now();
    const local = this.#local.get(key);
    if (local && now - local.checkedAt < this.#settings.recheckMs) {
      this.#refresh(key, local, now);
      return local.target;
    }
    const read = this.#store.get<string>(PREFIX + key).then(
      (remote) => ({ remote }),
      (err: unknown) => {
        this.#onError(err);
        return { remote: local?.target };
      },
    );
    // The memory store answers at once: no timer to race it.
    const answer = this.#store.kind === 'memory' ? await read : await this.#within(read);
    if (answer === UNKNOWN) {
      this.#slowLookups++;
      this.#onSlow();
      void read.then(({ remote }) => this.#late(key, remote));
      if (!local) return UNKNOWN;
      local.checkedAt = now; // trusted for recheckMs more: the next requests do not wait again
      return local.target;
    }
    const { remote } = answer;
    if (remote === undefined) {
      if (local) void this.bind(key, local.target);
      return local?.target;
    }
    const entry = { target: remote, checkedAt: now, storedAt: local?.storedAt ?? now };
    this.#local.set(key, entry);
    this.#refresh(key, entry, now);
    return remote;
  }

  /** Binds (or moves) `key` to `target`: at once locally; the store write may be awaited, never has to be. */
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

  /** Lookups the store did not answer in time, since this table was made. */
  get slowLookups(): number {
    return this.#slowLookups;
  }

  /** `read`, or UNKNOWN when it has not settled within lookupTimeoutMs. */
  #within<T>(read: Promise<T>): Promise<T | typeof UNKNOWN> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof UNKNOWN>((resolve) => {
      timer = setTimeout(resolve, this.#waitMs, UNKNOWN);
    });
    return Promise.race([read, late]).finally(() => clearTimeout(timer));
  }

  /** A slow store's answer: kept locally when nothing was bound here meanwhile. */
  #late(key: string, remote: string | undefined): void {
    if (remote === undefined || this.#local.has(key)) return;
    const now = this.#now();
    this.#local.set(key, { target: remote, checkedAt: now, storedAt: now });
  }

  #refresh(key: string, local: Local, now: number): void {
    if (now - local.storedAt < this.#settings.ttlMs / 4) return;
    local.storedAt = now;
    this.#store.set(PREFIX + key, local.target, this.#settings.ttlMs).catch(this.#onError);
  }
}
