import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Dimension, Reading } from './limits.js';

/** Window length in seconds per dimension. Concurrency counters use a lease long enough to outlive any request. */
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
 * Fixed-window counters on rate-limiter-flexible, one limiter per window kind. Limits are
 * compared by the caller (limits vary per key), so the limiters themselves never refuse.
 */
export class Counters {
  readonly #limiters = new Map<CounterName, RateLimiterAbstract>();

  /** `redis`: an ioredis client (shared with the gateway's RedisStore); else in memory. */
  constructor(redis?: unknown) {
    for (const name of Object.keys(WINDOW_SECONDS) as CounterName[]) {
      const base = { keyPrefix: `rate-limit:${name}`, points: Number.MAX_SAFE_INTEGER, duration: WINDOW_SECONDS[name] };
      this.#limiters.set(name, redis ? new RateLimiterRedis({ ...base, storeClient: redis, rejectIfRedisNotReady: true }) : new RateLimiterMemory(base));
    }
  }

  /** Adds points and returns the new reading (rejects when the store is unreachable). */
  async add(name: CounterName, key: string, points: number): Promise<Reading> {
    return reading(await this.#limiter(name).penalty(key, points));
  }

  async subtract(name: CounterName, key: string, points: number): Promise<Reading> {
    return reading(await this.#limiter(name).reward(key, points));
  }

  /** The current reading; an absent counter reads as zero with a full window ahead. */
  async peek(name: CounterName, key: string): Promise<Reading> {
    const res = await this.#limiter(name).get(key);
    return res ? reading(res) : { used: 0, resetMs: WINDOW_SECONDS[name] * 1000 };
  }

  #limiter(name: CounterName): RateLimiterAbstract {
    return this.#limiters.get(name)!;
  }
}

function reading(res: RateLimiterRes): Reading {
  return { used: res.consumedPoints, resetMs: res.msBeforeNext };
}
