// `npm run bench:check`: issue 15's targets from bench/results/latest.json, and exit code 1 when
// Switchyard misses any (or one was not measured, or requests failed). Without results (or with
// --run) it builds and runs the bench first. For people to run before a release, never in npm test.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goalsTable, unmetGoals } from './goals.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');
const RESULTS_FILE = join(here, 'results', 'latest.json');

function runBench() {
  console.error('bench:check: running the bench (tsc -b && node bench/run.mjs)…');
  const built = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
  const writtenBefore = existsSync(RESULTS_FILE) ? statSync(RESULTS_FILE).mtimeMs : 0;
  const run = spawnSync(process.execPath, [join(here, 'run.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  // Exit code 1 with fresh results means some requests failed: the check below reports it.
  const fresh = existsSync(RESULTS_FILE) && statSync(RESULTS_FILE).mtimeMs > writtenBefore;
  if (!fresh) process.exit(run.status || 1);
}

function currentRevision() {
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

if (process.argv.includes('--run') || !existsSync(RESULTS_FILE)) runBench();
const { meta, rows = [], goals, summary } = JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
if (!goals) {
  console.error(
    `bench:check: ${RESULTS_FILE} holds no issue 15 targets (written by an older bench): run npm run bench`,
  );
  process.exit(1);
}

console.log(
  `bench results of ${meta.date}, revision ${meta.revision ?? 'unknown'}, node ${meta.node}, ${meta.cpus} CPUs (${RESULTS_FILE})`,
);
const revision = currentRevision();
if (revision && meta.revision && revision !== meta.revision) {
  console.log(
    `! the tree is now at ${revision}: these results may be stale (npm run bench:check -- --run measures again)`,
  );
}
if (meta.settings?.requests * (meta.settings?.rounds ?? 1) < 10_000)
  console.log(
    `! a short run (BENCH_REQUESTS=${meta.settings.requests} × BENCH_ROUNDS=${meta.settings.rounds ?? 1}): its figures are rough`,
  );
const slow = rows.filter((r) => r.rateKept === false).map((r) => `${r.scenario} ${r.target}`);
if (slow.length) console.log(`! below the paced rate, so not under the same load as the others: ${slow.join(', ')}`);
console.log(`\n${goalsTable(goals)}\n`);

const problems = unmetGoals(goals);
if (summary?.failedRequests > 0) problems.push(`${summary.failedRequests} requests failed during the run`);
if (problems.length === 0) {
  console.log(`bench:check: ${goals[0].gateways[0].label} meets every issue 15 target.`);
} else {
  console.log(`bench:check: ${problems.length} NOT met:`);
  for (const line of problems) console.log(`  - ${line}`);
  process.exit(1);
}
