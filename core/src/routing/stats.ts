import type { AttemptOutcome, AttemptResult } from '../types.js';

/** Weight of a new sample in the moving averages. */
const ALPHA = 0.2;

/**
 * What routing has learned about one target. One record per target id, created on first use
 * and mutated in place, so a strategy may keep a reference to it. NaN means "no sample yet".
 */
export interface TargetStats {
  readonly id: string;
  /** Attempts that said something about the target (cancelled ones are not counted). */
  requests: number;
  successes: number;
  /** Connection errors, timeouts, 5xx. */
  failures: number;
  rateLimited: number;
  /** 4xx answers about the request itself: they say nothing of the target's health. */
  businessErrors: number;
  /** EWMA of time to first token, streaming successes. */
  ttftMs: number;
  /** EWMA of milliseconds per output token after the first (streaming) or over the whole answer. */
  msPerOutputToken: number;
  /** EWMA of whole-attempt latency, successes. */
  latencyMs: number;
  /** Epoch ms of the last recorded attempt. */
  lastAt: number;
}

/** The outcome of one attempt, as `router.report()` takes it. */
export interface ReportedOutcome {
  readonly outcome: AttemptOutcome;
  readonly latencyMs?: number;
  readonly ttftMs?: number;
  readonly outputTokens?: number;
}

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
      s = { id, requests: 0, successes: 0, failures: 0, rateLimited: 0, businessErrors: 0, ttftMs: Number.NaN, msPerOutputToken: Number.NaN, latencyMs: Number.NaN, lastAt: 0 };
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
    this.record(result.target.id, {
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      ...(result.ttftMs === undefined ? {} : { ttftMs: result.ttftMs }),
      ...(result.usage ? { outputTokens: result.usage.completion_tokens } : {}),
    });
  }
}

/**
 * Share of attempts served (business errors left out), Laplace-smoothed so that a target with
 * no history reads 0.5 rather than 0 or 1.
 */
export function successRate(s: TargetStats | undefined): number {
  return s ? (s.successes + 1) / (s.requests - s.businessErrors + 2) : 0.5;
}

function ewma(current: number, sample: number): number {
  return Number.isNaN(current) ? sample : current + ALPHA * (sample - current);
}
