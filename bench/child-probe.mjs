// Preloaded into every bench child (`node --import`), beside exit-with-parent.mjs: measures the
// child between commands the bench writes to its stdin, one per line.
//   `alloc start`          starts a v8.GCProfiler and notes the used heap
//   `alloc stop`           allocated = used heap now − used heap at start + what every GC in between freed
//   `profile start`        starts V8's CPU profiler (in-process inspector session)
//   `profile stop <file>`  stops it and writes the profile to <file> (.cpuprofile, for DevTools)
// Each command is answered with one line on stdout, `@@bench-probe {json}`, which the bench reads.
// Buffers' backing stores live outside the V8 heap and are not counted (they are pooled or reused).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { GCProfiler, getHeapStatistics } from 'node:v8';

const REPLY_PREFIX = '@@bench-probe ';

let gcProfiler;
let usedAtStart = 0;
let session;
let pending = '';

function reply(message) {
  process.stdout.write(`${REPLY_PREFIX}${JSON.stringify(message)}\n`);
}

function allocStart() {
  gcProfiler?.stop();
  gcProfiler = new GCProfiler();
  gcProfiler.start();
  usedAtStart = getHeapStatistics().used_heap_size;
  reply({ command: 'alloc start' });
}

function allocStop() {
  const usedNow = getHeapStatistics().used_heap_size;
  const statistics = gcProfiler?.stop()?.statistics ?? [];
  gcProfiler = undefined;
  let freed = 0;
  for (const gc of statistics)
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  reply({ command: 'alloc stop', allocatedBytes: usedNow - usedAtStart + freed, gcs: statistics.length });
}

function post(method, params = {}) {
  return new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

async function profileStart() {
  session = new Session();
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.start');
  reply({ command: 'profile start' });
}

async function profileStop(file) {
  if (!session) throw new Error('no profile started');
  const { profile } = await post('Profiler.stop');
  session.disconnect();
  session = undefined;
  writeFileSync(file, JSON.stringify(profile));
  reply({ command: 'profile stop', file });
}

const COMMANDS = {
  'alloc start': allocStart,
  'alloc stop': allocStop,
  'profile start': profileStart,
  'profile stop': profileStop,
};

function run(line) {
  const [verb = '', noun = '', ...rest] = line.split(' ');
  const command = `${verb} ${noun}`;
  const handler = COMMANDS[command];
  if (!handler) return reply({ command, error: 'unknown command' });
  Promise.resolve()
    .then(() => handler(rest.join(' ')))
    .catch((err) => reply({ command, error: err.message }));
}

process.stdin.on('data', (chunk) => {
  pending += chunk.toString('utf8');
  let newline;
  while ((newline = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, newline).trim();
    pending = pending.slice(newline + 1);
    if (line) run(line);
  }
});
