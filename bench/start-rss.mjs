// RSS after start, alone: starts the bench's `switchyard` target (standard preset, one gateway key,
// the bench's preloads) START_RSS_RUNS times (default 8) and prints VmRSS at the moment /health
// first answers 200, as bench/run.mjs reads it, for each start, then the median.
//   node bench/start-rss.mjs
//   START_RSS_BEFORE=main node bench/start-rss.mjs     # also that ref's gateway, started in turn with this tree's
//   START_RSS_NODE_ARGS="--max-semi-space-size=1" node bench/start-rss.mjs   # node flags to try
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareBefore } from './before.mjs';
import { MODEL } from './fixtures.mjs';
import { freePort, startChild, statusKb, stopAllChildren, stopChild } from './processes.mjs';
import { median } from './rounds.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');
const runs = Number(process.env.START_RSS_RUNS ?? 8);
const nodeArgs = (process.env.START_RSS_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** The same config as bench/run.mjs's `switchyard` target. */
function config(upstreamOrigin) {
  return {
    server: { host: '127.0.0.1', port: 0, drainDelayMs: 0 },
    log: { level: 'warn' },
    providers: [
      { name: 'mock', type: 'openai', baseUrl: `${upstreamOrigin}/v1`, apiKey: 'bench-key', models: [MODEL] },
    ],
    plugins: { auth: { keys: [{ name: 'bench', key: 'bench-caller' }] } },
  };
}

async function startOnPort(name, args) {
  const port = await freePort();
  const child = await startChild(name, [...args, '--port', String(port)], `http://127.0.0.1:${port}/health`);
  return { child, origin: `http://127.0.0.1:${port}`, rssMb: statusKb(child.pid, 'VmRSS') / 1024 };
}

const tempDir = mkdtempSync(join(tmpdir(), 'switchyard-start-rss-'));
const before = process.env.START_RSS_BEFORE
  ? prepareBefore(process.env.START_RSS_BEFORE, repoRoot, (line) => console.error(line), 'START_RSS_BEFORE')
  : undefined;
const trees = [
  ...(before ? [{ label: before.label, root: before.root }] : []),
  { label: 'this tree', root: repoRoot },
].map((tree) => ({ ...tree, readings: [] }));
try {
  const mock = await startOnPort('mock upstream', [join(here, 'mock-upstream.mjs')]);
  const configFile = join(tempDir, 'switchyard.json');
  writeFileSync(configFile, JSON.stringify(config(mock.origin)));
  for (let i = 0; i < runs; i++) {
    for (const tree of trees) {
      const bin = join(tree.root, 'cli', 'bin', 'switchyard.js');
      const { child, rssMb } = await startOnPort('switchyard', [...nodeArgs, bin, 'start', '--config', configFile]);
      tree.readings.push(rssMb);
      console.log(`${tree.label} start ${i + 1}: ${rssMb.toFixed(1)} MB`);
      await stopChild(child);
    }
  }
  for (const { label, readings } of trees) {
    const line = `median ${median(readings).toFixed(1)}, min ${Math.min(...readings).toFixed(1)}, max ${Math.max(...readings).toFixed(1)}`;
    console.log(`RSS after start (MB), ${label}: ${line} (${readings.length} starts)`);
  }
} finally {
  await stopAllChildren();
  before?.remove();
  rmSync(tempDir, { recursive: true, force: true });
}
