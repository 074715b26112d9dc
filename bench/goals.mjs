// Issue 15's targets: each gateway's figures from one run, against the bare proxy's from the same
// run, with met / NOT met. Used by run.mjs (evaluate, print, write) and check.mjs (print, exit code).

export const FLOOR = 'minimal-proxy';

/**
 * What each goal reads. `role` names the scenario (see run.mjs: json, stream, throughput); `route`
 * says which of a gateway's targets it reads (OpenAI upstream, or Anthropic upstream: conversion).
 * `compare`: ratio = gateway ÷ floor; difference = gateway − floor; absolute = the gateway's value.
 */
export const GOALS = [
  {
    id: 'cpu-json',
    what: 'CPU µs/req, json',
    role: 'json',
    route: 'openai',
    figure: 'cpuUsPerRequest',
    compare: 'ratio',
    limit: 1.5,
  },
  {
    id: 'cpu-stream',
    what: 'CPU µs/req, stream',
    role: 'stream',
    route: 'openai',
    figure: 'cpuUsPerRequest',
    compare: 'ratio',
    limit: 1.5,
  },
  {
    id: 'cpu-json-anthropic',
    what: 'CPU µs/req, json → Anthropic',
    role: 'json',
    route: 'anthropic',
    figure: 'cpuUsPerRequest',
    compare: 'ratio',
    limit: 2.5,
  },
  {
    id: 'cpu-stream-anthropic',
    what: 'CPU µs/req, stream → Anthropic',
    role: 'stream',
    route: 'anthropic',
    figure: 'cpuUsPerRequest',
    compare: 'ratio',
    limit: 2.5,
  },
  {
    id: 'rps-throughput',
    what: 'req/s, json, closed loop',
    role: 'throughput',
    route: 'openai',
    figure: 'rps',
    compare: 'ratio',
    atLeast: 0.7,
  },
  {
    id: 'rss-start',
    what: 'RSS after start, MB',
    route: 'openai',
    figure: 'rssAfterStartMb',
    compare: 'absolute',
    limit: 80,
  },
  {
    id: 'rss-peak',
    what: 'peak RSS under load, MB',
    route: 'openai',
    figure: 'peakRssMb',
    compare: 'ratio',
    limit: 1.3,
  },
  {
    id: 'alloc-json',
    what: 'KB allocated/req, json',
    role: 'json',
    route: 'openai',
    figure: 'allocKbPerRequest',
    compare: 'absolute',
    limit: 40,
  },
  {
    id: 'alloc-stream',
    what: 'KB allocated/req, stream',
    role: 'stream',
    route: 'openai',
    figure: 'allocKbPerRequest',
    compare: 'absolute',
    limit: 40,
  },
  {
    id: 'ttfb-stream',
    what: 'stream first byte p50, ms',
    role: 'stream',
    route: 'openai',
    figure: 'firstByteP50Ms',
    compare: 'difference',
    limit: 0.2,
  },
];

/**
 * A target's value of a goal's figure: from its row in the goal's scenario, or, for the figures of
 * the whole run (RSS), from the target itself (`rssAfterStartMb`) or its highest row (`peakRssMb`).
 */
function figureOf(goal, rows, targetInfo, target) {
  if (goal.figure === 'rssAfterStartMb') return targetInfo[target]?.rssAfterStartMb ?? NaN;
  const own = rows.filter((r) => r.target === target && (goal.role === undefined || r.role === goal.role));
  if (own.length === 0) return NaN;
  if (goal.figure === 'peakRssMb') return Math.max(...own.map((r) => r.peakRssMb));
  return own[0][goal.figure];
}

function compared(goal, value, floor) {
  if (goal.compare === 'ratio') return value / floor;
  if (goal.compare === 'difference') return value - floor;
  return value;
}

function isMet(goal, result) {
  if (!Number.isFinite(result)) return false;
  return goal.atLeast !== undefined ? result >= goal.atLeast : result <= goal.limit;
}

export function targetText(goal) {
  const bound = goal.atLeast ?? goal.limit;
  if (goal.compare === 'ratio') return `${goal.atLeast !== undefined ? '≥' : '≤'} ${bound}×`;
  if (goal.compare === 'difference') return `≤ floor + ${bound} ms`;
  return `≤ ${bound}`;
}

/**
 * Every goal for every gateway. `gateways`: [{ label, openai, anthropic }] (target names), the
 * first being the one `bench:check` judges; `targetInfo`: { [target]: { rssAfterStartMb } }.
 */
export function evaluateGoals(rows, gateways, targetInfo) {
  return GOALS.map((goal) => {
    const floor = figureOf(goal, rows, targetInfo, FLOOR);
    const throughput = rows.find((r) => r.role === 'throughput');
    return {
      id: goal.id,
      what: goal.role === 'throughput' && throughput ? `req/s, json, ${throughput.concurrency} in flight` : goal.what,
      compare: goal.compare,
      target: targetText(goal),
      limit: goal.atLeast ?? goal.limit,
      floor, // for an absolute goal, shown for comparison only
      gateways: gateways.map((gateway) => {
        const target = gateway[goal.route];
        const value = figureOf(goal, rows, targetInfo, target);
        const result = compared(goal, value, floor);
        return { label: gateway.label, target, value, result, met: isMet(goal, result) };
      }),
    };
  });
}

const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

function resultText(goal, result) {
  if (!Number.isFinite(result)) return 'not measured';
  // A third decimal where two would print the limit itself, so "1.30× NOT met" cannot happen.
  const bound = goal.atLeast ?? goal.limit;
  if (goal.compare === 'ratio') return `${result.toFixed(result.toFixed(2) === bound.toFixed(2) ? 3 : 2)}×`;
  if (goal.compare === 'difference') return `${result >= 0 ? '+' : ''}${result.toFixed(3)} ms`;
  return fixed(result);
}

/** The goals table: one row per goal; per gateway its value, its result against the floor, met or not. */
export function goalsTable(goals) {
  const labels = goals[0]?.gateways.map((g) => g.label) ?? [];
  const header = ['issue 15 target', FLOOR, ...labels.flatMap((label) => [label, 'vs floor', 'met']), 'target'];
  const digits = (goal) => (goal.id === 'ttfb-stream' ? 3 : goal.id === 'rps-throughput' ? 0 : 1);
  const cells = goals.map((goal) => [
    goal.what,
    fixed(goal.floor, digits(goal)),
    ...goal.gateways.flatMap((g) => [
      fixed(g.value, digits(goal)),
      goal.compare === 'absolute' ? '' : resultText(goal, g.result),
      g.met ? 'met' : 'NOT met',
    ]),
    goal.target,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** The goals the first gateway misses (or that were not measured), as printable lines. */
export function unmetGoals(goals) {
  return goals
    .map((goal) => ({ goal, g: goal.gateways[0] }))
    .filter(({ g }) => !g.met)
    .map(
      ({ goal, g }) =>
        `${goal.what}: ${g.label} ${resultText(goal, g.result)}${goal.compare === 'absolute' ? '' : ' vs floor'}, target ${goal.target}`,
    );
}
