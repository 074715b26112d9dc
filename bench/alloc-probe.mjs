// Preloaded into every bench child (`node --import`), beside exit-with-parent.mjs: counts the bytes
// the child allocates on the V8 heap between two commands the bench writes to its stdin.
//   `alloc start` → starts a v8.GCProfiler and notes the used heap
//   `alloc stop`  → allocated = used heap now − used heap at start + what every GC in between freed
// Each command is answered with one line on stdout, `@@bench-probe {json}`, which the bench reads.
// Buffers' backing stores live outside the V8 heap and are not counted (they are pooled or reused).
import { GCProfiler, getHeapStatistics } from 'node:v8';

export const REPLY_PREFIX = '@@bench-probe ';

let profiler;
let usedAtStart = 0;
let pending = '';

function reply(message) {
  process.stdout.write(`${REPLY_PREFIX}${JSON.stringify(message)}\n`);
}

function start() {
  profiler?.stop();
  profiler = new GCProfiler();
  profiler.start();
  usedAtStart = getHeapStatistics().used_heap_size;
  reply({ command: 'alloc start' });
}

function stop() {
  const usedNow = getHeapStatistics().used_heap_size;
  const statistics = profiler?.stop()?.statistics ?? [];
  profiler = undefined;
  let freed = 0;
  for (const gc of statistics)
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  reply({ command: 'alloc stop', allocatedBytes: usedNow - usedAtStart + freed, gcs: statistics.length });
}

const COMMANDS = { 'alloc start': start, 'alloc stop': stop };

process.stdin.on('data', (chunk) => {
  pending += chunk.toString('utf8');
  let newline;
  while ((newline = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, newline).trim();
    pending = pending.slice(newline + 1);
    const command = COMMANDS[line];
    if (command) command();
    else if (line) reply({ command: line, error: 'unknown command' });
  }
});
