import type { Dimension, Reading } from './limits.js';

/** Window length in seconds per dimension. Concurrency counters use a lease (LEASED): the default of `concurrentLeaseMs`. */
export const WINDOW_SECONDS: Record<Dimension | 'instance-requests' | 'instance-tokens', number> = {
  requests: 60,
  tokens: 60,
  daily: 86_400,
  concurrent: 300,
  'instance-requests': 60,
  'instance-tokens': 60,
};

export type CounterName = keyof typeof WINDOW_SECONDS;

/** How long a concurrency slot is held without renewal by default (`concurrentLeaseMs`): five minutes. */
export const LEASE_MS = WINDOW_SECONDS.concurrent * 1000;

/**
 * Counters of requests in flight, whose slots are leased. In memory a lease each admission and
 * renewal extends (a fixed window would forget the requests still running when it ends). In Redis
 * each slot is held under its admission's ticket and ends on its own `leaseMs` after its admission
 * or its last renewal (renew(): the replica running the request, every third of the lease): a slot
 * a dead replica never gave back frees then, whatever other requests of its scope do.
 */
const LEASED: ReadonlySet<CounterName> = new Set(['concurrent']);

/** One change to one counter: positive points are added, negative ones given back. */
export interface Move {
  readonly dimension: CounterName;
  readonly scope: string;
  readonly points: number;
  /**
   * The scope's limit, for a settlement that may take its counter past it: the window then lasts
   * as many window lengths, from its start, as it holds limits (carriedWindows), so what was used
   * beyond is not forgotten when the first one ends. (Not `limit`: an admission's charges, which
   * have one, are moved as they are, and a refused one must not lengthen its window.)
   */
  readonly carriedPast?: number;
}

/**
 * How much longer a window must last, in window lengths, once a move of `points` took its count
 * from `used - points` to `used` against `limit`: a window lasts as many lengths as it holds
 * limits (at least one), and the lengths its count before the move held were given already.
 * The same sum runs in the Redis script (MOVE).
 */
export function carriedWindows(used: number, points: number, limit: number | undefined): number {
  if (!limit || limit <= 0 || points <= 0 || used <= limit) return 0;
  return Math.ceil(used / limit) - Math.max(1, Math.ceil((used - points) / limit));
}

/**
 * An admission's ticket, which makes what follows it safe to send again. The admission takes it
 * (`undo` unset: a marker key is set); the settlement, or the taking back of an admission that
 * timed out or was refused, gives it up (`undo`: applied only if the marker was there, which it
 * removes). A store whose command timed out cannot tell "not run" from "run, answered late": a
 * move sent again counts once, and the marker lives only while its request runs (at most the
 * concurrency lease). In Redis it also names the request's concurrency slots. `id` must be the
 * gateway's own (never a request id a caller may pick and reuse).
 */
export interface MoveId {
  readonly id: string;
  readonly undo?: boolean;
}

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
  /** Gives these concurrency slots (of requests still running) and their tickets the whole lease again, from now. */
  renew(slots: readonly Slot[]): Promise<void>;
}

/** A request's concurrency slot in one scope: the scope and the admission's ticket. */
export interface Slot {
  readonly scope: string;
  readonly id: string;
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

  constructor(
    private readonly now: () => number = Date.now,
    /** A concurrency counter's lease, renewed by each admission. */
    private readonly leaseMs = LEASE_MS,
  ) {
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
    for (const { dimension: name, scope: key, points, carriedPast } of moves) {
      const windows = this.#windows.get(name)!;
      const length = this.#length(name);
      let window = windows.get(key);
      if (window === undefined || window.endsAt <= now) {
        if (points <= 0) {
          readings.push({ used: 0, resetMs: length });
          continue;
        }
        window = { used: 0, endsAt: now + length };
        windows.set(key, window);
      }
      window.used += points;
      if (points > 0 && LEASED.has(name)) window.endsAt = now + length;
      else window.endsAt += carriedWindows(window.used, points, carriedPast) * length;
      readings.push({ used: window.used, resetMs: window.endsAt - now });
    }
    return readings;
  }

  async peek(name: CounterName, key: string): Promise<Reading> {
    const now = this.now();
    const window = this.#windows.get(name)!.get(key);
    return window === undefined || window.endsAt <= now
      ? { used: 0, resetMs: this.#length(name) }
      : { used: window.used, resetMs: window.endsAt - now };
  }

  /** A counter still running is given the lease again (in memory a lease is the counter's). */
  renew(slots: readonly Slot[]): Promise<void> {
    const now = this.now();
    const windows = this.#windows.get('concurrent')!;
    for (const { scope } of slots) {
      const window = windows.get(scope);
      if (window && window.endsAt > now) window.endsAt = Math.max(window.endsAt, now + this.leaseMs);
    }
    return Promise.resolve();
  }

  #length(name: CounterName): number {
    return LEASED.has(name) ? this.leaseMs : WINDOW_SECONDS[name] * 1000;
  }

  #sweep(now: number): void {
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const windows of this.#windows.values())
      for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key);
  }
}

/**
 * KEYS: the counters, then the move's id marker (when it has one); ARGV: the points of each, then
 * the window of each in ms (negative: a leased counter of slots), then the limit of each (0: none),
 * then the id mode (`once`, `undo` or empty), the marker's lifetime, the time (epoch ms) and the
 * id. Returns used and ms left for each. A window starts with the first points added (its TTL set
 * then), and a move taking it past its limit lengthens it as carriedWindows says; points given back to an
 * absent counter are dropped. A leased counter is a sorted set of slots, each the id of the
 * admission holding it scored by when its lease ends: slots whose lease ended are dropped first,
 * a positive move adds the id's slot, a negative one removes it (whatever the marker says: removing
 * it twice is harmless), and the set's TTL covers its last slot. A move its id rules out only reads.
 */
const MOVE = `
local n = (#ARGV - 4) / 3
local mode = ARGV[3 * n + 1]
local now = tonumber(ARGV[3 * n + 3])
local member = ARGV[3 * n + 4]
local apply = true
if mode == 'once' then
  apply = redis.call('SET', KEYS[n + 1], '1', 'NX', 'PX', ARGV[3 * n + 2]) ~= false
elseif mode == 'undo' then
  apply = redis.call('DEL', KEYS[n + 1]) == 1
end
local out = {}
for i = 1, n do
  local key = KEYS[i]
  local points = tonumber(ARGV[i])
  local window = tonumber(ARGV[n + i])
  local used = 0
  local left = window
  if window < 0 then
    window = -window
    left = window
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    if points > 0 and apply then
      redis.call('ZADD', key, now + window, member)
      if redis.call('PTTL', key) < window then redis.call('PEXPIRE', key, window) end
    elseif points < 0 then
      redis.call('ZREM', key, member)
    end
    used = redis.call('ZCARD', key)
    local ends = redis.call('ZSCORE', key, member)
    if ends then left = tonumber(ends) - now end
  elseif not apply then
    used = tonumber(redis.call('GET', key) or '0')
    local ttl = redis.call('PTTL', key)
    if ttl >= 0 then left = ttl end
  elseif points > 0 or redis.call('EXISTS', key) == 1 then
    used = redis.call('INCRBY', key, points)
    left = redis.call('PTTL', key)
    if left < 0 then
      redis.call('PEXPIRE', key, window)
      left = window
    end
    local limit = tonumber(ARGV[2 * n + i])
    if limit > 0 and points > 0 and used > limit then
      local more = math.ceil(used / limit) - math.max(1, math.ceil((used - points) / limit))
      if more > 0 then
        left = left + more * window
        redis.call('PEXPIRE', key, left)
      end
    end
  end
  out[2 * i - 1] = used
  out[2 * i] = left
end
return out`;

/**
 * KEYS: per slot its sorted set then its ticket; ARGV: the time (epoch ms), the lease in ms, then
 * each slot's id. A slot still held ends a whole lease from now, its set lives at least as long,
 * and so does its ticket; a slot already given back or dropped is not taken again.
 */
const RENEW = `
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
for i = 3, #ARGV do
  local set = KEYS[2 * (i - 2) - 1]
  if redis.call('ZSCORE', set, ARGV[i]) then
    redis.call('ZADD', set, 'XX', now + lease, ARGV[i])
    if redis.call('PTTL', set) < lease then redis.call('PEXPIRE', set, lease) end
    redis.call('PEXPIRE', KEYS[2 * (i - 2)], lease)
  end
end
return 1`;

/** What the Redis counters need of an ioredis client (the gateway store's; it prefixes every key). */
export interface RedisClient {
  defineCommand(name: string, definition: { lua: string }): void;
  get(key: string): Promise<string | null>;
  pttl(key: string): Promise<number>;
  zcount(key: string, min: string, max: string): Promise<number>;
}

type ScriptedClient = RedisClient & {
  switchyardRateLimitMove(...args: Array<string | number>): Promise<number[]>;
  switchyardRateLimitRenew(...args: Array<string | number>): Promise<number>;
};

export interface RedisCountersSettings {
  /** How long a concurrency slot is held at most, from its admission. @default LEASE_MS */
  readonly leaseMs?: number;
  /** Epoch ms now, which slots' leases are measured in (every replica's clock). @default Date.now */
  readonly now?: () => number;
}

/**
 * Counters in Redis (keys `rate-limit:<counter>:<scope>`; slots of requests in flight under
 * `rate-limit:slots:<scope>`), shared by every replica on the same Redis and prefix.
 */
export class RedisCounters implements Counters {
  readonly #redis: ScriptedClient;
  readonly #leaseMs: number;
  readonly #now: () => number;

  constructor(redis: RedisClient, settings: RedisCountersSettings = {}) {
    this.#redis = redis as ScriptedClient;
    this.#leaseMs = settings.leaseMs ?? LEASE_MS;
    this.#now = settings.now ?? Date.now;
    this.#redis.defineCommand('switchyardRateLimitMove', { lua: MOVE });
    this.#redis.defineCommand('switchyardRateLimitRenew', { lua: RENEW });
  }

  async renew(slots: readonly Slot[]): Promise<void> {
    if (slots.length === 0) return;
    const keys = slots.flatMap((s) => [redisKey('concurrent', s.scope), ticketKey(s.id)]);
    await this.#redis.switchyardRateLimitRenew(
      keys.length,
      ...keys,
      this.#now(),
      this.#leaseMs,
      ...slots.map((s) => s.id),
    );
  }

  /** A move of a concurrency counter must have an id: the slot it takes or gives back is the id's. */
  async move(moves: readonly Move[], id?: MoveId): Promise<Reading[]> {
    const n = moves.length;
    const keys: string[] = [];
    const points: number[] = [];
    const windows: number[] = [];
    const limits: number[] = [];
    for (const { dimension: name, scope: key, points: p, carriedPast } of moves) {
      if (LEASED.has(name) && !id) throw new Error(`rate-limit: a ${name} move needs an id (its slot)`);
      keys.push(redisKey(name, key));
      points.push(p);
      windows.push(LEASED.has(name) ? -this.#leaseMs : WINDOW_SECONDS[name] * 1000);
      limits.push(carriedPast ?? 0);
    }
    if (id) keys.push(ticketKey(id.id));
    const mode = id ? (id.undo ? 'undo' : 'once') : '';
    const out = await this.#redis.switchyardRateLimitMove(
      keys.length,
      ...keys,
      ...points,
      ...windows,
      ...limits,
      mode,
      this.#leaseMs,
      this.#now(),
      id?.id ?? '',
    );
    const readings: Reading[] = [];
    for (let i = 0; i < n; i++) readings.push({ used: Number(out[2 * i]), resetMs: Number(out[2 * i + 1]) });
    return readings;
  }

  async peek(name: CounterName, key: string): Promise<Reading> {
    const id = redisKey(name, key);
    if (LEASED.has(name)) {
      const [used, left] = await Promise.all([this.#redis.zcount(id, `(${this.#now()}`, '+inf'), this.#redis.pttl(id)]);
      return { used, resetMs: left < 0 ? this.#leaseMs : left };
    }
    const [used, left] = await Promise.all([this.#redis.get(id), this.#redis.pttl(id)]);
    return used === null || left < 0
      ? { used: 0, resetMs: WINDOW_SECONDS[name] * 1000 }
      : { used: Number(used), resetMs: left };
  }
}

function ticketKey(id: string): string {
  return `rate-limit:move:${id}`;
}

/** Slots of requests in flight have their own key name: a sorted set, never an older replica's counter. */
function redisKey(name: CounterName, key: string): string {
  return LEASED.has(name) ? `rate-limit:slots:${key}` : `rate-limit:${name}:${key}`;
}
