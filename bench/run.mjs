// Switchyard benchmark: the same load against the mock upstream directly, a minimal Node proxy and
// Switchyard, measuring throughput, latency, and each server's CPU time and peak RSS.
// See bench/README.md. Env: BENCH_REQUESTS, BENCH_SECONDS, BENCH_WARMUP, BENCH_WARMUP_SECONDS,
// BENCH_CONCURRENCY, BENCH_RATE (0 skips the fixed-rate scenario), BENCH_STREAM, BENCH_PIN, BENCH_CPU_TARGET, BENCH_REDIS (0 skips the Redis row), BENCH_REDIS_URL.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drive, openClient, percentile } from './load.mjs';
import { assertRunning, CLOCK_TICKS_PER_SECOND, cpuTicks, freePort, killAllChildrenNow, pinToCpu, resetPeakRss, startChild, statusKb, stopAllChildren } from './processes.mjs';
import { COARSE_TICKS, headline, ratios, ratiosTable, resultsTable, variantsTable } from './report.mjs';
import { MODEL } from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');
const CLI = join(repoRoot, 'cli', 'bin', 'switchyard.js');
const RESULTS_FILE = join(here, 'results', 'latest.json');
const CPU_COUNT = availableParallelism(); // before any pinning narrows it

const settings = (() => {
  try {
    return readSettings(process.env);
  } catch (err) {
    console.error(`bench: ${err.message}`);
    process.exit(2);
  }
})();
const tempDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));

function readSettings(env) {
  const number = (name, fallback, { min = 1, integer = true } = {}) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
    }
    return value;
  };
  const requests = number('BENCH_REQUESTS', 10_000);
  const concurrency = (env.BENCH_CONCURRENCY ?? '1,32').split(',').map((s) => Number(s.trim()));
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`BENCH_CONCURRENCY must list integers ≥ 1, got "${env.BENCH_CONCURRENCY}"`);
  return {
    requests,
    seconds: number('BENCH_SECONDS', 10, { integer: false, min: 0.1 }),
    warmupRequests: number('BENCH_WARMUP', 3000, { min: 0 }),
    warmupSeconds: number('BENCH_WARMUP_SECONDS', 3, { integer: false, min: 0 }),
    concurrency,
    rate: number('BENCH_RATE', 2000, { min: 0 }),
    stream: env.BENCH_STREAM !== '0',
    pin: env.BENCH_PIN === '1',
    cpuTarget: number('BENCH_CPU_TARGET', 2, { integer: false, min: 0 }),
  };
}

/**
 * json at every concurrency (closed loop: each target as fast as it goes), json at a fixed rate
 * (every target under the same load: the fair CPU comparison), and streaming at the highest
 * concurrency.
 */
function scenarios() {
  const list = settings.concurrency.map((c) => ({ name: `json c=${c}`, mode: 'json', concurrency: c }));
  const top = Math.max(...settings.concurrency);
  if (settings.rate) list.push({ name: `json ${settings.rate}/s`, mode: 'json', concurrency: top, rate: settings.rate });
  if (settings.stream) list.push({ name: `stream c=${top}`, mode: 'stream', concurrency: top });
  return list;
}

// ---- targets ---------------------------------------------------------------------------------

/**
 * Starts `node script args… --port P` on a free port; resolves when its /health answers.
 * With BENCH_PIN=1 the proxies get CPU 1 to themselves; the mock shares CPU 0 with the load driver.
 */
async function startServer(name, script, args = [], { cpu } = {}) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = await startChild(name, [script, ...args, '--port', String(port)], `${origin}/health`);
  if (settings.pin) pinToCpu(child.pid, cpu);
  return { name, origin, pid: child.pid, child };
}

/** Switchyard's config (JSON, which the loader reads as well as YAML): the standard preset, one mock instance. */
function switchyardConfig(upstreamOrigin, { type = 'openai', plugins, store, log, server } = {}) {
  const baseUrl = type === 'openai' ? `${upstreamOrigin}/v1` : upstreamOrigin;
  return {
    // No drain delay: a stopped child closes its listener at once.
    server: { host: '127.0.0.1', port: 0, drainDelayMs: 0, ...server },
    log: log ?? { level: 'warn' },
    ...(store ? { store } : {}),
    providers: [{ name: 'mock', type, baseUrl, apiKey: 'bench-key', models: [MODEL] }],
    ...(plugins ? { plugins } : {}),
  };
}

/**
 * Switchyard in other configurations, each measured only at the highest concurrency and in the
 * modes it names: what a plugin set costs, and the protocol-converting path.
 */
function variants() {
  const keys = { auth: { keys: [{ name: 'bench', key: 'bench-caller' }] } };
  // Limits high enough never to refuse: the row measures their bookkeeping, not refusals.
  const limits = { 'rate-limit': { defaults: { requestsPerMinute: 100_000_000, tokensPerMinute: 1_000_000_000_000, concurrent: 10_000 } } };
  const redis = { type: 'redis', url: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: `switchyard-bench:${process.pid}:` };
  return [
    { name: 'sy core only', modes: ['json'], options: { plugins: { auth: false, 'rate-limit': false, 'circuit-breaker': false, 'load-balancer': false } } },
    { name: 'sy+auth+rl', modes: ['json'], options: { plugins: { ...keys, ...limits } } },
    ...(process.env.BENCH_REDIS === '0' ? [] : [{ name: 'sy+auth+rl redis', modes: ['json'], options: { plugins: { ...keys, ...limits }, store: redis } }]),
    { name: 'sy→anthropic', modes: ['stream'], options: { type: 'anthropic' } },
    // Observability: the standard preset runs metrics and Server-Timing; these rows take them out, and add the request log.
    { name: 'sy no metrics/timing', modes: ['json'], options: { plugins: { metrics: false }, server: { timing: false } } },
    { name: 'sy + request log (file)', modes: ['json'], options: { log: { level: 'info', file: join(tempDir, 'requests.log') } } },
  ];
}

async function startSwitchyard(name, config) {
  const configFile = join(tempDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  return startServer(name, CLI, ['start', '--config', configFile], { cpu: 1 });
}

async function startTargets() {
  const mock = await startServer('mock upstream', join(here, 'mock-upstream.mjs'), [], { cpu: 0 });
  const minimal = await startServer('minimal-proxy', join(here, 'minimal-proxy.mjs'), ['--upstream', `${mock.origin}/v1`], { cpu: 1 });
  const switchyard = await startSwitchyard('switchyard', switchyardConfig(mock.origin));
  const extra = [];
  for (const variant of variants()) {
    extra.push({ ...(await startSwitchyard(variant.name, switchyardConfig(mock.origin, variant.options))), modes: variant.modes, variant: true });
  }
  return { mock, targets: [{ ...mock, name: 'direct' }, minimal, switchyard, ...extra] };
}

/** Base targets run in every scenario; variants only at the highest concurrency of their modes. */
function runsIn(target, scenario) {
  if (!target.variant) return true;
  return target.modes.includes(scenario.mode) && scenario.concurrency === Math.max(...settings.concurrency) && !scenario.rate;
}

// ---- measuring -------------------------------------------------------------------------------

/** Warm-up, then the measured phase with /proc readings of the target (and mock) around it. */
async function measure(target, scenario, mock) {
  const client = openClient(target.origin, scenario.concurrency);
  try {
    const load = { mode: scenario.mode, concurrency: scenario.concurrency, ...(scenario.rate ? { rate: scenario.rate } : {}) };
    const warm = await drive(client, { ...load, maxRequests: settings.warmupRequests, maxSeconds: settings.warmupSeconds });
    for (const server of [target, mock]) assertRunning(server.child, `the warm-up of ${scenario.name} against ${target.name}`);
    if (warm.errors > 0) throw new Error(`${target.name} failed during warm-up (${scenario.name}): ${warm.firstError.message}`);

    const peakIsPerPhase = resetPeakRss(target.pid);
    const before = { target: cpuTicks(target.pid), mock: cpuTicks(mock.pid), client: process.cpuUsage() };
    const run = await drive(client, { ...load, maxRequests: settings.requests, maxSeconds: settings.seconds });
    for (const server of [target, mock]) assertRunning(server.child, `${scenario.name} against ${target.name}`);
    const ticks = cpuTicks(target.pid) - before.target;
    const mockTicks = cpuTicks(mock.pid) - before.mock;
    const clientCpu = process.cpuUsage(before.client);
    const peakRssKb = statusKb(target.pid, 'VmHWM');

    const attempted = run.latencies.length + run.errors;
    const sorted = run.latencies.sort();
    const usPerRequest = (t) => (t * 1e6) / CLOCK_TICKS_PER_SECOND / attempted;
    return {
      scenario: scenario.name,
      mode: scenario.mode,
      concurrency: scenario.concurrency,
      target: target.name,
      requests: attempted,
      errors: run.errors,
      firstError: run.firstError?.message,
      elapsedMs: run.elapsedMs,
      rps: run.latencies.length / (run.elapsedMs / 1000),
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
      addedP50Ms: NaN, // filled in once direct's row of the scenario is known
      cpuTicks: ticks,
      cpuUsPerRequest: usPerRequest(ticks),
      upstreamCpuUsPerRequest: usPerRequest(mockTicks),
      clientCpuUsPerRequest: (clientCpu.user + clientCpu.system) / attempted,
      peakRssMb: peakRssKb / 1024,
      peakRssScope: peakIsPerPhase ? 'measured phase' : 'since process start',
    };
  } finally {
    await client.close();
  }
}

function addLatencyVsDirect(rows) {
  for (const row of rows) {
    const direct = rows.find((r) => r.scenario === row.scenario && r.target === 'direct');
    row.addedP50Ms = direct ? row.p50Ms - direct.p50Ms : NaN;
  }
}

// ---- output ----------------------------------------------------------------------------------

function gitRevision() {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function printReport(rows, ratioList, summary) {
  const coarse = rows.some((r) => r.cpuTicks < COARSE_TICKS);
  const perPhase = rows.every((r) => r.peakRssScope === 'measured phase');
  console.log(`\n${resultsTable(rows)}\n`);
  if (coarse) console.log(`* fewer than ${COARSE_TICKS} CPU ticks measured (1 tick = ${1000 / CLOCK_TICKS_PER_SECOND} ms): that CPU µs/req is coarse; raise BENCH_REQUESTS.`);
  console.log(`CPU µs/req and peak RSS are the target's server process (for direct: the mock's); peak RSS is VmHWM ${perPhase ? 'during the measured phase' : 'since process start'}.`);
  console.log(`\n${ratiosTable(ratioList)}\n`);
  const variantLines = variantsTable(rows);
  if (variantLines) console.log(`${variantLines}\n`);
  for (const row of rows.filter((r) => r.errors > 0)) console.log(`! ${row.scenario} ${row.target}: ${row.errors} failed requests, first: ${row.firstError}`);
  if (summary) console.log(summary.line);
}

function writeResults(rows, ratioList, summary) {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  const meta = {
    date: new Date().toISOString(),
    revision: gitRevision(),
    node: process.version,
    cpus: CPU_COUNT,
    cpuModel: cpus()[0]?.model,
    clockTicksPerSecond: CLOCK_TICKS_PER_SECOND,
    settings,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ meta, rows, ratios: ratioList, summary }, null, 2)}\n`);
}

// ---- lifecycle -------------------------------------------------------------------------------

async function shutdown() {
  await stopAllChildren();
  rmSync(tempDir, { recursive: true, force: true });
}

function installExitHandlers() {
  process.on('exit', () => {
    killAllChildrenNow();
    rmSync(tempDir, { recursive: true, force: true });
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the bench's child processes`);
      shutdown().finally(() => process.exit(code));
    });
  }
}

async function main() {
  installExitHandlers();
  if (settings.pin) pinToCpu(process.pid, 0);
  console.error(`Switchyard bench: node ${process.version}, ${CPU_COUNT} CPUs${settings.pin ? ' (pinned: proxies on CPU 1, driver and mock on CPU 0)' : ''}; ` +
    `per scenario and target ${settings.warmupRequests} warm-up requests (≤ ${settings.warmupSeconds} s), then ≤ ${settings.requests} measured (≤ ${settings.seconds} s)`);
  const { mock, targets } = await startTargets();
  const rows = [];
  for (const scenario of scenarios()) {
    for (const target of targets.filter((t) => runsIn(t, scenario))) {
      process.stderr.write(`  ${scenario.name.padEnd(12)} ${target.name.padEnd(14)}`);
      const row = await measure(target, scenario, mock);
      process.stderr.write(`${row.requests} requests in ${(row.elapsedMs / 1000).toFixed(1)} s\n`);
      rows.push(row);
    }
  }
  addLatencyVsDirect(rows);
  const ratioList = ratios(rows);
  const summary = headline(rows, settings.cpuTarget);
  printReport(rows, ratioList, summary);
  writeResults(rows, ratioList, summary);
  console.log(`\nresults written to ${RESULTS_FILE}`);
  await shutdown();
  return rows.some((r) => r.errors > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    console.error(`\nbench failed: ${err.message}`);
    await shutdown().catch(() => undefined);
    process.exit(1);
  },
);
