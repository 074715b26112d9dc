import { parseArgs } from 'node:util';
import { histogramQuantile, parsePrometheusText, sumOf } from './prometheus-text.js';
import type { PromSample } from './prometheus-text.js';

export const STATS_USAGE =
  '  switchyard stats [--url URL] [--key ADMIN_KEY] [--once] [--interval SECONDS]   (live table from /metrics and /admin/circuits or /admin/routes)';

interface Breaker {
  state?: string;
  reason?: string;
  parkedUntil?: number;
}

interface RoutesInstance {
  name: string;
  type?: string;
  breakers?: Breaker[];
}

interface Snapshot {
  at: number;
  samples: PromSample[];
  /** From /admin/circuits (a breaker is installed) or /admin/routes, when the key lets us in. */
  instances?: RoutesInstance[];
}

const CIRCUIT = ['closed', 'half-open', 'open'];

/**
 * `switchyard stats`: scrapes `/metrics` (and `/admin/circuits` or `/admin/routes`, when reachable) of a running
 * gateway and prints per instance its circuit, attempts per second, errors and latency. Live
 * by default (refreshed every interval); `--once` prints one table over one interval and exits.
 */
export async function runStats(argv: string[]): Promise<number> {
  try {
    return await stats(argv);
  } catch (err) {
    if (!(err instanceof StatsError)) throw err;
    console.error(`switchyard stats: ${err.message}`);
    return 1;
  }
}

async function stats(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: process.env.SWITCHYARD_URL ?? 'http://127.0.0.1:8080' },
      key: { type: 'string' },
      once: { type: 'boolean', default: false },
      interval: { type: 'string', default: '2' },
    },
  });
  const base = values.url.replace(/\/+$/, '');
  const key = values.key ?? process.env.SWITCHYARD_ADMIN_KEY;
  const intervalMs = Number(values.interval) * 1000;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0)
    throw new StatsError(`--interval must be a positive number of seconds, got "${values.interval}"`);
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};

  let previous = await scrape(base, headers);
  if (values.once) {
    await sleep(intervalMs);
    process.stdout.write(render(base, previous, await scrape(base, headers)));
    return 0;
  }
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  while (!stopped) {
    await sleep(intervalMs);
    const current = await scrape(base, headers).catch((err: unknown) => err as Error);
    if (current instanceof Error) {
      process.stdout.write(`\n${new Date().toISOString()} ${current.message}; retrying\n`);
      continue;
    }
    process.stdout.write(`${process.stdout.isTTY ? '\x1b[2J\x1b[H' : '\n'}${render(base, previous, current)}`);
    previous = current;
  }
  return 0;
}

class StatsError extends Error {
  override readonly name = 'StatsError';
}

async function scrape(base: string, headers: Record<string, string>): Promise<Snapshot> {
  const at = performance.now();
  let metrics: Response;
  try {
    metrics = await fetch(`${base}/metrics`, { headers });
  } catch (err) {
    throw new StatsError(
      `cannot reach ${base}/metrics: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
    );
  }
  if (!metrics.ok)
    throw new StatsError(
      `${base}/metrics answered ${metrics.status}${metrics.status === 401 || metrics.status === 403 ? ' (pass the admin key with --key or SWITCHYARD_ADMIN_KEY)' : ''}`,
    );
  const samples = parsePrometheusText(await metrics.text());
  // The breaker's /admin/circuits lists instances with their breakers; core's /admin/routes lists them without.
  let routes = await fetch(`${base}/admin/circuits`, { headers }).catch(() => undefined);
  if (!routes?.ok) routes = await fetch(`${base}/admin/routes`, { headers }).catch(() => undefined);
  const body = routes?.ok ? ((await routes.json()) as { instances?: RoutesInstance[] }) : undefined;
  return { at, samples, ...(body?.instances ? { instances: body.instances } : {}) };
}

/** The table: a summary line, then one row per instance. Rates and latencies are over the interval between the two scrapes. */
export function render(base: string, before: Snapshot, now: Snapshot): string {
  const seconds = Math.max((now.at - before.at) / 1000, 1e-3);
  const s = now.samples;
  const delta = (name: string, match: Record<string, string> = {}): number =>
    Math.max(0, sumOf(s, name, match) - sumOf(before.samples, name, match));
  const version = s.find((x) => x.name === 'switchyard_info')?.labels.version ?? '?';
  const requests = sumOf(s, 'switchyard_requests_total');
  const errorClasses = ['caller', 'policy', 'upstream', 'gateway']
    .map((c) => `${c} ${sumOf(s, 'switchyard_errors_total', { class: c })}`)
    .join(', ');
  const lines = [
    `Switchyard ${version} at ${base} — ${(delta('switchyard_requests_total') / seconds).toFixed(1)} req/s, ${requests} requests, errors: ${errorClasses}`,
    `cost $${sumOf(s, 'switchyard_cost_usd_total').toFixed(4)}, sticky sessions ${sumOf(s, 'switchyard_sticky_sessions')}, p95 overhead ${ms(histogramQuantile(0.95, s, 'switchyard_gateway_overhead_seconds'))}`,
    '',
  ];
  const rows: string[][] = [
    ['INSTANCE', 'TYPE', 'CIRCUIT', 'ATTEMPTS/S', 'ATTEMPTS', 'FAILED', '429', 'ERR%', 'P50', 'P95', 'TTFT P50'],
  ];
  for (const { name, type, breaker } of instancesOf(now)) {
    const match = { instance: name };
    const attempts = sumOf(s, 'switchyard_instance_requests_total', match);
    const failed = sumOf(s, 'switchyard_instance_requests_total', { ...match, outcome: 'failure' });
    const limited = sumOf(s, 'switchyard_instance_requests_total', { ...match, outcome: 'rate_limited' });
    const recent = delta('switchyard_requests_total', match) > 0 ? before.samples : undefined;
    const circuitValue = s.find((x) => x.name === 'switchyard_circuit_state' && x.labels.instance === name)?.value;
    const circuit =
      breaker?.state?.replace('_', '-') ?? (circuitValue === undefined ? '-' : (CIRCUIT[circuitValue] ?? '?'));
    const parked = breaker?.parkedUntil !== undefined && breaker.parkedUntil > Date.now() ? ' (parked)' : '';
    rows.push([
      name,
      type ?? '-',
      circuit + parked,
      (delta('switchyard_instance_requests_total', match) / seconds).toFixed(1),
      String(attempts),
      String(failed),
      String(limited),
      attempts ? `${(((failed + limited) / attempts) * 100).toFixed(1)}%` : '-',
      ms(histogramQuantile(0.5, s, 'switchyard_request_duration_seconds', match, recent)),
      ms(histogramQuantile(0.95, s, 'switchyard_request_duration_seconds', match, recent)),
      ms(histogramQuantile(0.5, s, 'switchyard_time_to_first_token_seconds', match)),
    ]);
  }
  return `${[...lines, ...table(rows)].join('\n')}\n`;
}

function instancesOf(snapshot: Snapshot): Array<{ name: string; type?: string; breaker?: Breaker }> {
  if (snapshot.instances) {
    return snapshot.instances.map((i) => ({
      name: i.name,
      ...(i.type ? { type: i.type } : {}),
      ...(i.breakers?.length === 1 ? { breaker: i.breakers[0]! } : {}),
    }));
  }
  const names = new Set<string>();
  for (const x of snapshot.samples)
    if (x.name === 'switchyard_instance_health' && x.labels.instance) names.add(x.labels.instance);
  return [...names].map((name) => ({ name }));
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === 0 || c === 2 || c === 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

function ms(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  return seconds >= 1 ? `${seconds.toFixed(2)}s` : `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)}ms`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
