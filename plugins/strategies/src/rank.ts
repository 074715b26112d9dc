import type { Target } from '@switchyard/core';
import { successRate } from '@switchyard/plugin-router/contract';
import type { TargetStats } from '@switchyard/plugin-router/contract';
import type { StrategiesOptions, Strategy } from './options.js';
import type { TargetProfile, TargetProfiles } from './profiles.js';

/** Token figures the estimates use, computed once per request. */
export interface Estimate {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface Ranking {
  /** Candidate indices, best first. */
  readonly order: Uint32Array;
  /** The figure each candidate was ranked by (NaN when unknown), by candidate index. */
  readonly figures: Float64Array;
  /** What the figures mean and which way they sort. */
  readonly note: string;
}

/** Estimated USD of one request on a target; NaN when its price is unknown. */
export function estimatedCost(p: TargetProfile, e: Estimate): number {
  return (e.inputTokens * p.inputPrice + e.outputTokens * p.outputPrice) / 1_000_000;
}

/**
 * Expected milliseconds to a full answer: time to first token plus ms per output token × the
 * expected output; without a streaming sample, the per-token rate alone (measured over whole
 * answers); without any, the latency EWMA (NaN for a target never served).
 */
export function expectedMs(s: TargetStats, outputTokens: number): number {
  const perToken = s.msPerOutputToken;
  if (!Number.isNaN(s.ttftMs)) return s.ttftMs + (Number.isNaN(perToken) ? 0 : perToken * outputTokens);
  if (!Number.isNaN(perToken)) return perToken * outputTokens;
  return s.latencyMs;
}

/**
 * The balanced score, higher is better: a weighted mean of cost, speed, quality (each
 * min-max normalized over the candidates to 0..1, best = 1) and reliability (the smoothed
 * success rate). An unknown price counts as the worst cost (0); unknown speed or quality as
 * average (0.5). Buffers are reused across calls: scoring allocates nothing per candidate.
 */
export class BalancedScorer {
  readonly #w: { cost: number; speed: number; quality: number; reliability: number };
  readonly #sum: number;
  #cost = new Float64Array(64);
  #speed = new Float64Array(64);
  #quality = new Float64Array(64);

  constructor(weights: { cost: number; speed: number; quality: number; reliability: number }) {
    this.#w = { ...weights };
    this.#sum = weights.cost + weights.speed + weights.quality + weights.reliability || 1;
  }

  /** Writes each candidate's score into `out[i]` (out.length ≥ targets.length). */
  score(targets: readonly Target[], profiles: TargetProfiles, e: Estimate, out: Float64Array): void {
    const n = targets.length;
    if (this.#cost.length < n) this.#grow(n);
    const cost = this.#cost;
    const speed = this.#speed;
    const quality = this.#quality;
    let cMin = Infinity,
      cMax = -Infinity,
      sMin = Infinity,
      sMax = -Infinity,
      qMin = Infinity,
      qMax = -Infinity;
    for (let i = 0; i < n; i++) {
      const p = profiles.of(targets[i]!);
      const c = (e.inputTokens * p.inputPrice + e.outputTokens * p.outputPrice) / 1_000_000;
      const s = expectedMs(p.stats, e.outputTokens);
      const q = p.quality;
      cost[i] = c;
      speed[i] = s;
      quality[i] = q;
      if (c < cMin) cMin = c;
      if (c > cMax) cMax = c;
      if (s < sMin) sMin = s;
      if (s > sMax) sMax = s;
      if (q < qMin) qMin = q;
      if (q > qMax) qMax = q;
      out[i] = successRate(p.stats);
    }
    const { cost: wc, speed: ws, quality: wq, reliability: wr } = this.#w;
    const cSpan = cMax - cMin,
      sSpan = sMax - sMin,
      qSpan = qMax - qMin;
    const inv = 1 / this.#sum;
    for (let i = 0; i < n; i++) {
      const c = cost[i]!,
        s = speed[i]!,
        q = quality[i]!;
      const cn = c !== c ? 0 : cSpan > 0 ? (cMax - c) / cSpan : 1;
      const sn = s !== s ? 0.5 : sSpan > 0 ? (sMax - s) / sSpan : 1;
      const qn = q !== q ? 0.5 : qSpan > 0 ? (q - qMin) / qSpan : 1;
      out[i] = (wc * cn + ws * sn + wq * qn + wr * out[i]!) * inv;
    }
  }

  #grow(n: number): void {
    const size = Math.max(n, this.#cost.length * 2);
    this.#cost = new Float64Array(size);
    this.#speed = new Float64Array(size);
    this.#quality = new Float64Array(size);
  }
}

/** Orders candidates by one strategy (never `priority`, which leaves the order alone). */
export class Ranker {
  readonly #profiles: TargetProfiles;
  readonly #balanced: BalancedScorer;

  constructor(profiles: TargetProfiles, options: StrategiesOptions) {
    this.#profiles = profiles;
    this.#balanced = new BalancedScorer(options.weights);
  }

  rank(strategy: Exclude<Strategy, 'priority'>, targets: readonly Target[], e: Estimate): Ranking {
    const n = targets.length;
    const figures = new Float64Array(n);
    let higherFirst = false;
    let note: string;
    switch (strategy) {
      case 'balanced':
        this.#balanced.score(targets, this.#profiles, e, figures);
        higherFirst = true;
        note = 'balanced score (cost, speed, quality, reliability), higher first';
        break;
      case 'cost':
        for (let i = 0; i < n; i++) figures[i] = estimatedCost(this.#profiles.of(targets[i]!), e);
        note = `estimated USD for ${e.inputTokens} input + ${e.outputTokens} output tokens, lower first; unknown price last`;
        break;
      case 'latency':
        for (let i = 0; i < n; i++) figures[i] = expectedMs(this.#profiles.of(targets[i]!).stats, e.outputTokens);
        note = `expected ms for ${e.outputTokens} output tokens (ttft + ms/token EWMAs), lower first; unmeasured last`;
        break;
      case 'quality':
        for (let i = 0; i < n; i++) figures[i] = this.#profiles.of(targets[i]!).quality;
        higherFirst = true;
        note = 'catalogue quality, higher first; unknown last';
        break;
      case 'free-first':
        for (let i = 0; i < n; i++) figures[i] = this.#profiles.of(targets[i]!).free ? 1 : 0;
        higherFirst = true;
        note = 'free (price 0, free tag, :free model or local instance) = 1 first';
        break;
      case 'local-first':
        for (let i = 0; i < n; i++) figures[i] = this.#profiles.of(targets[i]!).local ? 1 : 0;
        higherFirst = true;
        note = 'local instance = 1 first';
        break;
    }
    return { order: sortedIndices(figures, n, higherFirst), figures, note };
  }
}

/** Indices sorted by figure (NaN last), ties kept in their current order. */
export function sortedIndices(figures: Float64Array, n: number, higherFirst: boolean): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sign = higherFirst ? -1 : 1;
  order.sort((a, b) => {
    const fa = figures[a]!,
      fb = figures[b]!;
    if (fa !== fa) return fb !== fb ? a - b : 1;
    if (fb !== fb) return -1;
    return (fa - fb) * sign || a - b;
  });
  return order;
}
