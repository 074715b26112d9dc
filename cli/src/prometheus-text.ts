/** One sample of a Prometheus text exposition. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the samples of a Prometheus text exposition (0.0.4); comment lines are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `match`. */
export function sumOf(
  samples: readonly PromSample[],
  name: string,
  match: Readonly<Record<string, string>> = {},
): number {
  let total = 0;
  for (const s of samples) if (s.name === name && matches(s, match)) total += s.value;
  return total;
}

function matches(s: PromSample, match: Readonly<Record<string, string>>): boolean {
  for (const key in match) if (s.labels[key] !== match[key]) return false;
  return true;
}

/**
 * The `q` quantile of histogram `name` (its `_bucket` samples, summed over the other labels
 * that match), interpolated within a bucket as Prometheus' histogram_quantile does.
 * `minus` subtracts an earlier scrape, for the quantile over an interval. Undefined without observations.
 */
export function histogramQuantile(
  q: number,
  samples: readonly PromSample[],
  name: string,
  match: Readonly<Record<string, string>> = {},
  minus?: readonly PromSample[],
): number | undefined {
  const buckets = cumulativeBuckets(samples, `${name}_bucket`, match);
  if (minus) {
    const before = cumulativeBuckets(minus, `${name}_bucket`, match);
    for (const [le, count] of buckets) buckets.set(le, count - (before.get(le) ?? 0));
  }
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const count = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (count <= 0) return undefined;
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const upTo = buckets.get(le)!;
    if (upTo >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(upTo - below, 1e-12);
    }
    lower = le;
    below = upTo;
  }
  return lower;
}

function cumulativeBuckets(
  samples: readonly PromSample[],
  name: string,
  match: Readonly<Record<string, string>>,
): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== name || !matches(s, match) || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return buckets;
}
