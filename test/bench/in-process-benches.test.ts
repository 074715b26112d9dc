import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bench = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

/**
 * `npm run bench` runs these after bench/run.mjs: each is run here with a handful of requests,
 * so a change to an API they drive cannot leave the README's command broken. Their figures are
 * not read (machine-dependent: measured by `npm run bench`, never asserted in tests).
 */
const BENCHES: Array<[script: string, env: Record<string, string>, prints: RegExp, nodeArgs?: string[]]> = [
  ['plugin-overhead.mjs', { OVERHEAD_REQUESTS: '400' }, /core only\s+[\d.]+ µs/],
  ['observability-overhead.mjs', { OBS_REQUESTS: '400' }, /metrics/],
  ['prompt-cache.mjs', { PROMPT_CACHE_REQUESTS: '40' }, /with prompt-cache/],
  ['budgets.mjs', { BUDGET_REQUESTS: '400' }, /round trips per request/],
  ['routing.mjs', { ROUTING_SELECTIONS: '40' }, /whole selectRoute chain/],
  ['routing-select.mjs', { ROUTING_TARGETS: '200', ROUTING_ROUNDS: '4' }, /per candidate/],
  ['reload.mjs', { RELOADS: '6' }, /reload \(standard preset/, ['--expose-gc']],
];

describe('the in-process benches of npm run bench', () => {
  for (const [script, env, prints, nodeArgs = []] of BENCHES) {
    it(`${script} runs to the end`, async () => {
      const { stdout } = await run(process.execPath, [...nodeArgs, join(bench, script)], {
        env: { ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
      });
      expect(stdout).toMatch(prints);
    }, 180_000);
  }
});
