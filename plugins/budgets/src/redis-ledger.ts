import { parseRecordField, recordField } from './ledger.js';
import type { Ledger, Reading, Reservation, ReserveResult, Settlement, SpendRow } from './ledger.js';

/** What the ledger needs of an ioredis client (the gateway store's, keys prefixed by it). */
export interface RedisClient {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  pipeline(): { hgetall(key: string): unknown; exec(): Promise<Array<[Error | null, unknown]> | null> };
}

type Scripted = RedisClient & {
  switchyardBudgets(numberOfKeys: number, ...args: string[]): Promise<string[] | number[]>;
};

/**
 * One script per round trip: settlements held since the last call (release each reservation, add
 * its cost, add the spend records; applied once, whatever the number of sends: one whose
 * reservation was held, sent again, only if it still finds that hold, which the first send
 * releases; any other with a cost or records by its `settled:<id>` marker), then reads, then at most one reservation, checked against
 * every budget before any is charged. KEYS: per budget its hash (`spent`, `reserved`, `r:<id>`
 * per held amount) then its sorted set of reservation expiries; per spend day its usd hash then
 * its requests hash. ARGV[1]: the JSON payload naming keys by index. Amounts travel as strings
 * so HINCRBYFLOAT gets them exactly.
 */
const SCRIPT = `
local p = cjson.decode(ARGV[1])
local now = tonumber(p.now)
local function release(h, z, id)
  local amount = redis.call('HGET', h, 'r:' .. id)
  if not amount then return false end
  redis.call('HDEL', h, 'r:' .. id)
  redis.call('ZREM', z, id)
  if redis.call('ZCARD', z) == 0 then redis.call('HSET', h, 'reserved', '0') else redis.call('HINCRBYFLOAT', h, 'reserved', '-' .. amount) end
  return true
end
local function purge(h, z)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', now)) do release(h, z, id) end
end
local function keep(key, ms)
  if ms and tonumber(ms) > 0 then redis.call('PEXPIRE', key, ms) end
end
for _, s in ipairs(p.settle) do
  local found = false
  for _, b in ipairs(s.b) do
    if release(KEYS[b], KEYS[b + 1], s.id) then found = true end
  end
  local first
  if s.held then first = s.again == nil or found
  else first = s.once == nil or redis.call('SET', KEYS[s.once], '1', 'NX', 'PX', p.onceMs) end
  for i, b in ipairs(s.b) do
    if first and tonumber(s.usd) > 0 then redis.call('HINCRBYFLOAT', KEYS[b], 'spent', s.usd) end
    keep(KEYS[b], s.keep[i])
  end
  if first then
    for _, r in ipairs(s.r) do
      redis.call('HINCRBYFLOAT', KEYS[r.u], r.f, r.usd)
      redis.call('HINCRBY', KEYS[r.u + 1], r.f, r.n)
      keep(KEYS[r.u], r.keep)
      keep(KEYS[r.u + 1], r.keep)
    end
  end
end
if p.extend then
  for _, e in ipairs(p.extend.h) do
    for _, b in ipairs(e.b) do redis.call('ZADD', KEYS[b + 1], 'XX', p.extend.exp, e.id) end
  end
end
local out = {'1'}
for _, b in ipairs(p.read) do
  purge(KEYS[b], KEYS[b + 1])
  out[#out + 1] = redis.call('HGET', KEYS[b], 'spent') or '0'
  out[#out + 1] = redis.call('HGET', KEYS[b], 'reserved') or '0'
end
local r = p.reserve
if r then
  local seen = {}
  for i, c in ipairs(r.c) do
    local h, z = KEYS[c.b], KEYS[c.b + 1]
    purge(h, z)
    local spent = redis.call('HGET', h, 'spent') or '0'
    local reserved = redis.call('HGET', h, 'reserved') or '0'
    if tonumber(spent) + tonumber(reserved) + tonumber(c.amount) > tonumber(c.limit) + 1e-12 then return {'0', tostring(i), spent, reserved} end
    seen[#seen + 1] = spent
    seen[#seen + 1] = reserved
  end
  for _, c in ipairs(r.c) do
    local h, z = KEYS[c.b], KEYS[c.b + 1]
    redis.call('HINCRBYFLOAT', h, 'reserved', c.amount)
    redis.call('HSET', h, 'r:' .. r.id, c.amount)
    redis.call('ZADD', z, r.exp, r.id)
    keep(h, c.keep)
    keep(z, c.keep)
  end
  for _, v in ipairs(seen) do out[#out + 1] = v end
end
return out`;

/**
 * How long a settlement's `settled:<id>` marker is kept (one without a held reservation: a key
 * without a budget, or a reservation the store failed). A send that timed out may have run (a
 * slow Redis answers late): the settlement is sent again, within seconds of Redis answering
 * again, and the marker keeps it from counting twice if that comes within this time.
 */
export const SETTLED_MARKER_MS = 600_000;

/** A settlement waiting to be sent; `again` once a send of it failed (it may have run all the same). */
type Queued = Settlement & { readonly again?: boolean };

/** Settlements held at most this many; beyond, the oldest are dropped (logged) rather than grow without bound while Redis is down. */
const MAX_HELD = 10_000;

interface Payload {
  now: string;
  onceMs: string;
  settle: Array<{
    id: string;
    held?: true;
    again?: true;
    once?: number;
    b: number[];
    usd: string;
    keep: string[];
    r: Array<{ u: number; f: string; usd: string; n: number; keep: string }>;
  }>;
  read: number[];
  reserve?: { id: string; exp: string; c: Array<{ b: number; limit: string; amount: string; keep: string }> };
  extend?: { exp: string; h: Array<{ id: string; b: number[] }> };
}

/** Builds one script call: keys listed once each, named by index. */
class Call {
  readonly keys: string[] = [];
  /** The held settlements this call carries, queued again if it fails. */
  readonly held: Queued[] = [];
  readonly #index = new Map<string, number>();
  readonly payload: Payload;

  constructor(now: number) {
    this.payload = { now: String(now), onceMs: String(SETTLED_MARKER_MS), settle: [], read: [] };
  }

  /** The index of a budget's hash (its sorted set follows it). */
  budget(key: string): number {
    return this.#pair(`budget:${key}`, `budget:${key}:holds`);
  }

  day(day: string): number {
    return this.#pair(`spend:${day}:usd`, `spend:${day}:requests`);
  }

  add(s: Queued): void {
    this.held.push(s);
    // A bare release (no cost, no records) is the same however often it runs, and one of a held
    // reservation is told by that hold: neither needs a marker.
    const counts = s.usd > 0 || s.records.length > 0;
    this.payload.settle.push({
      id: s.id,
      ...(s.held ? { held: true } : counts ? { once: this.#single(`settled:${s.id}`) } : {}),
      ...(s.again ? { again: true } : {}),
      b: s.keys.map((k) => this.budget(k)),
      usd: String(s.usd),
      keep: s.keepMs.map((ms) => String(ms ?? 0)),
      r: s.records.map((r) => ({
        u: this.day(r.day),
        f: recordField(r),
        usd: String(r.usd),
        n: r.requests,
        keep: String(s.recordsKeepMs),
      })),
    });
  }

  #single(key: string): number {
    this.keys.push(key);
    return this.keys.length;
  }

  #pair(first: string, second: string): number {
    let i = this.#index.get(first);
    if (i === undefined) {
      this.keys.push(first, second);
      i = this.keys.length - 1;
      this.#index.set(first, i);
    }
    return i; // Lua indexes from 1: keys[i - 1] is `first`, as KEYS[i]
  }
}

/**
 * Budgets in Redis, shared by every replica on the same Redis and key prefix. A reservation is
 * one script run (one round trip), carrying the settlements held since the last one; settlements
 * wait at most `settleDelayMs` for a reservation to ride with, else go alone.
 */
export class RedisLedger implements Ledger {
  readonly kind = 'redis';
  readonly #client: Scripted;
  #held: Queued[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    client: RedisClient,
    private readonly settleDelayMs: number,
    private readonly now: () => number,
    private readonly failed: (err: unknown) => void,
    private readonly dropped: (count: number) => void,
  ) {
    client.defineCommand('switchyardBudgets', { lua: SCRIPT });
    this.#client = client as Scripted;
  }

  async reserve(r: Reservation): Promise<ReserveResult> {
    const call = this.#withHeld(r.at);
    call.payload.reserve = {
      id: r.id,
      exp: String(r.expiresAt),
      c: r.charges.map((c) => ({
        b: call.budget(c.key),
        limit: String(c.limit),
        amount: String(c.amount),
        keep: String(c.keepMs ?? 0),
      })),
    };
    const out = await this.#run(call);
    if (out[0] === '0')
      return { ok: false, index: Number(out[1]) - 1, reading: { spent: Number(out[2]), reserved: Number(out[3]) } };
    return { ok: true, readings: pairs(out.slice(1)) };
  }

  async extend(holds: ReadonlyArray<{ id: string; keys: readonly string[] }>, expiresAt: number): Promise<void> {
    if (holds.length === 0) return;
    const call = this.#withHeld(this.now());
    call.payload.extend = {
      exp: String(expiresAt),
      h: holds.map(({ id, keys }) => ({ id, b: keys.map((k) => call.budget(k)) })),
    };
    await this.#run(call);
  }

  settle(s: Settlement): void {
    this.#held.push(s);
    if (this.#held.length > MAX_HELD) this.dropped(this.#held.splice(0, this.#held.length - MAX_HELD).length);
    if (this.settleDelayMs === 0 || this.#closed) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.settleDelayMs).unref();
  }

  async flush(): Promise<void> {
    if (this.#held.length === 0) return;
    await this.#run(this.#withHeld(this.now())).catch(this.failed);
  }

  async read(keys: readonly string[], at: number): Promise<Reading[]> {
    const call = this.#withHeld(at);
    call.payload.read = keys.map((k) => call.budget(k));
    return pairs((await this.#run(call)).slice(1));
  }

  async spend(days: readonly string[]): Promise<SpendRow[]> {
    await this.flush();
    const pipeline = this.#client.pipeline();
    for (const day of days) {
      pipeline.hgetall(`spend:${day}:usd`);
      pipeline.hgetall(`spend:${day}:requests`);
    }
    const replies = (await pipeline.exec()) ?? [];
    const rows: SpendRow[] = [];
    days.forEach((day, i) => {
      const [usdErr, usd] = replies[2 * i] ?? [null, {}];
      const [nErr, requests] = replies[2 * i + 1] ?? [null, {}];
      if (usdErr || nErr) throw usdErr ?? nErr;
      for (const [field, value] of Object.entries(usd as Record<string, string>)) {
        const who = parseRecordField(field);
        if (who)
          rows.push({
            day,
            ...who,
            usd: Number(value),
            requests: Number((requests as Record<string, string>)[field] ?? 0),
          });
      }
    });
    return rows;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.flush();
  }

  /** A call carrying every held settlement; they go back to the front of the queue if it fails. */
  #withHeld(now: number): Call {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const call = new Call(now);
    for (const s of this.#held) call.add(s);
    this.#held = [];
    return call;
  }

  async #run(call: Call): Promise<string[]> {
    try {
      const out = await this.#client.switchyardBudgets(call.keys.length, ...call.keys, JSON.stringify(call.payload));
      return out.map(String);
    } catch (err) {
      // Settlements must not be lost with the call: they are tried again with the next one.
      if (call.held.length) {
        this.#held = [...call.held.map((s) => ({ ...s, again: true })), ...this.#held];
        this.#timer ??= setTimeout(() => void this.flush(), Math.max(this.settleDelayMs, 1000)).unref();
      }
      throw err;
    }
  }
}

function pairs(values: readonly string[]): Reading[] {
  const readings: Reading[] = [];
  for (let i = 0; i + 1 < values.length; i += 2)
    readings.push({ spent: Number(values[i]), reserved: Number(values[i + 1]) });
  return readings;
}
