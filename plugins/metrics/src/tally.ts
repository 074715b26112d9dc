/**
 * Counters and histograms kept as plain numbers on the request path and turned into
 * Prometheus samples only when /metrics is scraped. prom-client's own counters hash and
 * validate their label object on every increment (about a microsecond each); a request touches
 * a dozen series, so these families look a series up once by a string key instead and are
 * registered on the prom-client registry as collectors (`get()`), like any of its metrics.
 */

export type Labels = Readonly<Record<string, string>>;

export interface CounterSeries {
  readonly labels: Labels;
  value: number;
}

interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** A counter family: series by key, created on first use. */
export class CounterFamily {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, CounterSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** The series for `key`; `labels` is only read the first time. */
  series(key: string, labels: Labels): CounterSeries {
    let s = this.#series.get(key);
    if (!s) this.#series.set(key, (s = { labels, value: 0 }));
    return s;
  }

  lookup(key: string): CounterSeries | undefined {
    return this.#series.get(key);
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values = [...this.#series.values()].map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

/** A histogram family with fixed bucket bounds (seconds); `+Inf` is the count. */
export class HistogramFamily {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, HistogramSeries>();
  readonly #bounds: readonly number[];

  constructor(
    readonly name: string,
    readonly help: string,
    bounds: readonly number[],
  ) {
    // One `le` series per distinct bound: a bound listed twice would write the same series twice.
    this.#bounds = [...new Set(bounds)].sort((a, b) => a - b);
  }

  series(key: string, labels: Labels): HistogramSeries {
    let s = this.#series.get(key);
    if (!s) this.#series.set(key, (s = new HistogramSeries(labels, this.#bounds)));
    return s;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: String(le) }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
