/**
 * The real Codex CLI (`codex exec`, unmodified, offline) THROUGH the gateway to each kind of
 * upstream: a turn, and a shell tool round trip whose follow-up carries the reasoning item, the
 * call and its output (`store: false`: nothing is kept, the reasoning must come back whole in
 * encrypted_content — Claude's thinking block with its signature rebuilt byte for byte); and a
 * stream an upstream error breaks mid-way, which Codex must take as a disconnect and retry.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCodex, type CodexResult } from '../support/clients/codex.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import {
  callPath,
  CLIENT_KEY,
  passThroughDifferences,
  startBench,
  UPSTREAM_KINDS,
  type Bench,
} from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

/** Codex's model here (a model Codex knows); the gateway aliases it to each upstream's. */
const MODEL = 'gpt-5.5';
const COMMAND = 'echo switchyard-shell-ok';

let proxy: DenyProxy;
beforeAll(async () => void (proxy = await startDenyProxy()));
afterAll(() => proxy.close());

function expectOffline(run: CodexResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(run.stderr).not.toMatch(/ERROR|Reconnecting|ECONNREFUSED|error sending request|dns error/i);
}

/** Makes the upstream call Codex's shell tool first, then answer by default once the output is back. */
function scriptShellCall(bench: Bench): void {
  bench.openai.setAnswerer((body) => {
    const answered = Array.isArray(body.input)
      ? body.input.at(-1)?.type === 'function_call_output'
      : body.messages?.at(-1)?.role === 'tool';
    return answered ? undefined : { toolCalls: [{ name: 'exec_command', arguments: { cmd: COMMAND } }] };
  });
  bench.anthropic.setAnswerer((body) => {
    const last = body.messages.at(-1);
    const answered =
      Array.isArray(last.content) && last.content.some((b: { type: string }) => b.type === 'tool_result');
    return answered ? undefined : { toolCalls: [{ name: 'exec_command', input: { cmd: COMMAND } }] };
  });
  bench.gemini.setAnswerer((body) => {
    const answered = body.contents.at(-1).parts.some((p: { functionResponse?: unknown }) => p.functionResponse);
    return answered ? undefined : { functionCalls: [{ name: 'exec_command', args: { cmd: COMMAND } }] };
  });
}

describe.each(UPSTREAM_KINDS)('Codex CLI through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [MODEL])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  it(
    'completes a turn',
    async () => {
      const run = await runCodex({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        prompt: 'Say hello',
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectOffline(run);
      expect(run.exitCode, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
      expect(run.text).toMatch(new RegExp(`^${kind}: [\\s\\S]*Say hello$`));
      expect(run.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
      expect(run.usage!.input_tokens).toBeGreaterThan(0);
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      expect(calls[0]!.path).toMatch(callPath(kind, true));
      if (kind === 'openai') {
        expect(calls[0]!.body).toMatchObject({
          model: MODEL,
          stream: true,
          store: false,
          include: ['reasoning.encrypted_content'],
        });
        expect(passThroughDifferences('codex.turn', calls)).toEqual([]);
      }
    },
    CLIENT_HUNG_MS + 60_000,
  );

  it(
    'makes a shell tool round trip: runs echo, sends back reasoning, the call and its output',
    async () => {
      scriptShellCall(bench);
      const run = await runCodex({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        prompt: 'Run echo',
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectOffline(run);
      expect(run.exitCode, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
      expect(run.commands).toEqual([
        expect.objectContaining({ output: 'switchyard-shell-ok\n', exitCode: 0, status: 'completed' }),
      ]);
      expect(run.commands[0]!.command).toContain(COMMAND);
      expect(run.text).toMatch(new RegExp(`^${kind}: `));
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      const followUp = calls[1]!.body;
      switch (kind) {
        case 'openai':
          expect(followUp.input.slice(-3).map((i: { type: string }) => i.type)).toEqual([
            'reasoning',
            'function_call',
            'function_call_output',
          ]);
          expect(passThroughDifferences('codex.shell-tool', calls)).toEqual([]);
          break;
        case 'chat':
          expect(followUp.messages.slice(-2).map((m: { role: string }) => m.role)).toEqual(['assistant', 'tool']);
          expect(followUp.messages.at(-1).content).toContain('switchyard-shell-ok');
          break;
        case 'anthropic': {
          // Claude's thinking came back first in the assistant turn, signed (the mock verified it), then the call.
          const assistant = followUp.messages.at(-2);
          expect(assistant.content.map((b: { type: string }) => b.type)).toEqual(['thinking', 'tool_use']);
          expect(followUp.thinking).toMatchObject({ type: 'enabled' });
          expect(JSON.stringify(followUp.messages.at(-1).content)).toContain('switchyard-shell-ok');
          break;
        }
        case 'gemini': {
          const model = followUp.contents.at(-2);
          expect(model.parts[0]).toMatchObject({
            functionCall: { name: 'exec_command' },
            thoughtSignature: expect.any(String),
          });
          expect(JSON.stringify(followUp.contents.at(-1))).toContain('switchyard-shell-ok');
          break;
        }
      }
    },
    CLIENT_HUNG_MS + 60_000,
  );

  it(
    'takes a stream broken by an upstream error mid-way as a disconnect: reconnects once and completes the turn',
    async () => {
      // After the first text delta (message_start, content_block_start, ping, delta): an error before any
      // content is the gateway's to retry, unseen by Codex (the decoder holds the opening back).
      if (kind === 'anthropic')
        bench.anthropic.queueFault({ kind: 'streamError', afterEvents: 4, type: 'overloaded_error' });
      else if (kind === 'gemini') bench.gemini.queueFault({ kind: 'streamError', afterEvents: 1 });
      else bench.openai.queueFault({ kind: 'streamError', afterChunks: 2 });
      const run = await runCodex({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        prompt: 'Say hello',
        retries: 1,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectCleanRun(run, proxy);
      // Codex names the upstream's error as it reconnects, then the retry answers.
      const errors = run.events.filter((e) => e.type === 'error').map((e) => String(e.message));
      expect(errors).toEqual([expect.stringMatching(/^Reconnecting\.\.\. 1\/1 /)]);
      expect(run.text).toMatch(new RegExp(`^${kind}: [\\s\\S]*Say hello$`));
      expect(bench.calls().map((c) => c.status)).toEqual([200, 200]);
    },
    CLIENT_HUNG_MS + 60_000,
  );
});
