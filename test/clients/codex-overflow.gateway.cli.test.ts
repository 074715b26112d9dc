/**
 * The real Codex CLI (`codex exec`, unmodified, offline) through the gateway to an OpenAI Chat
 * upstream with a small context window (catalog `contextWindow`): a shell command's long output
 * makes the next prompt too long for every target. The gateway refuses it before any upstream call
 * with `code: "context_length_exceeded"`, which Codex recognizes: it reports that it ran out of room
 * in the model's context window (`codex exec` does not compact on it), not an unexpected error.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCodex } from '../support/clients/codex.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_KEY, startBench, type Bench } from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const MODEL = 'gpt-5.5';
/** Codex's first request is ~8,000 tokens (instructions, tools); the command's output is ~3,200 more. */
const WINDOW = 10_000;
const OUT_OF_ROOM = "Codex ran out of room in the model's context window.";

let proxy: DenyProxy;
let bench: Bench;
beforeAll(async () => {
  proxy = await startDenyProxy();
  bench = await startBench('chat', [MODEL], { config: { catalog: { 'llama-3.1-8b': { contextWindow: WINDOW } } } });
});
afterAll(async () => {
  await bench?.close();
  await proxy?.close();
});

describe('Codex CLI through the gateway to a model with a small context window', () => {
  it(
    "reports the gateway's context_length_exceeded as running out of the model's context window",
    { timeout: CLIENT_HUNG_MS + 30_000 },
    async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'sy-cxovf-'));
      try {
        const lines = Array.from({ length: 200 }, (_, i) => `line ${i}: ${'lorem ipsum dolor sit amet '.repeat(2)}`);
        await writeFile(join(cwd, 'big.txt'), `${lines.join('\n')}\n`);
        bench.openai.setAnswerer((body) =>
          body.messages.some((m: any) => m.role === 'tool')
            ? { text: 'unexpected: a prompt over the window reached the upstream' }
            : { toolCalls: [{ name: 'exec_command', arguments: { cmd: 'cat big.txt' } }] },
        );
        const run = await runCodex({
          baseUrl: bench.baseUrl,
          apiKey: CLIENT_KEY,
          prompt: 'Show me big.txt',
          cwd,
          extraEnv: proxy.env(),
          timeoutMs: CLIENT_HUNG_MS,
        });
        expect(run.timedOut).toBe(false);
        expect(proxy.attempts).toEqual([]);
        expect(run.commands.map((c) => c.status)).toEqual(['completed']);
        expect(run.exitCode).toBe(1);
        const failed = run.events.find((e) => e.type === 'turn.failed');
        expect(failed?.error.message, `${run.stderr}\n${run.stdout.slice(-2000)}`).toContain(OUT_OF_ROOM);
        // Only the first request reached the upstream: the one with the command's output was the gateway's to refuse.
        expect(bench.calls().map((c) => c.status)).toEqual([200]);
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    },
  );
});
