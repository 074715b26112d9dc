import type { Dimension, Reading } from './limits.js';

/** Window length in seconds per dimension. Concurrency counters use a lease (LEASED) long enough to outlive any request. */
export const WINDOW_SECONDS: Record<Dimension | 'instance-requests' | 'instance-tokens', number> = {
  requests: 60,
  tokens: 60,
  daily: 86_400,
  concurrent: 3_600,
  'instance-requests': 60,
  'instance-tokens': 60,
};

export type CounterName = keyof typeof WINDOW_SECONDS;

/**
 * Counters whose window is a lease each admission renews: requests in flight. A fixed window
 * would end an hour after the request that opened it and forget the requests still running then,
 * one admitted a second before as well as an hour-long stream, giving their slots to others.
 */
const LEASED: ReadonlySet<CounterName> = new Set(['concurrent']);

/** One change to one counter: positive points are added, negative ones given back. */
export interface Move {
  readonly dimension: CounterName;
  readonly scope: string;
  readonly points: number;
}

/**
 * An admission's ticket, which makes what follows it safe to send again. The admission takes it
 * (`undo` unset: a marker key is set); the settlement, or the taking back of an admission that
 * timed out or was refused, gives it up (`undo`: applied only if the marker was there, which it
 * removes). A store whose command timed out cannot tell "not run" from "run, answered late": a
 * move sent again counts once, and the marker lives only while its request runs. `id` must be the
 * gateway's own (never a request id a caller may pick and reuse).
 */
export interface MoveId {
  readonly id: string;
  readonly undo?: boolean;
}

/** How long an unreturned ticket is kept: as long as a concurrency lease, which no request outlives. */
export const TICKET_MS = WINDOW_SECONDS.concurrent * 1000;

/**
 * Fixed-window counters: a window starts at the first points added to an absent (or ended)
 * counter and lasts its WINDOW_SECONDS. Points given back to a counter whose window has ended
 * are dropped. Limits are compared by the caller (they vary per key): counters never refuse.
 */
export interface Counters {
  /** Applies every move (in Redis: in one round trip) and returns each counter's reading after it; rejects when the store is unreachable. */
  move(moves: readonly Move[], id?: MoveId): Promise<Reading[]>;
  /** The current reading; an absent counter reads as zero with a full window ahead. */
  peek(name: CounterName, key: string): Promise<Reading>;
}

interface Window {
  used: number;
  endsAt: number;
}

/** How often ended windows are dropped from memory, at most. */
const SWEEP_EVERY_MS = 60_000;

/** Counters of this process. */
export class MemoryCounters implements Counters {
  readonly #windows = new Map<CounterName, Map<string, Window>>();
  #nextSweep: number;

  constructor(private readonly now: () => number = Date.now) {
    for (const name of Object.keys(WINDOW_SECONDS) as CounterName[]) this.#windows.set(name, new Map());
    this.#nextSweep = now() + SWEEP_EVERY_MS;
  }

  /** Memory never fails a move: it is never sent again, ids do not matter. */
  move(moves: readonly Move[], _id?: MoveId): Promise<Reading[]> {
    return Promise.resolve(this.moveNow(moves));
  }

  /** move(), synchronously. */
  moveNow(moves: readonly Move[]): Reading[] {
    const now = this.now();
    if (now >= this.#nextSweep) this.#sweep(now);
    const readings: Reading[] = [];
    for (const { dimension: name, scope: key, points } of moves) {
      const windows = this.#windows.get(name)!;
      let window = windows.get(key);
      if (window === undefined || window.endsAt <= now) {
        if (points <= 0) {
          readings.push({ used: 0, resetMs: WINDOW_SECONDS[name] * 1000 });
          continue;
        }
        window = { used: 0, endsAt: now + WINDOW_SECONDS[name] * 1000 };
        windows.set(key, window);
      }
      window.used += points;
      if (points > 0 && LEASED.has(name)) window.endsAt = now + WINDOW_SECONDS[name] * 1000;
      readings.push({ used: window.used, resetMs: window.endsAt - now });
    }
    return readings;
  }

  async peek(name: CounterName, key: string): Promise<Reading> {
    const now = this.now();
    const window = this.#windows.get(name)!.get(key);
    return window === undefined || window.endsAt <= now
      ? { used: 0, resetMs: WINDOW_SECONDS[name] * 1000 }
      : { used: window.used, resetMs: window.endsAt - now };
  }

  #sweep(now: number): void {
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const windows of this.#windows.values())
      for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key);
  }
}

/**
 * KEYS: the counters, then the move's id marker (when it has one); ARGV: the points of each, then
 * the window of each in ms (negative: a lease, renewed by every positive move), then the id mode
 * (`once`, `undo` or empty) and the marker's lifetime. Returns used and ms left for each. A window
 * starts with the first points added (its TTL set then); points given back to an absent counter
 * are dropped. A move its id rules out only reads.
 */
const MOVE = `
local n = (#ARGV - 2) / 2
local mode = ARGV[2 * n + 1]
local apply = true
if mode == 'once' then
  apply = redis.call('SET', KEYS[n + 1], '1', 'NX', 'PX', ARGV[2 * n + 2]) ~= false
elseif mode == 'undo' then
  apply = redis.call('DEL', KEYS[n + 1]) == 1
end
local out = {}
for i = 1, n do
  local key = KEYS[i]
  local points = tonumber(ARGV[i])
  local window = tonumber(ARGV[n + i])
  local lease = window < 0
  if lease then window = -window end
  local used = 0
  local left = window
  if not apply then
    used = tonumber(redis.call('GET', key) or '0')
    local ttl = redis.call('PTTL', key)
    if ttl >= 0 then left = ttl end
  elseif points > 0 or redis.call('EXISTS', key) == 1 then
    used = redis.call('INCRBY', key, points)
    left = redis.call('PTTL', key)
    if left < 0 or (lease and points > 0) then
      redis.call('PEXPIRE', key, window)
      left = window
    end
  end
  out[2 * i - 1] = used
  out[2 * i] = left
end
return out`;

/** What the Redis counters need of an ioredis client (the gateway store's; it prefixes every key). */
export interface RedisClient {
  defineCommand(name: string, definition: { lua: string }): void;
  get(key: string): Promise<string | null>;
  pttl(key: string): Promise<number>;
}

type ScriptedClient = RedisClient & { switchyardRateLimitMove(...args: Array<string | number>): Promise<number[]> };

/** Counters in Redis (keys `rate-limit:<counter>:<scope>`), shared by every replica on the same Redis and prefix. */
export class RedisCounters implements Counters {
  readonly #redis: ScriptedClient;

  constructor(redis: RedisClient) {
    this.#redis = redis as ScriptedClient;
    this.#redis.defineCommand('switchyardRateLimitMove', { lua: MOVE });
  }

  async move(moves: readonly Move[], id?: MoveId): Promise<Reading[]> {
    const n = moves.length;
    const keys: string[] = [];
    const points: number[] = [];
    const windows: number[] = [];
    for (const { dimension: name, scope: key, points: p } of moves) {
      keys.push(redisKey(name, key));
      points.push(p);
      windows.push(WINDOW_SECONDS[name] * 1000 * (LEASED.has(name) ? -1 : 1));
    }
    if (id) keys.push(`rate-limit:move:${id.id}`);
    const mode = id ? (id.undo ? 'undo' : 'once') : '';
    const out = await this.#redis.switchyardRateLimitMove(keys.length, ...keys, ...points, ...windows, mode, TICKET_MS);
    const readings: Reading[] = [];
    for (let i = 0; i < n; i++) readings.push({ used: Number(out[2 * i]), resetMs: Number(out[2 * i + 1]) });
    return readings;
  }

  async peek(name: CounterName, key: string): Promise<Reading> {
    const id = redisKey(name, key);
    const [used, left] = await Promise.all([this.#redis.get(id), this.#redis.pttl(id)]);
    return used === null || left < 0
      ? { used: 0, resetMs: WINDOW_SECONDS[name] * 1000 }
      : { used: Number(used), resetMs: left };
  }
}

function redisKey(name: CounterName, key: string): string {
  return `rate-limit:${name}:${key}`;
}
