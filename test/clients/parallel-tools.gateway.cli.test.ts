/**
 * Parallel tool calls across protocols, with the real clients: Claude Code gets two Read calls in
 * one turn from an OpenAI and a Gemini upstream; Codex gets two shell calls in one turn, then a
 * call of its freeform `apply_patch` tool (a `custom` tool, carried as a function taking `input`),
 * from a Chat-only, an Anthropic and a Gemini upstream. Every call must reach the client, and
 * every result go back to the upstream, each answering its own call.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { runClaudeCode } from '../support/clients/claude-code.js';
import { runCodex } from '../support/clients/codex.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_KEY, startBench, type Bench, type UpstreamKind } from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const TEST_MS = CLIENT_HUNG_MS + 30_000;
const CALLER_KEY = 'test-caller-key';
const UPSTREAM_KEY = 'test-upstream-key';
const CLAUDE_MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];

let proxy: DenyProxy;
let cwd: string;
beforeAll(async () => {
  proxy = await startDenyProxy();
  cwd = await mkdtemp(join(tmpdir(), 'sy-parallel-'));
});
afterEach(() => void (proxy.attempts.length = 0));
afterAll(async () => {
  await proxy.close();
  await rm(cwd, { recursive: true, force: true });
});

describe('Claude Code gets two Read calls in one turn through the gateway', () => {
  let openai: MockOpenAI;
  let gemini: MockGemini;
  const gateways: Record<string, RunningGateway> = {};
  let files: string[];

  beforeAll(async () => {
    files = [join(cwd, 'a.txt'), join(cwd, 'b.txt')];
    await writeFile(files[0]!, 'alpha\n');
    await writeFile(files[1]!, 'beta\n');
    openai = await startMockOpenAI({ apiKey: UPSTREAM_KEY, name: 'openai' });
    gemini = await startMockGemini({ apiKey: UPSTREAM_KEY, name: 'gemini' });
    for (const name of ['openai', 'gemini']) {
      const [provider, target] =
        name === 'openai'
          ? [
              { name, type: 'openai', baseUrl: openai.baseUrl, apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'] },
              'openai/gpt-4o-mini',
            ]
          : [
              { name, type: 'gemini', baseUrl: gemini.origin, apiKey: UPSTREAM_KEY, models: ['gemini-2.5-flash'] },
              'gemini/gemini-2.5-flash',
            ];
      gateways[name] = await startGateway({
        providers: [provider],
        models: CLAUDE_MODELS.map((model) => ({ name: model, targets: [target] })),
        plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } },
      });
    }
    openai.setAnswerer((body) =>
      body.messages.some((m: any) => m.role === 'tool')
        ? { text: 'read both' }
        : { toolCalls: files.map((file_path) => ({ name: 'Read', arguments: { file_path } })) },
    );
    gemini.setAnswerer((body) =>
      body.contents.at(-1).parts.some((p: any) => p.functionResponse)
        ? { text: 'read both' }
        : { functionCalls: files.map((file_path) => ({ name: 'Read', args: { file_path } })) },
    );
  });
  afterAll(async () => {
    for (const gw of Object.values(gateways)) await gw.close();
    await Promise.all([openai.close(), gemini.close()]);
  });

  it.each(['openai', 'gemini'])('from %s: both run, both results go back', { timeout: TEST_MS }, async (name) => {
    const run = await runClaudeCode({
      baseUrl: gateways[name]!.url,
      apiKey: CALLER_KEY,
      prompt: 'Read a.txt and b.txt',
      cwd,
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });
    expectCleanRun(run, proxy);
    expect(run.text).toBe('read both');
    expect(run.toolCalls.map((c) => [c.input.file_path, c.isError])).toEqual([
      [files[0], false],
      [files[1], false],
    ]);
    if (name === 'openai') {
      const calls = openai.requests.filter((r) => r.path.startsWith('/v1/chat/completions'));
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      const messages = calls[1]!.body.messages;
      const asked = messages.findLast((m: any) => m.role === 'assistant').tool_calls.map((c: any) => c.id);
      const results = messages.filter((m: any) => m.role === 'tool');
      expect(results.map((m: any) => m.tool_call_id).sort()).toEqual([...asked].sort());
      expect(results.map((m: any) => m.content).join('\n')).toMatch(/alpha[^]*beta|beta[^]*alpha/);
    } else {
      const calls = gemini.requests.filter((r) => /:(stream)?[gG]enerateContent/.test(r.path));
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      const answers = calls[1]!.body.contents.at(-1).parts.filter((p: any) => p.functionResponse);
      expect(answers).toHaveLength(2);
    }
  });
});

const PATCH = '*** Begin Patch\n*** Add File: patched.txt\n+written by apply_patch\n*** End Patch\n';

/** Two shell calls in one turn, then apply_patch once both outputs are back, then an answer; per upstream's wire format. */
function scriptCalls(bench: Bench): void {
  const shell = ['echo one', 'echo two'];
  const step = (answered: number) => (answered === 0 ? 'shell' : answered === 2 ? 'patch' : 'answer');
  bench.openai.setAnswerer((body) => {
    const next = step(body.messages.filter((m: any) => m.role === 'tool').length);
    if (next === 'shell') return { toolCalls: shell.map((cmd) => ({ name: 'exec_command', arguments: { cmd } })) };
    return next === 'patch' ? { toolCalls: [{ name: 'apply_patch', arguments: { input: PATCH } }] } : { text: 'done' };
  });
  bench.anthropic.setAnswerer((body) => {
    const results = body.messages.flatMap((m: any) =>
      Array.isArray(m.content) ? m.content.filter((b: any) => b.type === 'tool_result') : [],
    );
    const next = step(results.length);
    if (next === 'shell') return { toolCalls: shell.map((cmd) => ({ name: 'exec_command', input: { cmd } })) };
    return next === 'patch' ? { toolCalls: [{ name: 'apply_patch', input: { input: PATCH } }] } : { text: 'done' };
  });
  bench.gemini.setAnswerer((body) => {
    const next = step(body.contents.flatMap((c: any) => c.parts).filter((p: any) => p.functionResponse).length);
    if (next === 'shell') return { functionCalls: shell.map((cmd) => ({ name: 'exec_command', args: { cmd } })) };
    return next === 'patch' ? { functionCalls: [{ name: 'apply_patch', args: { input: PATCH } }] } : { text: 'done' };
  });
}

describe.each(['chat', 'anthropic', 'gemini'] as UpstreamKind[])('Codex through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench(kind, ['gpt-5.5']);
    scriptCalls(bench);
  });
  afterAll(() => bench.close());

  it(
    'runs two shell calls of one turn, then applies a patch with its freeform tool',
    { timeout: TEST_MS },
    async () => {
      const workdir = await mkdtemp(join(cwd, `codex-${kind}-`));
      const run = await runCodex({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        prompt: 'Run two echoes, then add patched.txt',
        cwd: workdir,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectCleanRun(run, proxy);
      expect(run.commands.map((c) => [c.output, c.exitCode]).sort()).toEqual([
        ['one\n', 0],
        ['two\n', 0],
      ]);
      const changes = run.events.filter((e) => e.type === 'item.completed' && e.item?.type === 'file_change');
      expect(changes).toEqual([expect.objectContaining({ item: expect.objectContaining({ status: 'completed' }) })]);
      expect(await readFile(join(workdir, 'patched.txt'), 'utf8')).toBe('written by apply_patch\n');
      expect(run.text).toBe('done');
      expect(bench.calls().map((c) => c.status)).toEqual([200, 200, 200]);
    },
  );
});
