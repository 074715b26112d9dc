/** How many recent samples per target the p95 is taken over. */
const WINDOW = 128;
/** The p95 is recomputed after this many new samples. */
const REFRESH = 8;

interface Ring {
  samples: Float64Array;
  count: number;
  p95: number;
  sinceRefresh: number;
}

/** Time to first token (non-streaming: time to response) per target, over a window of recent successes. */
export class TtftTracker {
  readonly #rings = new Map<string, Ring>();

  record(target: string, ms: number): void {
    let ring = this.#rings.get(target);
    if (!ring) {
      ring = { samples: new Float64Array(WINDOW), count: 0, p95: Number.NaN, sinceRefresh: REFRESH };
      this.#rings.set(target, ring);
    }
    ring.samples[ring.count % WINDOW] = ms;
    ring.count++;
    ring.sinceRefresh++;
  }

  /** The p95 in ms, or undefined while fewer than `minSamples` successes were seen. */
  p95(target: string, minSamples: number): number | undefined {
    const ring = this.#rings.get(target);
    if (!ring || ring.count < minSamples) return undefined;
    if (ring.sinceRefresh >= REFRESH) {
      const n = Math.min(ring.count, WINDOW);
      const sorted = ring.samples.slice(0, n).sort();
      ring.p95 = sorted[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]!;
      ring.sinceRefresh = 0;
    }
    return ring.p95;
  }
}
