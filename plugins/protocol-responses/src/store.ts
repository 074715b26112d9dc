import { LRUCache } from 'lru-cache';
import { errorCode, SwitchyardError } from '@switchyard/core';
import type { Store } from '@switchyard/core';
import type { ResponseObject, ResponsesItem } from '@switchyard/wire-openai-responses';

/** A kept response: what GET answers, and the conversation a follow-up continues. */
export interface StoredResponse {
  v: 1;
  /** The whole response object (every reasoning item with its encrypted_content). */
  response: ResponseObject;
  /** The request's `include`, which decides what GET shows of it. */
  include: string[];
  /** Every input item the answer was made from, a previous response's conversation included. */
  input: ResponsesItem[];
  /** The upstream instance that keeps it too (a Responses upstream it was passed through to, with `store` on). */
  upstream?: string;
}

export const STORE_UNAVAILABLE = errorCode('SWITCHYARD_ERR_RESPONSE_STORE_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'gateway',
  kind: 'response_store_unavailable',
});

/** The caller's 503 when the store cannot be read: worth a retry in a second. */
export function storeUnavailable(cause: unknown): SwitchyardError {
  return new SwitchyardError(STORE_UNAVAILABLE, 'the gateway could not read its kept responses; try again', {
    expose: true,
    cause,
    publicCode: 'response_store_unavailable',
    headers: { 'retry-after': '1' },
  });
}

/** Where records live: JSON text under a key, with a time to live. */
export interface Backend {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** This process only, bounded by the bytes it holds (least recently used first out). */
export class MemoryBackend implements Backend {
  readonly #lru: LRUCache<string, string>;

  constructor(maxBytes: number) {
    this.#lru = new LRUCache<string, string>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => value.length * 2 + key.length + 64,
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.#lru.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#lru.set(key, value, { ttl: ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.#lru.delete(key);
  }
}

/** The gateway store (Redis when configured): every replica on it sees the same responses. */
export class StoreBackend implements Backend {
  constructor(private readonly store: Store) {}

  get(key: string): Promise<string | undefined> {
    return this.store.get<string>(key);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.store.set(key, value, ttlMs);
  }

  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }
}

export interface ResponseStoreSettings {
  readonly ttlMs: number;
  readonly maxResponseBytes: number;
  readonly prefix: string;
}

/**
 * Responses and their output items, kept per caller scope (the gateway key's name): a caller
 * only ever reads, continues or deletes what it created.
 */
export class ResponseStore {
  constructor(
    private readonly backend: Backend,
    private readonly settings: ResponseStoreSettings,
  ) {}

  /** Keeps a response and indexes its output items by id; false when the record is over the size cap. */
  async save(scope: string, record: StoredResponse): Promise<boolean> {
    const json = JSON.stringify(record);
    if (json.length > this.settings.maxResponseBytes) return false;
    const { ttlMs } = this.settings;
    const writes = [this.backend.set(this.#key('r', scope, record.response.id), json, ttlMs)];
    for (const item of record.response.output)
      if (typeof item.id === 'string')
        writes.push(this.backend.set(this.#key('i', scope, item.id), JSON.stringify(item), ttlMs));
    await Promise.all(writes);
    return true;
  }

  async load(scope: string, id: string): Promise<StoredResponse | undefined> {
    const json = await this.backend.get(this.#key('r', scope, id));
    return json === undefined ? undefined : (JSON.parse(json) as StoredResponse);
  }

  /** Deletes a response (its items stay until they expire, as OpenAI keeps items of deleted responses' successors). */
  async remove(scope: string, id: string): Promise<boolean> {
    const key = this.#key('r', scope, id);
    if ((await this.backend.get(key)) === undefined) return false;
    await this.backend.delete(key);
    return true;
  }

  /** The output items of this scope's kept responses, by id, for those found. */
  async items(scope: string, ids: readonly string[]): Promise<Map<string, ResponsesItem>> {
    const found = new Map<string, ResponsesItem>();
    const values = await Promise.all(ids.map((id) => this.backend.get(this.#key('i', scope, id))));
    ids.forEach((id, i) => {
      const json = values[i];
      if (json !== undefined) found.set(id, JSON.parse(json) as ResponsesItem);
    });
    return found;
  }

  #key(kind: 'r' | 'i', scope: string, id: string): string {
    return `${this.settings.prefix}${kind}:${encodeURIComponent(scope)}:${id}`;
  }
}
