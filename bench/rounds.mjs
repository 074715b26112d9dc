// BENCH_ROUNDS: each scenario measures its targets in turn, round after round (A B C, A B C, …),
// and each target's row is the median of its rounds. On a shared 2-core machine the load on the
// cores drifts while a bench runs; interleaved rounds give every target the same drift, and the
// median keeps one disturbed phase from deciding a ratio.

/** Figures taken as the median of the rounds; the rest is summed, maximized or kept as described below. */
const MEDIAN_FIGURES = [
  'rps',
  'p50Ms',
  'p99Ms',
  'meanMs',
  'firstByteP50Ms',
  'cpuUsPerRequest',
  'upstreamCpuUsPerRequest',
  'clientCpuUsPerRequest',
  'allocKbPerRequest',
];

export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * One row per scenario and target from the rows of every round: median figures, requests, errors,
 * ticks and GCs summed (the coarse-tick warning then reads the whole run), the highest peak RSS,
 * `rateKept` only when every round kept the rate, the first error and profile met, and each
 * round's own figures under `rounds` (cpu, rps, alloc) to show the spread.
 */
export function combineRounds(rows) {
  const groups = new Map();
  for (const row of rows) {
    const key = `${row.scenario}\u0000${row.target}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(row);
  }
  return [...groups.values()].map((group) => {
    const combined = { ...group[0] };
    for (const figure of MEDIAN_FIGURES) combined[figure] = median(group.map((r) => r[figure]));
    for (const figure of ['requests', 'errors', 'elapsedMs', 'cpuTicks', 'gcs'])
      combined[figure] = group.reduce((sum, r) => sum + r[figure], 0);
    combined.peakRssMb = Math.max(...group.map((r) => r.peakRssMb));
    combined.rateKept = group[0].rateKept === undefined ? undefined : group.every((r) => r.rateKept);
    combined.firstError = group.find((r) => r.firstError)?.firstError;
    combined.profile = group.find((r) => r.profile)?.profile;
    combined.rounds = group.map((r) => ({
      cpuUsPerRequest: r.cpuUsPerRequest,
      rps: r.rps,
      allocKbPerRequest: r.allocKbPerRequest,
    }));
    return combined;
  });
}
