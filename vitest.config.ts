import { defineConfig } from 'vitest/config';

/** Tests that drive sustained load with tight timeouts: run alone, after the rest, so no other file competes for the CPU. */
const LOAD_TESTS = ['test/e2e/fault-run.test.ts', 'test/e2e/reload-process.test.ts'];
/**
 * Tests that spawn the real client CLIs (Claude Code, Codex: native binaries of ~400 MB each).
 * They run in `main` (no timing assertions). Starting a client costs 2–11 s of CPU (loading its bundled
 * JavaScript; opencode the most), and the Copilot, opencode, Continue and Cline suites start about 150
 * together: about 800 s of CPU, the longest part of `npm test` on 2 cores. Should a loaded machine make
 * them too slow, add this glob to LOAD_TESTS to run them alone, after the rest.
 */
export const CLIENT_CLI_TESTS = 'test/clients/*.cli.test.ts';

/**
 * A test or hook still running after this is hung, not slow: on a loaded 2-core machine a test
 * that starts gateway processes a few times can take minutes (one process start took over 15 s).
 */
const shared = {
  testTimeout: 300_000,
  hookTimeout: 300_000,
  env: { LOG_LEVEL: 'silent' },
};

export default defineConfig({
  test: {
    // Most test time is spent waiting on sockets and timers: four files at once use a 2-core machine
    // better than the default (cores - 1 = one file at a time), and keep the suite honest about load.
    maxWorkers: 4,
    projects: [
      {
        test: {
          ...shared,
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: LOAD_TESTS,
          sequence: { groupOrder: 0 },
        },
      },
      { test: { ...shared, name: 'load', include: LOAD_TESTS, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
