// Turns measured rows into the printed tables and the JSON summary.

/** Rows below this many CPU ticks get a `*`: /proc CPU time counts whole ticks (10 ms at 100 Hz). */
export const COARSE_TICKS = 50;

const fixed = (digits) => (value) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const signed = (digits) => (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : '—');
const times = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');

/** Renders rows of cells as a left-aligned first column and right-aligned numbers. */
function renderTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function resultsTable(rows) {
  const header = ['scenario', 'target', 'req/s', 'p50 ms', 'p99 ms', '+p50 vs direct', 'CPU µs/req', 'peak RSS MB', 'requests', 'errors'];
  const cells = rows.map((r) => [
    r.scenario,
    r.target,
    fixed(0)(r.rps),
    fixed(3)(r.p50Ms),
    fixed(3)(r.p99Ms),
    r.target === 'direct' ? '' : `${signed(3)(r.addedP50Ms)} ms`,
    `${fixed(1)(r.cpuUsPerRequest)}${r.cpuTicks < COARSE_TICKS ? '*' : ''}`,
    fixed(1)(r.peakRssMb),
    String(r.requests),
    String(r.errors),
  ]);
  return renderTable(header, cells);
}

/** Switchyard ÷ minimal proxy, per scenario. */
export function ratios(rows) {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  return scenarios.flatMap((scenario) => {
    const gateway = rows.find((r) => r.scenario === scenario && r.target === 'switchyard');
    const floor = rows.find((r) => r.scenario === scenario && r.target === 'minimal-proxy');
    if (!gateway || !floor) return [];
    return [{
      scenario,
      cpuPerRequest: gateway.cpuUsPerRequest / floor.cpuUsPerRequest,
      rps: gateway.rps / floor.rps,
      p50: gateway.p50Ms / floor.p50Ms,
    }];
  });
}

export function ratiosTable(list) {
  const header = ['scenario', 'Switchyard ÷ minimal proxy:', 'CPU/req', 'req/s', 'p50'];
  return renderTable(header, list.map((r) => [r.scenario, '', times(r.cpuPerRequest), times(r.rps), times(r.p50)]));
}

/**
 * The headline: CPU per request, Switchyard against the floor, in the fixed-rate json scenario
 * when there is one (both under the same load; closed-loop CPU per request also depends on how
 * much each server batches at its own throughput), else at the highest json concurrency.
 */
export function headline(rows, limit) {
  const json = rows.filter((r) => r.mode === 'json');
  const paced = json.find((r) => r.scenario.endsWith('/s'));
  const concurrency = Math.max(...json.map((r) => r.concurrency));
  const scenario = paced ? paced.scenario : json.find((r) => r.concurrency === concurrency)?.scenario;
  const gateway = json.find((r) => r.scenario === scenario && r.target === 'switchyard');
  const floor = json.find((r) => r.scenario === scenario && r.target === 'minimal-proxy');
  if (!gateway || !floor) return undefined;
  const ratio = gateway.cpuUsPerRequest / floor.cpuUsPerRequest;
  return {
    scenario,
    gatewayUs: gateway.cpuUsPerRequest,
    minimalUs: floor.cpuUsPerRequest,
    ratio,
    limit,
    withinTarget: ratio <= limit,
    line:
      `gateway CPU per request (${scenario}): ${gateway.cpuUsPerRequest.toFixed(1)} µs vs minimal proxy ${floor.cpuUsPerRequest.toFixed(1)} µs` +
      ` → ratio ${ratio.toFixed(2)}× (target ≤ ${limit}×${ratio <= limit ? ', met' : ', NOT met'})`,
  };
}

const BASE_TARGETS = new Set(['direct', 'minimal-proxy', 'switchyard']);

/** Each Switchyard variant against the standard Switchyard row of its scenario: what its configuration adds. */
export function variantsTable(rows) {
  const cells = rows
    .filter((r) => !BASE_TARGETS.has(r.target))
    .map((r) => {
      const base = rows.find((b) => b.scenario === r.scenario && b.target === 'switchyard');
      return [r.scenario, r.target, fixed(1)(r.cpuUsPerRequest), base ? `${signed(1)(r.cpuUsPerRequest - base.cpuUsPerRequest)} µs` : '—', fixed(0)(r.rps)];
    });
  if (cells.length === 0) return '';
  return renderTable(['scenario', 'variant', 'CPU µs/req', 'vs switchyard', 'req/s'], cells);
}
