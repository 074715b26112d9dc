/** What one request (per model) or one attempt (per target) contributes to the live figures. */
export interface Observation {
  readonly latencyMs: number;
  /** Time to first token, for streams. */
  readonly ttftMs?: number;
  readonly error: boolean;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Estimated cost in USD, when the model's price is known. */
  readonly costUsd?: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
}

/** One model's (or target's) figures over the window. */
export interface SeriesFigures {
  readonly name: string;
  readonly requests: number;
  /** Requests per second over the window (or since start, when that is shorter). */
  readonly rate: number;
  readonly errors: number;
  /** errors / requests; 0 without requests. */
  readonly errorRate: number;
  /** Over the latest samples within the window; null without any. */
  readonly latencyMs: Percentiles | null;
  readonly ttftMs: Percentiles | null;
  readonly tokens: { readonly input: number; readonly output: number };
  readonly costUsd: number;
  /** Requests in each second of the window, oldest first; the last one is the current second. */
  readonly history: readonly number[];
}

export interface TrafficSnapshot {
  /** Epoch ms the figures were taken at. */
  readonly at: number;
  readonly windowSeconds: number;
  /** The seconds the rates are taken over: the window, or less since the window started. */
  readonly spanSeconds: number;
  /** Every request, whatever its model. */
  readonly total: SeriesFigures;
  readonly models: readonly SeriesFigures[];
  readonly targets: readonly SeriesFigures[];
}

export type SeriesKind = 'model' | 'target';

export interface TrafficWindowOptions {
  windowSeconds: number;
  maxSamples: number;
  maxSeries: number;
  /** @default Date.now */
  now?: () => number;
}

/** Where names beyond `maxSeries` are counted. */
export const OTHER = '(other)';

/**
 * Live traffic figures per model and per target over the last `windowSeconds`: counts, tokens
 * and cost in one-second buckets (a ring), latencies in a bounded ring of the latest samples.
 * Memory is bounded by maxSeries × (windowSeconds + maxSamples); idle series are dropped.
 */
export class TrafficWindow {
  readonly #options: Required<TrafficWindowOptions>;
  readonly #startedAt: number;
  readonly #total: Series;
  readonly #series: Record<SeriesKind, Map<string, Series>> = { model: new Map(), target: new Map() };

  constructor(options: TrafficWindowOptions) {
    this.#options = { now: Date.now, ...options };
    this.#startedAt = this.#options.now();
    this.#total = new Series('total', options.windowSeconds, options.maxSamples);
  }

  record(kind: SeriesKind, name: string, observation: Observation): void {
    const now = this.#options.now();
    if (kind === 'model') this.#total.add(now, observation);
    this.#seriesFor(kind, name, now).add(now, observation);
  }

  snapshot(): TrafficSnapshot {
    const now = this.#options.now();
    const { windowSeconds } = this.#options;
    // The buckets cover the window's full seconds and the current one's elapsed part.
    const covered = windowSeconds - 1 + (now % 1000) / 1000;
    const spanSeconds = Math.max(1, Math.min(covered, (now - this.#startedAt) / 1000));
    const figures = (kind: SeriesKind): SeriesFigures[] => {
      const out: SeriesFigures[] = [];
      for (const [name, series] of this.#series[kind]) {
        if (series.idleAt(now)) this.#series[kind].delete(name);
        else out.push(series.figures(now, spanSeconds));
      }
      return out.sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));
    };
    return {
      at: now,
      windowSeconds,
      spanSeconds,
      total: this.#total.figures(now, spanSeconds),
      models: figures('model'),
      targets: figures('target'),
    };
  }

  #seriesFor(kind: SeriesKind, name: string, now: number): Series {
    const map = this.#series[kind];
    let series = map.get(name);
    if (series) return series;
    if (map.size >= this.#options.maxSeries) {
      for (const [other, s] of map) if (s.idleAt(now)) map.delete(other);
    }
    const key = map.size >= this.#options.maxSeries ? OTHER : name;
    series = map.get(key);
    if (!series) {
      series = new Series(key, this.#options.windowSeconds, this.#options.maxSamples);
      map.set(key, series);
    }
    return series;
  }
}

/** One series: a ring of per-second buckets and a ring of the latest latency samples. */
class Series {
  readonly #second: Float64Array;
  readonly #requests: Float64Array;
  readonly #errors: Float64Array;
  readonly #input: Float64Array;
  readonly #output: Float64Array;
  readonly #cost: Float64Array;
  readonly #sampleAt: Float64Array;
  readonly #latency: Float64Array;
  readonly #ttft: Float64Array;
  #samples = 0;
  #lastAt = 0;

  constructor(
    readonly name: string,
    readonly windowSeconds: number,
    readonly maxSamples: number,
  ) {
    this.#second = new Float64Array(windowSeconds).fill(-1);
    this.#requests = new Float64Array(windowSeconds);
    this.#errors = new Float64Array(windowSeconds);
    this.#input = new Float64Array(windowSeconds);
    this.#output = new Float64Array(windowSeconds);
    this.#cost = new Float64Array(windowSeconds);
    this.#sampleAt = new Float64Array(maxSamples);
    this.#latency = new Float64Array(maxSamples);
    this.#ttft = new Float64Array(maxSamples);
  }

  add(now: number, o: Observation): void {
    const second = Math.floor(now / 1000);
    const i = second % this.windowSeconds;
    if (this.#second[i] !== second) {
      this.#second[i] = second;
      this.#requests[i] = 0;
      this.#errors[i] = 0;
      this.#input[i] = 0;
      this.#output[i] = 0;
      this.#cost[i] = 0;
    }
    this.#requests[i]! += 1;
    if (o.error) this.#errors[i]! += 1;
    this.#input[i]! += o.inputTokens;
    this.#output[i]! += o.outputTokens;
    this.#cost[i]! += o.costUsd ?? 0;
    const s = this.#samples++ % this.maxSamples;
    this.#sampleAt[s] = now;
    this.#latency[s] = o.latencyMs;
    this.#ttft[s] = o.ttftMs ?? Number.NaN;
    this.#lastAt = now;
  }

  /** Nothing recorded within the window. */
  idleAt(now: number): boolean {
    return now - this.#lastAt >= this.windowSeconds * 1000;
  }

  figures(now: number, spanSeconds: number): SeriesFigures {
    const current = Math.floor(now / 1000);
    const history = new Array<number>(this.windowSeconds).fill(0);
    let requests = 0;
    let errors = 0;
    let input = 0;
    let output = 0;
    let cost = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      const age = current - this.#second[i]!;
      if (age < 0 || age >= this.windowSeconds) continue;
      history[this.windowSeconds - 1 - age] = this.#requests[i]!;
      requests += this.#requests[i]!;
      errors += this.#errors[i]!;
      input += this.#input[i]!;
      output += this.#output[i]!;
      cost += this.#cost[i]!;
    }
    const since = now - this.windowSeconds * 1000;
    const latencies: number[] = [];
    const ttfts: number[] = [];
    for (let s = 0; s < Math.min(this.#samples, this.maxSamples); s++) {
      if (this.#sampleAt[s]! <= since) continue;
      latencies.push(this.#latency[s]!);
      if (!Number.isNaN(this.#ttft[s]!)) ttfts.push(this.#ttft[s]!);
    }
    return {
      name: this.name,
      requests,
      rate: requests / spanSeconds,
      errors,
      errorRate: requests ? errors / requests : 0,
      latencyMs: percentiles(latencies),
      ttftMs: percentiles(ttfts),
      tokens: { input, output },
      costUsd: cost,
      history,
    };
  }
}

/** Nearest-rank p50 and p95. */
export function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: rank(0.5), p95: rank(0.95) };
}
