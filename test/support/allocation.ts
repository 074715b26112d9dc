import { GCProfiler, getHeapStatistics } from 'node:v8';

/**
 * V8 heap bytes one call of `fn` allocates, on average over `calls` calls made after as many to
 * warm it up (optimized code allocates less than the interpreter): the heap used after − before
 * + what the collections in between freed, as bench/child-probe.mjs counts a server's. The least
 * of `rounds` such rounds: a round may also count what V8 allocates once, or calls run before
 * code is optimized, which on a busy machine (its compiler thread starved) can come late.
 */
export function bytesPerCall(fn: () => void, calls = 20_000, rounds = 12): number {
  for (let i = 0; i < calls; i++) fn();
  let least = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const profiler = new GCProfiler();
    profiler.start();
    const before = getHeapStatistics().used_heap_size;
    for (let i = 0; i < calls; i++) fn();
    const after = getHeapStatistics().used_heap_size;
    let freed = 0;
    for (const gc of profiler.stop().statistics)
      freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    least = Math.min(least, (after - before + freed) / calls);
  }
  return least;
}
