// Turns measured rows into the printed tables (the issue 15 targets are goals.mjs's).

/** Rows below this many CPU ticks get a `*`: /proc CPU time counts whole ticks (10 ms at 100 Hz). */
export const COARSE_TICKS = 50;

const fixed = (digits) => (value) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const signed = (digits) => (value) =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : '—';

/** Renders rows of cells as a left-aligned first column and right-aligned numbers. */
function renderTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function resultsTable(rows) {
  const header = [
    'scenario',
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    '1st byte p50',
    '+p50 vs direct',
    'CPU µs/req',
    'KB alloc/req',
    'peak RSS MB',
    'requests',
    'errors',
  ];
  const cells = rows.map((r) => [
    r.scenario,
    r.target,
    fixed(0)(r.rps),
    fixed(3)(r.p50Ms),
    fixed(3)(r.p99Ms),
    r.mode === 'stream' ? fixed(3)(r.firstByteP50Ms) : '',
    r.target === 'direct' ? '' : `${signed(3)(r.addedP50Ms)} ms`,
    `${fixed(1)(r.cpuUsPerRequest)}${r.cpuTicks < COARSE_TICKS ? '*' : ''}`,
    fixed(1)(r.allocKbPerRequest),
    fixed(1)(r.peakRssMb),
    String(r.requests),
    String(r.errors),
  ]);
  return renderTable(header, cells);
}

/** Each Switchyard variant (BENCH_VARIANTS=1) against the `switchyard` row of its scenario: what its configuration adds. */
export function variantsTable(rows) {
  const cells = rows
    .filter((r) => r.variant)
    .map((r) => {
      const base = rows.find((b) => b.scenario === r.scenario && b.target === 'switchyard');
      return [
        r.scenario,
        r.target,
        fixed(1)(r.cpuUsPerRequest),
        base ? `${signed(1)(r.cpuUsPerRequest - base.cpuUsPerRequest)} µs` : '—',
        fixed(1)(r.allocKbPerRequest),
        fixed(0)(r.rps),
      ];
    });
  if (cells.length === 0) return '';
  return renderTable(['scenario', 'variant', 'CPU µs/req', 'vs switchyard', 'KB alloc/req', 'req/s'], cells);
}
