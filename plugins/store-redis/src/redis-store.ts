import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger, Store, StoreListener } from '@switchyard/core';

export interface RedisStoreOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  /** Prepended to every key and channel, so several gateways (or test runs) can share one Redis. @default "switchyard:" */
  keyPrefix?: string;
  /** A command not answered within this many ms fails (never a hung request). @default 1000 */
  commandTimeoutMs?: number;
  /** Transitions (unreachable / reachable again) are logged here, once each. */
  logger?: Logger;
  /** How often the marker key is checked besides on every (re)connection (data lost without a restart: evicted, flushed). @default 30000 */
  markerCheckMs?: number;
}

/** The marker: its value (when it was made and a random part) names one life of the shared state. */
const MARKER_KEY = 'store:marker';

/** Reads the marker, or sets it to ARGV[1] when absent. Returns {1, value} or {0, ARGV[1]}. */
const MARK = `
local found = redis.call('GET', KEYS[1])
if found then return {1, found} end
redis.call('SET', KEYS[1], ARGV[1])
return {0, ARGV[1]}`;

/** Adds `by` and sets the TTL only when the key did not exist before (as the memory store does). */
const INCREMENT = `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

/** ARGV: expected-is-absent flag, expected JSON, next JSON, ttl ms (0: none). */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
local matches
if ARGV[1] == '1' then matches = (current == false) else matches = (current == ARGV[2]) end
if not matches then return 0 end
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) else redis.call('SET', KEYS[1], ARGV[3]) end
return 1`;

type ScriptedRedis = Redis & {
  switchyardIncrement(key: string, by: string, ttlMs: string): Promise<string>;
  switchyardCompareAndSet(key: string, absent: string, expected: string, next: string, ttlMs: string): Promise<number>;
  switchyardMark(key: string, fresh: string): Promise<[number, string]>;
};

/**
 * A Store on Redis (ioredis), shared by every replica pointing at the same Redis and prefix.
 * Commands fail fast while Redis is unreachable (no offline queue, no per-request retries, a
 * command timeout) and the client reconnects on its own; each transition is logged once.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly keyPrefix: string;
  readonly #client: ScriptedRedis;
  readonly #logger: Logger | undefined;
  readonly #where: string;
  #subscriber: Redis | undefined;
  readonly #listeners = new Map<string, Set<StoreListener>>();
  #reachable: boolean | undefined;
  #closed = false;
  /** The marker this store last saw; undefined until the first check answers. */
  #marker: string | undefined;
  #dataLosses = 0;
  /** Redis' evicted_keys at the last check (undefined: not read yet, or INFO refused). */
  #evictedSeen: number | undefined;
  #keysEvicted = 0;
  #policyChecked = false;
  #checking: Promise<void> | undefined;
  readonly #markerTimer: NodeJS.Timeout;

  constructor(options: RedisStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? 'switchyard:';
    this.#logger = options.logger;
    this.#where = describeUrl(options.url);
    this.#client = new Redis(options.url, {
      keyPrefix: this.keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * times, 1000),
    }) as ScriptedRedis;
    this.#client.defineCommand('switchyardIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.#client.defineCommand('switchyardCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    this.#client.defineCommand('switchyardMark', { numberOfKeys: 1, lua: MARK });
    this.#client.on('ready', () => {
      this.#transition(true);
      // After any check begun before the reconnection: this one must read the data as it is now.
      void (this.#checking ?? Promise.resolve()).then(() => this.#checkData());
    });
    this.#markerTimer = setInterval(() => {
      if (this.reachable) void this.#checkData();
    }, options.markerCheckMs ?? 30_000).unref();
    this.#client.on('error', (err: Error) => this.#transition(false, err));
    this.#client.on('close', () => this.#transition(false));
  }

  /** The ioredis client, for plugins that speak Redis themselves (e.g. the rate limiter's Lua script). Keys it sees are prefixed with `keyPrefix`. */
  get redis(): Redis {
    return this.#client;
  }

  /** How many times this store found Redis had lost its data (the marker key gone or replaced) since it started. */
  get dataLosses(): number {
    return this.#dataLosses;
  }

  /** Keys Redis evicted (its `evicted_keys`, any prefix) seen by this store's checks since it started. */
  get keysEvicted(): number {
    return this.#keysEvicted;
  }

  /** True while the connection is up. */
  get reachable(): boolean {
    return this.#client.status === 'ready';
  }

  /** Resolves once connected, or after `timeoutMs` (false) — the store then keeps trying in the background. */
  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.reachable) return true;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.#client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.#client.on('ready', onReady);
    });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const json = await this.#client.get(key);
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const json = stableJson(value);
    if (ttlMs === undefined) await this.#client.set(key, json);
    else await this.#client.set(key, json, 'PX', toPx(ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.#client.del(key);
  }

  async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    return Number(
      await this.#client.switchyardIncrement(key, String(by), String(ttlMs === undefined ? 0 : toPx(ttlMs))),
    );
  }

  async compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean> {
    const absent = expected === undefined;
    const done = await this.#client.switchyardCompareAndSet(
      key,
      absent ? '1' : '0',
      absent ? '' : stableJson(expected),
      stableJson(next),
      String(ttlMs === undefined ? 0 : toPx(ttlMs)),
    );
    return done === 1;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.#client.publish(this.keyPrefix + channel, JSON.stringify(message));
  }

  async subscribe(channel: string, listener: StoreListener): Promise<() => Promise<void>> {
    const name = this.keyPrefix + channel;
    const subscriber = this.#subscriberConnection();
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
      await subscriber.subscribe(name);
    }
    set.add(listener);
    return async () => {
      const current = this.#listeners.get(name);
      if (!current?.delete(listener) || current.size > 0) return;
      this.#listeners.delete(name);
      if (!this.#closed) await subscriber.unsubscribe(name).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#markerTimer);
    for (const connection of [this.#client, this.#subscriber]) {
      if (!connection) continue;
      if (connection.status === 'ready') await connection.quit().catch(() => undefined);
      connection.disconnect();
    }
  }

  /** Pub/sub needs its own connection; it queues while reconnecting and resubscribes itself. */
  #subscriberConnection(): Redis {
    if (!this.#subscriber) {
      const subscriber = this.#client.duplicate({ enableOfflineQueue: true, keyPrefix: '', commandTimeout: undefined });
      subscriber.on('error', () => undefined); // the main connection reports outages
      subscriber.on('message', (channel: string, json: string) => {
        let message: unknown;
        try {
          message = JSON.parse(json);
        } catch {
          return;
        }
        for (const listener of this.#listeners.get(channel) ?? []) {
          try {
            listener(message);
          } catch (err) {
            this.#logger?.error({ err, channel }, 'store subscriber failed');
          }
        }
      });
      this.#subscriber = subscriber;
    }
    return this.#subscriber;
  }

  /** One check at a time: a slow Redis must not pile them up (nor log one finding twice). */
  #checkData(): Promise<void> {
    this.#checking ??= (async () => {
      try {
        await this.#checkMarker();
        await this.#checkEvictions();
      } finally {
        this.#checking = undefined;
      }
    })();
    return this.#checking;
  }

  /**
   * Keys with a TTL (budgets' counters, spend records) are what `volatile-*` policies evict first,
   * and the marker has none: evictions are read from INFO instead. A Redis that refuses INFO
   * (a managed one may) is not checked.
   */
  async #checkEvictions(): Promise<void> {
    let stats: Record<string, string>;
    let memory: Record<string, string> | undefined;
    try {
      if (!this.#policyChecked) memory = parseInfo(await this.#client.info('memory'));
      stats = parseInfo(await this.#client.info('stats'));
    } catch {
      return;
    }
    if (this.#closed) return;
    if (memory) {
      this.#policyChecked = true;
      const policy = memory.maxmemory_policy;
      if (Number(memory.maxmemory) > 0 && policy !== undefined && policy !== 'noeviction')
        this.#logger?.warn(
          { event: 'store_may_evict', store: 'redis', redis: this.#where, maxmemoryPolicy: policy },
          `redis store at ${this.#where} evicts keys when full (maxmemory-policy ${policy}): budgets' spend and other shared state may be lost; set maxmemory-policy noeviction`,
        );
    }
    const evicted = Number(stats.evicted_keys);
    if (!Number.isFinite(evicted)) return;
    const seen = this.#evictedSeen;
    this.#evictedSeen = evicted;
    // Lower than seen: Redis restarted (its counters too); the marker tells whether data went with it.
    if (seen === undefined || evicted <= seen) return;
    this.#keysEvicted += evicted - seen;
    this.#logger?.error(
      { event: 'store_keys_evicted', store: 'redis', redis: this.#where, evicted: evicted - seen },
      `REDIS EVICTED ${evicted - seen} KEYS at ${this.#where} (maxmemory reached): budgets' spend and holds, rate-limit windows and other shared state may be lost; give Redis more memory and set maxmemory-policy noeviction`,
    );
  }

  /**
   * Redis restarted without persistence, or keys evicted or flushed: the shared state (budgets'
   * spend, rate-limit windows, sticky sessions…) silently starts over. The marker key, set once
   * per life of the data, tells: gone or replaced means the data this store knew is gone.
   */
  async #checkMarker(): Promise<void> {
    let present: number;
    let marker: string;
    try {
      [present, marker] = await this.#client.switchyardMark(MARKER_KEY, `${new Date().toISOString()} ${randomUUID()}`);
    } catch {
      return; // unreachable: checked again on reconnection
    }
    if (this.#closed) return;
    const known = this.#marker;
    this.#marker = marker;
    if (known === undefined) {
      if (!present)
        this.#logger?.warn(
          { event: 'store_new', store: 'redis', redis: this.#where, keyPrefix: this.keyPrefix },
          `redis store at ${this.#where} holds no Switchyard state under "${this.keyPrefix}": starting new shared state (expected on a first start; otherwise Redis lost its data)`,
        );
      return;
    }
    if (marker === known) return;
    this.#dataLosses++;
    this.#logger?.error(
      { event: 'store_data_lost', store: 'redis', redis: this.#where, keyPrefix: this.keyPrefix },
      `REDIS STORE LOST ITS DATA at ${this.#where} (restarted without persistence, or keys evicted or flushed): budgets' spend and holds, rate-limit windows, sticky sessions, breaker states, run-time keys and stored responses start over. Budgets need a Redis with AOF persistence and maxmemory-policy noeviction`,
    );
  }

  #transition(reachable: boolean, err?: Error): void {
    if (this.#closed || this.#reachable === reachable) return;
    const first = this.#reachable === undefined;
    this.#reachable = reachable;
    if (reachable) {
      if (!first)
        this.#logger?.warn(
          { event: 'store_up', store: 'redis', redis: this.#where },
          `redis store reachable again at ${this.#where}`,
        );
    } else {
      this.#logger?.error(
        { event: 'store_down', store: 'redis', redis: this.#where, reason: err?.message ?? 'connection closed' },
        `REDIS STORE UNREACHABLE at ${this.#where}: shared state is unavailable until it reconnects (retrying in the background)`,
      );
    }
  }
}

/** `field:value` lines of an INFO reply. */
function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** host:port/db of a Redis URL, without credentials. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : ''}`;
  } catch {
    return 'redis';
  }
}

function toPx(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

/** JSON with object keys sorted, so compare-and-set compares values rather than key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
