// RSS after start, alone: starts the bench's `switchyard` target (standard preset, one gateway key)
// START_RSS_RUNS times (default 8), as bench/run.mjs does, and prints VmRSS at the moment /health
// first answers 200 for each start, then the median.
//   node bench/start-rss.mjs                  # this tree
//   START_RSS_NODE_ARGS="--max-semi-space-size=1" node bench/start-rss.mjs   # node flags to try
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL } from './fixtures.mjs';
import { freePort, startChild, statusKb, stopAllChildren, stopChild } from './processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
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

async function startOnPort(name, script, args) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = await startChild(name, [...script, ...args, '--port', String(port)], `${origin}/health`);
  return { child, origin, rssMb: statusKb(child.pid, 'VmRSS') / 1024 };
}

const tempDir = mkdtempSync(join(tmpdir(), 'switchyard-start-rss-'));
try {
  const mock = await startOnPort('mock upstream', [join(here, 'mock-upstream.mjs')], []);
  const configFile = join(tempDir, 'switchyard.json');
  writeFileSync(configFile, JSON.stringify(config(mock.origin)));
  const script = [...nodeArgs, join(here, '..', 'cli', 'bin', 'switchyard.js')];
  const readings = [];
  for (let i = 0; i < runs; i++) {
    const { child, rssMb } = await startOnPort('switchyard', script, ['start', '--config', configFile]);
    readings.push(rssMb);
    console.log(`start ${i + 1}: ${rssMb.toFixed(1)} MB`);
    await stopChild(child);
  }
  const sorted = [...readings].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  console.log(
    `RSS after start (MB): median ${median.toFixed(1)}, min ${sorted[0].toFixed(1)}, max ${sorted.at(-1).toFixed(1)}`,
  );
} finally {
  await stopAllChildren();
  rmSync(tempDir, { recursive: true, force: true });
}
