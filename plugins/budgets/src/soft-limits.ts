import type { Logger } from '@switchyard/core';
import { money } from './errors.js';

/** Budgets past their soft limit this period, as this replica saw them: each logged once per period, counted by a gauge. */
export class SoftLimits {
  /** `<budget key>` (scope and period) → the period's end. */
  readonly #crossed = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  /** Notes a budget's use after a reservation; logs the first time a period goes past `fraction` of its limit. */
  note(key: string, scope: string, used: number, limit: number, fraction: number, periodEnd: number): void {
    if (this.#crossed.has(key) || used < fraction * limit) return;
    this.#crossed.set(key, periodEnd);
    this.logger.warn(
      {
        event: 'budget_soft_limit',
        plugin: 'budgets',
        scope,
        usedUsd: used,
        limitUsd: limit,
        softLimit: fraction,
        ...(Number.isFinite(periodEnd) ? { resetsAt: new Date(periodEnd).toISOString() } : {}),
      },
      `budget of ${scope} past ${Math.round(fraction * 100)}%: ${money(used)} of ${money(limit)} spent or held`,
    );
  }

  /** Budgets past their soft limit in a period not over at `now`. */
  count(now: number): number {
    let n = 0;
    for (const [key, end] of this.#crossed) {
      if (end <= now) this.#crossed.delete(key);
      else n++;
    }
    return n;
  }
}
