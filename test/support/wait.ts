/**
 * Waiting in tests without depending on how fast the machine is: poll a condition until it
 * holds, and fail only when it has not after a time that means "hung", never "slow".
 */

/** Long enough that a condition still false after it means something hangs, even on a loaded machine. */
export const HUNG_MS = 30_000;

export interface UntilOptions {
  /** Give up (throw) after this long; default HUNG_MS. */
  hungAfterMs?: number;
  /** Time between two checks; default 20 ms. */
  everyMs?: number;
  /** Named in the error when it gives up. */
  what?: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves with the first truthy value `condition` returns; throws when it has returned none after `hungAfterMs`.
 * Use it instead of a fixed sleep or a loop with a small iteration count.
 */
export async function until<T>(condition: () => T | Promise<T>, options: UntilOptions = {}): Promise<NonNullable<T>> {
  const { hungAfterMs = HUNG_MS, everyMs = 20, what = 'a condition' } = options;
  const end = Date.now() + hungAfterMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`hung: ${what} still false after ${hungAfterMs} ms`);
    await sleep(everyMs);
  }
}

/** A clock a test moves by hand: pass `clock.now` where a plugin takes `now`, then `advance` it. */
export function manualClock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}
