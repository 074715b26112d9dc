import type { AttemptResult } from '@switchyard/core';
import type { ReportedOutcome, TargetStats } from './contract.js';

/** Weight of a new sample in the moving averages. */
const ALPHA = 0.2;

/** Most targets tracked: prefix-claimed model names are open-ended, so callers could otherwise grow the table without bound. */
export const MAX_TRACKED_TARGETS = 100_000;

/** Per-target success counts and latency EWMAs, fed by every attempt result. */
export class RouterStats {
  readonly #byTarget = new Map<string, TargetStats>();
  readonly #max: number;

  constructor(maxTargets = MAX_TRACKED_TARGETS) {
    this.#max = maxTargets;
  }

  /**
   * The target's record (created empty if none), stable for the gateway's life. Once the
   * table is full, a new id gets a fresh record that is not kept.
   */
  entry(id: string): TargetStats {
    let s = this.#byTarget.get(id);
    if (!s) {
      s = {
        id,
        requests: 0,
        successes: 0,
        failures: 0,
        rateLimited: 0,
        businessErrors: 0,
        ttftMs: Number.NaN,
        msPerOutputToken: Number.NaN,
        latencyMs: Number.NaN,
        lastAt: 0,
      };
      if (this.#byTarget.size < this.#max) this.#byTarget.set(id, s);
    }
    return s;
  }

  get size(): number {
    return this.#byTarget.size;
  }

  get(id: string): TargetStats | undefined {
    return this.#byTarget.get(id);
  }

  ids(): string[] {
    return [...this.#byTarget.keys()];
  }

  record(id: string, r: ReportedOutcome): void {
    if (r.outcome === 'cancelled') return;
    const s = this.entry(id);
    s.requests++;
    s.lastAt = Date.now();
    if (r.outcome === 'failure') s.failures++;
    else if (r.outcome === 'rate_limited') s.rateLimited++;
    else if (r.outcome === 'business_error') s.businessErrors++;
    if (r.outcome !== 'success') return;
    s.successes++;
    if (r.latencyMs === undefined) return;
    s.latencyMs = ewma(s.latencyMs, r.latencyMs);
    if (r.ttftMs !== undefined) s.ttftMs = ewma(s.ttftMs, r.ttftMs);
    if (r.outputTokens !== undefined && r.outputTokens > 0) {
      const generating = r.ttftMs === undefined ? r.latencyMs : Math.max(0, r.latencyMs - r.ttftMs);
      s.msPerOutputToken = ewma(s.msPerOutputToken, generating / r.outputTokens);
    }
  }

  recordResult(result: AttemptResult): void {
    // One shape for every result (record() reads an undefined field as absent): no spreads per request.
    this.record(result.target.id, {
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      ttftMs: result.ttftMs,
      outputTokens: result.usage?.completion_tokens,
    });
  }
}

function ewma(current: number, sample: number): number {
  return Number.isNaN(current) ? sample : current + ALPHA * (sample - current);
}
