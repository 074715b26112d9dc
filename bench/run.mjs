// Switchyard benchmark: the same load against the mock upstream directly, a bare Node proxy and
// Switchyard (standard preset, gateway keys on), measuring throughput, latency, time to first byte,
// and each server's CPU time, RSS and heap allocations; then issue 15's targets as ratios against
// the bare proxy, met or not. See bench/README.md for the settings (BENCH_*).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drive, openClient, percentile } from './load.mjs';
import {
  assertRunning,
  CLOCK_TICKS_PER_SECOND,
  cpuTicks,
  freePort,
  killAllChildrenNow,
  pinToCpu,
  probe,
  resetPeakRss,
  startChild,
  statusKb,
  stopAllChildren,
  stopChild,
} from './processes.mjs';
import { COARSE_TICKS, resultsTable, variantsTable } from './report.mjs';
import { evaluateGoals, goalsTable, unmetGoals } from './goals.mjs';
import { prepareBefore } from './before.mjs';
import { profileText, summarizeProfile } from './profile.mjs';
import { MODEL } from './fixtures.mjs';
import { combineRounds, median } from './rounds.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');
const RESULTS_FILE = join(here, 'results', 'latest.json');
const PROFILES_DIR = join(here, 'results', 'profiles');
const CPU_COUNT = availableParallelism(); // before any pinning narrows it
/** A paced row that served less than this share of the rate ran as a closed loop instead: flagged. */
const RATE_KEPT = 0.95;

const settings = (() => {
  try {
    return readSettings(process.env);
  } catch (err) {
    console.error(`bench: ${err.message}`);
    process.exit(2);
  }
})();
const tempDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
/** The BENCH_BEFORE tree, once built; removed at shutdown. */
let before;

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
  return {
    requests: number('BENCH_REQUESTS', 6_000),
    seconds: number('BENCH_SECONDS', 10, { integer: false, min: 0.1 }),
    warmupRequests: number('BENCH_WARMUP', 3000, { min: 0 }),
    warmupSeconds: number('BENCH_WARMUP_SECONDS', 3, { integer: false, min: 0 }),
    rounds: number('BENCH_ROUNDS', 3),
    starts: number('BENCH_STARTS', 3),
    concurrency: number('BENCH_CONCURRENCY', 32),
    rate: number('BENCH_RATE', 2000, { min: 0 }),
    throughputConcurrency: number('BENCH_THROUGHPUT_CONCURRENCY', 128, { min: 0 }),
    throughputSeconds: number('BENCH_THROUGHPUT_SECONDS', 3, { integer: false, min: 0.1 }),
    stream: env.BENCH_STREAM !== '0',
    variants: env.BENCH_VARIANTS === '1',
    redis: env.BENCH_REDIS !== '0',
    redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
    pin: env.BENCH_PIN === '1',
    profile: env.BENCH_PROFILE === '1',
    before: env.BENCH_BEFORE || undefined,
  };
}

/**
 * `json` and `stream` (CPU, allocations, first byte): paced at BENCH_RATE with at most
 * BENCH_CONCURRENCY in flight, so every target carries the same load, or closed loops at
 * BENCH_CONCURRENCY when BENCH_RATE=0. `throughput`: json, closed loop at
 * BENCH_THROUGHPUT_CONCURRENCY, each target as fast as it goes.
 */
function scenarios() {
  const { rate, concurrency, throughputConcurrency } = settings;
  const name = (mode) => (rate ? `${mode} ${rate}/s` : `${mode} c=${concurrency}`);
  const paced = rate ? { rate } : {};
  const list = [{ name: name('json'), role: 'json', mode: 'json', concurrency, ...paced }];
  if (settings.stream) list.push({ name: name('stream'), role: 'stream', mode: 'stream', concurrency, ...paced });
  if (throughputConcurrency)
    list.push({
      name: `json c=${throughputConcurrency}`,
      role: 'throughput',
      mode: 'json',
      concurrency: throughputConcurrency,
    });
  return list;
}

// ---- targets ---------------------------------------------------------------------------------

/**
 * Starts `node script args… --port P` on a free port; resolves when its /health answers, with the
 * RSS it has then. With BENCH_PIN=1 the proxies get CPU 1 to themselves; the mock shares CPU 0
 * with the load driver.
 */
async function startServer(name, script, args = [], { cpu, roles = ['json', 'stream', 'throughput'] } = {}) {
  const start = async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const child = await startChild(name, [script, ...args, '--port', String(port)], `${origin}/health`);
    return { origin, child, rssMb: statusKb(child.pid, 'VmRSS') / 1024 };
  };
  // RSS after start varies by a few MB from start to start (when V8 happens to collect):
  // the median of BENCH_STARTS starts, the last of which serves the load.
  const rss = [];
  for (let i = 1; i < settings.starts; i++) {
    const trial = await start();
    rss.push(trial.rssMb);
    await stopChild(trial.child);
  }
  const { origin, child, rssMb } = await start();
  rss.push(rssMb);
  if (settings.pin) pinToCpu(child.pid, cpu);
  return { name, origin, pid: child.pid, child, roles, rssAfterStartMb: median(rss), rssStartsMb: rss };
}

/** The one gateway key of the bench: the load driver sends it as `Authorization: Bearer bench-caller`. */
const KEYS = { auth: { keys: [{ name: 'bench', key: 'bench-caller' }] } };

/** Switchyard's config (JSON, which the loader reads as well as YAML): the standard preset, one mock instance. */
function switchyardConfig(upstreamOrigin, { type = 'openai', plugins = KEYS, store, log, server } = {}) {
  const baseUrl = type === 'openai' ? `${upstreamOrigin}/v1` : upstreamOrigin;
  return {
    // No drain delay: a stopped child closes its listener at once.
    server: { host: '127.0.0.1', port: 0, drainDelayMs: 0, ...server },
    log: log ?? { level: 'warn' },
    ...(store ? { store } : {}),
    providers: [{ name: 'mock', type, baseUrl, apiKey: 'bench-key', models: [MODEL] }],
    plugins,
  };
}

/**
 * BENCH_VARIANTS=1: Switchyard in other configurations, measured in the json scenario only, each
 * against the `switchyard` row: what a plugin set costs.
 */
function variants() {
  // Limits high enough never to refuse: the row measures their bookkeeping, not refusals.
  const limits = {
    'rate-limit': {
      defaults: { requestsPerMinute: 100_000_000, tokensPerMinute: 1_000_000_000_000, concurrent: 10_000 },
    },
  };
  const redis = { type: 'redis', url: settings.redisUrl, keyPrefix: `switchyard-bench:${process.pid}:` };
  return [
    { name: 'sy no keys', options: { plugins: {} } },
    {
      name: 'sy core only',
      options: { plugins: { auth: false, 'rate-limit': false, 'circuit-breaker': false, 'load-balancer': false } },
    },
    { name: 'sy+limits', options: { plugins: { ...KEYS, ...limits } } },
    ...(settings.redis
      ? [{ name: 'sy+limits redis', options: { plugins: { ...KEYS, ...limits }, store: redis } }]
      : []),
    // Observability: the standard preset runs metrics and Server-Timing; this row takes them out, the next adds the request log.
    { name: 'sy no metrics/timing', options: { plugins: { ...KEYS, metrics: false }, server: { timing: false } } },
    { name: 'sy + request log (file)', options: { log: { level: 'info', file: join(tempDir, 'requests.log') } } },
  ];
}

async function startSwitchyard(name, config, { root = repoRoot, roles } = {}) {
  const configFile = join(tempDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  return startServer(name, join(root, 'cli', 'bin', 'switchyard.js'), ['start', '--config', configFile], {
    cpu: 1,
    roles,
  });
}

/** A gateway under test: its OpenAI-upstream target and its converting (Anthropic-upstream) target. */
async function startGateway(label, mockOrigin, root) {
  const openai = await startSwitchyard(label, switchyardConfig(mockOrigin), { root });
  const anthropic = await startSwitchyard(`${label}→anthropic`, switchyardConfig(mockOrigin, { type: 'anthropic' }), {
    root,
    roles: ['json', 'stream'],
  });
  return { gateway: { label, openai: openai.name, anthropic: anthropic.name }, targets: [openai, anthropic] };
}

async function startTargets() {
  const mock = await startServer('mock upstream', join(here, 'mock-upstream.mjs'), [], { cpu: 0 });
  const minimal = await startServer(
    'minimal-proxy',
    join(here, 'minimal-proxy.mjs'),
    ['--upstream', `${mock.origin}/v1`],
    { cpu: 1 },
  );
  const gateways = [await startGateway('switchyard', mock.origin, repoRoot)];
  if (before) gateways.push(await startGateway(before.label, mock.origin, before.root));
  const extra = [];
  if (settings.variants) {
    for (const variant of variants()) {
      extra.push({
        ...(await startSwitchyard(variant.name, switchyardConfig(mock.origin, variant.options), { roles: ['json'] })),
        variant: true,
      });
    }
  }
  return {
    mock,
    gateways: gateways.map((g) => g.gateway),
    targets: [{ ...mock, name: 'direct' }, minimal, ...gateways.flatMap((g) => g.targets), ...extra],
  };
}

// ---- measuring -------------------------------------------------------------------------------

/**
 * Warm-up, then the measured phase with readings of the target (and mock) around it: /proc CPU
 * time and peak RSS, the bytes the target allocated and, with BENCH_PROFILE=1, its CPU profile (its
 * child-probe.mjs preload).
 */
async function measure(target, scenario, mock, round) {
  const client = openClient(target.origin, scenario.concurrency);
  try {
    const load = {
      mode: scenario.mode,
      concurrency: scenario.concurrency,
      ...(scenario.rate ? { rate: scenario.rate } : {}),
    };
    const warm = await drive(client, {
      ...load,
      maxRequests: settings.warmupRequests,
      maxSeconds: settings.warmupSeconds,
    });
    for (const server of [target, mock])
      assertRunning(server.child, `the warm-up of ${scenario.name} against ${target.name}`);
    if (warm.errors > 0)
      throw new Error(`${target.name} failed during warm-up (${scenario.name}): ${warm.firstError.message}`);

    const peakIsPerPhase = resetPeakRss(target.pid);
    const profiled = settings.profile && round === 0 && target.name !== 'direct';
    if (profiled) await probe(target.child, 'profile start');
    await probe(target.child, 'alloc start');
    const before = { target: cpuTicks(target.pid), mock: cpuTicks(mock.pid), client: process.cpuUsage() };
    // Throughput runs for a time, not a count: 10,000 requests take under a second at full speed,
    // where one scheduling hiccup of the load driver moves the figure by a third.
    const run = await drive(
      client,
      scenario.role === 'throughput'
        ? {
            ...load,
            maxRequests: Math.ceil(settings.throughputSeconds * 100_000),
            maxSeconds: settings.throughputSeconds,
          }
        : { ...load, maxRequests: settings.requests, maxSeconds: settings.seconds },
    );
    for (const server of [target, mock]) assertRunning(server.child, `${scenario.name} against ${target.name}`);
    const ticks = cpuTicks(target.pid) - before.target;
    const mockTicks = cpuTicks(mock.pid) - before.mock;
    const clientCpu = process.cpuUsage(before.client);
    const { allocatedBytes, gcs } = await probe(target.child, 'alloc stop');
    const profileFile = join(
      PROFILES_DIR,
      `${`${scenario.name}-${target.name}`.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`,
    );
    if (profiled) await probe(target.child, `profile stop ${profileFile}`);
    const peakRssKb = statusKb(target.pid, 'VmHWM');

    const attempted = run.latencies.length + run.errors;
    const sorted = run.latencies.sort();
    const usPerRequest = (t) => (t * 1e6) / CLOCK_TICKS_PER_SECOND / attempted;
    const rps = run.latencies.length / (run.elapsedMs / 1000);
    return {
      scenario: scenario.name,
      role: scenario.role,
      mode: scenario.mode,
      concurrency: scenario.concurrency,
      rate: scenario.rate,
      rateKept: scenario.rate ? rps >= scenario.rate * RATE_KEPT : undefined,
      target: target.name,
      variant: target.variant === true,
      requests: attempted,
      errors: run.errors,
      firstError: run.firstError?.message,
      elapsedMs: run.elapsedMs,
      rps,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
      firstByteP50Ms: percentile(run.firstByteMs.sort(), 50),
      addedP50Ms: NaN, // filled in once direct's row of the scenario is known
      cpuTicks: ticks,
      cpuUsPerRequest: usPerRequest(ticks),
      upstreamCpuUsPerRequest: usPerRequest(mockTicks),
      clientCpuUsPerRequest: (clientCpu.user + clientCpu.system) / attempted,
      allocKbPerRequest: allocatedBytes / 1024 / attempted,
      gcs,
      peakRssMb: peakRssKb / 1024,
      peakRssScope: peakIsPerPhase ? 'measured phase' : 'since process start',
      profile: profiled ? summarizeProfile(profileFile) : undefined,
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
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function printReport(rows, targets, goals) {
  const coarse = rows.some((r) => r.cpuTicks < COARSE_TICKS);
  const perPhase = rows.every((r) => r.peakRssScope === 'measured phase');
  console.log(`\n${resultsTable(rows)}\n`);
  if (coarse)
    console.log(
      `* fewer than ${COARSE_TICKS} CPU ticks measured (1 tick = ${1000 / CLOCK_TICKS_PER_SECOND} ms): that CPU µs/req is coarse; raise BENCH_REQUESTS.`,
    );
  if (settings.rounds > 1)
    console.log(
      `Each row: the median of ${settings.rounds} interleaved rounds (peak RSS: the highest; requests and errors: all rounds).`,
    );
  console.log(
    `CPU, KB allocated (V8 heap) and peak RSS are the target's server process (for direct: the mock's); peak RSS is VmHWM ${perPhase ? 'during the measured phase' : 'since process start'}.`,
  );
  for (const row of rows.filter((r) => r.rateKept === false)) {
    console.log(
      `! ${row.scenario} ${row.target}: served ${row.rps.toFixed(0)} req/s, below the rate: it ran as a closed loop, its CPU/req is not under the same load as the others'.`,
    );
  }
  console.log(
    `RSS after start (MB${settings.starts > 1 ? `, median of ${settings.starts} starts` : ''}): ${targets
      .filter((t) => t.name !== 'direct')
      .map((t) => `${t.name} ${t.rssAfterStartMb.toFixed(1)}`)
      .join(', ')}`,
  );
  const variantLines = variantsTable(rows);
  if (variantLines) console.log(`\n${variantLines}`);
  for (const row of rows.filter((r) => r.profile)) console.log(`\n${profileText(row)}`);
  if (settings.profile)
    console.log("\n! BENCH_PROFILE=1: the CPU figures include the profiler's cost; take them from a run without it.");
  for (const row of rows.filter((r) => r.errors > 0))
    console.log(`! ${row.scenario} ${row.target}: ${row.errors} failed requests, first: ${row.firstError}`);
  console.log(`\n${goalsTable(goals)}\n`);
  const unmet = unmetGoals(goals);
  const label = goals[0]?.gateways[0]?.label;
  console.log(
    unmet.length === 0
      ? `${label}: every issue 15 target met.`
      : `${label}: ${unmet.length} of ${goals.length} issue 15 targets NOT met.`,
  );
}

function writeResults(rows, targets, goals) {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  const meta = {
    date: new Date().toISOString(),
    revision: gitRevision(),
    before: before ? { ref: settings.before, commit: before.commit, label: before.label } : undefined,
    node: process.version,
    cpus: CPU_COUNT,
    cpuModel: cpus()[0]?.model,
    clockTicksPerSecond: CLOCK_TICKS_PER_SECOND,
    settings,
  };
  const targetInfo = targets.map((t) => ({
    name: t.name,
    rssAfterStartMb: t.rssAfterStartMb,
    rssStartsMb: t.rssStartsMb,
  }));
  const unmet = unmetGoals(goals);
  const summary = {
    gateway: goals[0]?.gateways[0]?.label,
    met: unmet.length === 0,
    unmet,
    failedRequests: rows.reduce((n, r) => n + r.errors, 0),
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ meta, targets: targetInfo, rows, goals, summary }, null, 2)}\n`);
}

// ---- lifecycle -------------------------------------------------------------------------------

async function shutdown() {
  await stopAllChildren();
  before?.remove();
  rmSync(tempDir, { recursive: true, force: true });
}

function installExitHandlers() {
  process.on('exit', () => {
    killAllChildrenNow();
    before?.remove();
    rmSync(tempDir, { recursive: true, force: true });
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the bench's child processes`);
      shutdown().finally(() => process.exit(code));
    });
  }
}

function runsIn(target, scenario) {
  return target.roles.includes(scenario.role);
}

async function main() {
  const started = performance.now();
  installExitHandlers();
  if (settings.before) before = prepareBefore(settings.before, repoRoot, (line) => console.error(line));
  if (settings.pin) pinToCpu(process.pid, 0);
  if (settings.profile) {
    rmSync(PROFILES_DIR, { recursive: true, force: true });
    mkdirSync(PROFILES_DIR, { recursive: true });
  }
  console.error(
    `Switchyard bench: node ${process.version}, ${CPU_COUNT} CPUs${settings.pin ? ' (pinned: proxies on CPU 1, driver and mock on CPU 0)' : ''}; ` +
      `per scenario, ${settings.rounds} round(s) over the targets in turn; per round and target ${settings.warmupRequests} warm-up requests (≤ ${settings.warmupSeconds} s), then ≤ ${settings.requests} measured (≤ ${settings.seconds} s; throughput ${settings.throughputSeconds} s)`,
  );
  const { mock, gateways, targets } = await startTargets();
  const measured = [];
  for (const scenario of scenarios()) {
    for (let round = 0; round < settings.rounds; round++) {
      for (const target of targets.filter((t) => runsIn(t, scenario))) {
        const label = settings.rounds > 1 ? `${scenario.name} #${round + 1}` : scenario.name;
        process.stderr.write(`  ${label.padEnd(17)} ${target.name.padEnd(24)}`);
        const row = await measure(target, scenario, mock, round);
        process.stderr.write(`${row.requests} requests in ${(row.elapsedMs / 1000).toFixed(1)} s\n`);
        measured.push(row);
      }
    }
  }
  const rows = combineRounds(measured);
  addLatencyVsDirect(rows);
  const targetInfo = Object.fromEntries(targets.map((t) => [t.name, t]));
  const goals = evaluateGoals(rows, gateways, targetInfo);
  printReport(rows, targets, goals);
  writeResults(rows, targets, goals);
  console.log(
    `\nresults written to ${RESULTS_FILE} (bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
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
