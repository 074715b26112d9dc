// Instructions per request, counted by valgrind's callgrind: on a shared machine CPU time moves by
// ±10 % from run to run, an instruction count far less (JIT-compiled JavaScript runs the same
// instructions for the same request), so a change of 1 % is visible. Starts the mock upstream
// (plain node) as bench/run.mjs does, then each target in turn under `valgrind --tool=callgrind`:
// the bare proxy (minimal-proxy.mjs) and Switchyard (standard preset, one gateway key). For each
// target and mode (json, stream): warm-up requests, then blocks of requests, the counters zeroed
// (`callgrind_control --zero`) before each block and dumped after it. Per request it prints:
//   main thread   the event loop: JavaScript, V8's builtins and runtime, Node's bindings, and
//                 the GC work done there. The figure to compare: it is what the loop spends.
//   all threads   plus V8's background threads (optimizing compiler, concurrent marking and
//                 sweeping). It moves more: a block that holds a major GC or a late compilation
//                 reads higher, which is why each figure is the median of the blocks.
// The gateway's main-thread figure falls from block to block until V8 has optimized its hot code:
// about 9,000 requests at 1 in flight, hence the long default warm-up. After a shorter one,
// compare two targets block by block (they get the same requests), not one block with the next.
// User-space instructions only: the kernel's work (socket reads and writes) is not counted.
// Settings (environment):
//   INSTR_WARMUP        warm-up requests before each mode's blocks (default 10000)
//   INSTR_BLOCKS        measured blocks per target and mode (default 5)
//   INSTR_REQUESTS      requests per block (default 300)
//   INSTR_CONCURRENCY   requests in flight, closed loop (default 1: each request alone, repeatable)
//   INSTR_STREAM=0      json only
//   INSTR_ANTHROPIC=1   also Switchyard with the mock as an anthropic provider (conversion)
//   INSTR_BEFORE=<ref>  also that ref's Switchyard, built in a temp worktree (bench/before.mjs)
//   INSTR_TARGETS=a,b   only these targets (names as printed; default all)
//   INSTR_KEEP=<dir>    keep the callgrind dumps there (callgrind_annotate), one per block and thread
//   INSTR_NODE_ARGS     node flags for the targets (e.g. --perf-basic-prof, to name JIT code in a dump)
// Usage: node bench/instructions.mjs (after `npx tsc -b`; about 40 min on 2 busy cores); needs valgrind.

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { prepareBefore } from './before.mjs';
import { MODEL } from './fixtures.mjs';
import { drive, openClient } from './load.mjs';
import { median } from './rounds.mjs';
import { freePort, killAllChildrenNow, startChild, stopAllChildren, stopChild } from './processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');
const EXIT_WITH_PARENT = new URL('./exit-with-parent.mjs', import.meta.url).href;
/** Means "hung": under callgrind a gateway starts in about a minute on a busy 2-core machine. */
const STARTUP_TIMEOUT_MS = 600_000;
const STOP_GRACE_MS = 60_000; // callgrind writes its last dump on exit

const settings = {
  requests: positiveInteger('INSTR_REQUESTS', 300),
  warmup: positiveInteger('INSTR_WARMUP', 10_000),
  blocks: positiveInteger('INSTR_BLOCKS', 5),
  concurrency: positiveInteger('INSTR_CONCURRENCY', 1),
  stream: process.env.INSTR_STREAM !== '0',
  anthropic: process.env.INSTR_ANTHROPIC === '1',
  before: process.env.INSTR_BEFORE || undefined,
  keep: process.env.INSTR_KEEP || undefined,
  only: process.env.INSTR_TARGETS?.split(',').filter(Boolean),
  nodeArgs: (process.env.INSTR_NODE_ARGS ?? '').split(' ').filter(Boolean),
};
const modes = settings.stream ? ['json', 'stream'] : ['json'];
const tempDir = mkdtempSync(join(tmpdir(), 'switchyard-instructions-'));
const valgrindChildren = new Set();
let before;

function positiveInteger(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`instructions: ${name} must be an integer ≥ 1, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** The config of bench/run.mjs's `switchyard` target (and of `switchyard→anthropic` with type anthropic). */
function switchyardConfig(upstreamOrigin, type = 'openai') {
  return {
    server: { host: '127.0.0.1', port: 0, drainDelayMs: 0 },
    log: { level: 'warn' },
    providers: [
      {
        name: 'mock',
        type,
        baseUrl: type === 'openai' ? `${upstreamOrigin}/v1` : upstreamOrigin,
        apiKey: 'bench-key',
        models: [MODEL],
      },
    ],
    plugins: { auth: { keys: [{ name: 'bench', key: 'bench-caller' }] } },
  };
}

function targets(mockOrigin) {
  const list = [{ name: 'minimal-proxy', args: [join(here, 'minimal-proxy.mjs'), '--upstream', `${mockOrigin}/v1`] }];
  const gateway = (label, root, type = 'openai') => {
    const configFile = join(tempDir, `${label.replace(/[^a-z0-9]+/gi, '-')}.json`);
    writeFileSync(configFile, JSON.stringify(switchyardConfig(mockOrigin, type)));
    return { name: label, args: [join(root, 'cli', 'bin', 'switchyard.js'), 'start', '--config', configFile] };
  };
  if (before) list.push(gateway(before.label, before.root));
  list.push(gateway('switchyard', repoRoot));
  if (settings.anthropic) {
    if (before) list.push(gateway(`${before.label}→anthropic`, before.root, 'anthropic'));
    list.push(gateway('switchyard→anthropic', repoRoot, 'anthropic'));
  }
  return settings.only ? list.filter((t) => settings.only.includes(t.name)) : list;
}

// ---- a server under callgrind ----------------------------------------------------------------

async function startUnderCallgrind(name, args) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const outDir = mkdtempSync(join(tempDir, 'callgrind-'));
  const proc = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${join(outDir, 'callgrind.out')}`,
      process.execPath,
      ...settings.nodeArgs,
      '--import',
      EXIT_WITH_PARENT,
      ...args,
      '--port',
      String(port),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const child = { name, proc, pid: proc.pid, origin, outDir, output: '', exited: null };
  valgrindChildren.add(child);
  const keepTail = (chunk) => {
    child.output = (child.output + chunk).slice(-4096);
  };
  proc.stdout.setEncoding('utf8').on('data', keepTail);
  proc.stderr.setEncoding('utf8').on('data', keepTail);
  proc.stdin.on('error', () => {});
  proc.once('exit', (code, signal) => {
    child.exited = { code, signal };
    valgrindChildren.delete(child);
  });
  proc.once('error', (err) => {
    child.exited = { error: err };
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`${name} exited before answering /health:\n${child.output.trim()}`);
    try {
      const res = await request(`${origin}/health`, { headersTimeout: 10_000, bodyTimeout: 10_000, reset: true });
      await res.body.dump();
      if (res.statusCode === 200) return child;
    } catch {
      /* not listening yet */
    }
    await sleep(500);
  }
  throw new Error(`${name} did not answer /health within ${STARTUP_TIMEOUT_MS / 1000} s:\n${child.output.trim()}`);
}

function callgrindControl(child, option) {
  const out = execFileSync('callgrind_control', [option, String(child.pid)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'], // its "sending command…" progress line
  });
  if (!out.includes('OK')) throw new Error(`callgrind_control ${option} ${child.pid}: ${out.trim()}`);
}

/**
 * The instructions of the newest dump of a child, in all threads and in the main thread alone
 * (`--separate-threads=yes` writes one file per thread: callgrind.out.<n>-<thread>, n counting up
 * from 1, thread 01 the main one).
 */
function lastDump(child) {
  const files = readdirSync(child.outDir)
    .map((file) => /^callgrind\.out\.(\d+)-(\d+)$/.exec(file))
    .filter(Boolean);
  const last = Math.max(...files.map((m) => Number(m[1])));
  if (!Number.isFinite(last)) throw new Error(`${child.name}: callgrind wrote no dump in ${child.outDir}`);
  let all = 0;
  let main = 0;
  const paths = [];
  for (const [file, n, thread] of files) {
    if (Number(n) !== last) continue;
    const path = join(child.outDir, file);
    const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(path, 'utf8'));
    if (!totals) throw new Error(`${child.name}: no totals in ${path}`);
    all += Number(totals[1]);
    if (Number(thread) === 1) main = Number(totals[1]);
    paths.push(path);
  }
  return { paths, all, main };
}

// ---- measuring -------------------------------------------------------------------------------

async function send(client, mode, requests) {
  const run = await drive(client, { mode, concurrency: settings.concurrency, maxRequests: requests, maxSeconds: 1e6 });
  if (run.errors > 0)
    throw new Error(`${run.errors} of ${requests} ${mode} requests failed: ${run.firstError.message}`);
}

async function measure(target) {
  process.stderr.write(`  ${target.name}: starting under callgrind…`);
  const child = await startUnderCallgrind(target.name, target.args);
  const row = { target: target.name };
  try {
    for (const mode of modes) {
      const client = openClient(child.origin, settings.concurrency);
      const blocks = { all: [], main: [] };
      try {
        process.stderr.write(` ${mode}: warm-up…`);
        await send(client, mode, settings.warmup);
        process.stderr.write(' measuring');
        for (let b = 0; b < settings.blocks; b++) {
          callgrindControl(child, '--zero');
          await send(client, mode, settings.requests);
          callgrindControl(child, `--dump=${mode}-${b + 1}`);
          const dump = lastDump(child);
          blocks.all.push(dump.all / settings.requests);
          blocks.main.push(dump.main / settings.requests);
          if (settings.keep) for (const path of dump.paths) keepDump(path, `${target.name}.${mode}.${b + 1}`);
          process.stderr.write('.');
        }
      } finally {
        await client.close();
      }
      row[mode] = { main: median(blocks.main), all: median(blocks.all), blocks };
    }
  } finally {
    await stopChild(child, STOP_GRACE_MS);
  }
  process.stderr.write(' done\n');
  return row;
}

function keepDump(path, label) {
  mkdirSync(settings.keep, { recursive: true });
  const thread = path.slice(path.lastIndexOf('-') + 1);
  copyFileSync(path, join(settings.keep, `callgrind.${label.replace(/[^a-z0-9.]+/gi, '-')}.${thread}.out`));
}

function table(rows) {
  const floor = rows.find((r) => r.target === 'minimal-proxy') ?? rows[0];
  const columns = modes.flatMap((m) => [
    [`${m} main thread`, (row) => count(row[m].main)],
    [`× ${floor.target}`, (row) => `${(row[m].main / floor[m].main).toFixed(2)}×`],
    [`${m} all threads`, (row) => count(row[m].all)],
    [`× ${floor.target}`, (row) => `${(row[m].all / floor[m].all).toFixed(2)}×`],
  ]);
  const header = ['instructions/request', ...columns.map(([name]) => name)];
  const lines = rows.map((row) => [row.target, ...columns.map(([, cell]) => cell(row))]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

const count = (n) => Math.round(n).toLocaleString('en-US');

/** Each block's figure, to show how far apart they are (a major GC or a late compilation moves one block). */
function blocksText(rows) {
  return rows
    .flatMap((row) =>
      modes.map(
        (m) =>
          `  ${row.target} ${m}: main ${row[m].blocks.main.map(count).join(' ')}; all ${row[m].blocks.all.map(count).join(' ')}`,
      ),
    )
    .join('\n');
}

async function shutdown() {
  await Promise.all([...valgrindChildren].map((child) => stopChild(child, STOP_GRACE_MS)));
  await stopAllChildren();
  before?.remove();
  rmSync(tempDir, { recursive: true, force: true });
}

async function main() {
  process.on('exit', () => {
    for (const child of valgrindChildren) child.proc.kill('SIGKILL');
    killAllChildrenNow();
    before?.remove();
    rmSync(tempDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => shutdown().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)));
  if (settings.before) before = prepareBefore(settings.before, repoRoot, (line) => console.error(line), 'INSTR_BEFORE');
  const mockPort = await freePort();
  const mockOrigin = `http://127.0.0.1:${mockPort}`;
  await startChild(
    'mock upstream',
    [join(here, 'mock-upstream.mjs'), '--port', String(mockPort)],
    `${mockOrigin}/health`,
  );
  console.error(
    `Instructions per request (callgrind): per target and mode ${settings.warmup} warm-up requests, then ${settings.blocks} blocks of ${settings.requests}, ${settings.concurrency} in flight`,
  );
  const rows = [];
  for (const target of targets(mockOrigin)) rows.push(await measure(target));
  console.log(
    `\n${table(rows)}\n\nMedian of ${settings.blocks} blocks of ${settings.requests} requests; each block:\n${blocksText(rows)}`,
  );
  await shutdown();
}

main().then(
  () => process.exit(0),
  async (err) => {
    console.error(`\ninstructions failed: ${err.message}`);
    await shutdown().catch(() => undefined);
    process.exit(1);
  },
);
