/**
 * The real Claude Code CLI against the strict mock Anthropic API, directly (no gateway): proof that
 * the mock accepts what Claude Code sends and Claude Code accepts what the mock answers, offline.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { runClaudeCode, type ClaudeCodeResult } from '../support/clients/claude-code.js';
import { useMockAndDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { checkFixture } from '../support/clients/fixtures.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const KEY = 'sk-ant-test-claude-code';
let mock: MockAnthropic;
let proxy: DenyProxy;
useMockAndDenyProxy(
  () => startMockAnthropic({ apiKey: KEY, name: 'anthropic' }),
  (m, p) => {
    mock = m;
    proxy = p;
  },
);

/** The last turn that is not a system entry. */
function lastTurn(body: any): any {
  return [...body.messages].reverse().find((m: any) => m.role !== 'system');
}

/** Calls `tool` with `input` once, then answers with what the tool returned. */
function answerWithTool(tool: string, input: Record<string, unknown>): void {
  mock.setAnswerer((body) => {
    const turn = lastTurn(body);
    const result = Array.isArray(turn.content) ? turn.content.find((b: any) => b.type === 'tool_result') : undefined;
    if (result)
      return {
        text: `tool said: ${typeof result.content === 'string' ? result.content : JSON.stringify(result.content)}`,
      };
    return body.tools?.some((t: any) => t.name === tool) ? { toolCalls: [{ name: tool, input }] } : undefined;
  });
}

function expectOffline(run: ClaudeCodeResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(run.stderr).not.toMatch(/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed|network error/i);
}

const messageCalls = (): typeof mock.requests => mock.requests.filter((r) => r.path.startsWith('/v1/messages'));

describe.each([
  ['with its default betas', '', {}],
  [
    'with CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS=1',
    '.no-experimental-betas',
    { CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: '1' },
  ],
])('Claude Code against the mock Anthropic API %s', (_label, fixture, switches) => {
  it('completes a turn', async () => {
    const run = await runClaudeCode({
      baseUrl: mock.baseUrl,
      apiKey: KEY,
      prompt: 'Say hello',
      extraEnv: { ...proxy.env(), ...switches },
      timeoutMs: CLIENT_HUNG_MS,
    });
    expectOffline(run);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ type: 'result', subtype: 'success', is_error: false });
    expect(run.text).toMatch(/^anthropic: /);
    expect(run.text).toContain('Say hello');
    // One request, taken at once: Claude Code retries a refused request with fewer betas, which must not be needed.
    const calls = messageCalls();
    expect(calls.map((c) => c.status)).toEqual([200]);
    expect(calls[0]!.path).toBe('/v1/messages?beta=true');
    expect(calls[0]!.headers['x-api-key']).toBe(KEY);
    expect(calls[0]!.body.stream).toBe(true);
    expect(checkFixture(`claude-code.turn${fixture}`, calls)).toEqual([]);
  });

  it('makes a tool round trip: reads a file with the Read tool', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sy-cc-read-'));
    try {
      const file = join(cwd, 'note.txt');
      await writeFile(file, 'the secret word is switchyard\n');
      answerWithTool('Read', { file_path: file });
      const run = await runClaudeCode({
        baseUrl: mock.baseUrl,
        apiKey: KEY,
        prompt: 'Read note.txt',
        cwd,
        extraEnv: { ...proxy.env(), ...switches },
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectOffline(run);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.toolCalls).toHaveLength(1);
      expect(run.toolCalls[0]).toMatchObject({ name: 'Read', input: { file_path: file }, isError: false });
      expect(run.toolCalls[0]!.result).toContain('the secret word is switchyard');
      expect(run.text).toContain('the secret word is switchyard');
      expect(messageCalls().map((c) => c.status)).toEqual([200, 200]);
      // The second request carries the first answer back: thinking block (signature verified by the mock), tool_use, tool_result.
      const second = messageCalls().at(-1)!.body;
      const assistant = [...second.messages].reverse().find((m: any) => m.role === 'assistant');
      expect(assistant.content.map((b: any) => b.type)).toEqual(['thinking', 'tool_use']);
      expect(checkFixture(`claude-code.read-tool${fixture}`, messageCalls())).toEqual([]);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('makes a tool round trip: runs echo with the Bash tool, permission granted by --allowedTools', async () => {
    answerWithTool('Bash', { command: 'echo switchyard-bash-ok', description: 'Print a word' });
    const run = await runClaudeCode({
      baseUrl: mock.baseUrl,
      apiKey: KEY,
      prompt: 'Run echo',
      allowedTools: ['Bash(echo:*)'],
      extraEnv: { ...proxy.env(), ...switches },
      timeoutMs: CLIENT_HUNG_MS,
    });
    expectOffline(run);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.toolCalls).toEqual([expect.objectContaining({ name: 'Bash', isError: false })]);
    expect(run.toolCalls[0]!.result).toContain('switchyard-bash-ok');
    expect(run.text).toContain('switchyard-bash-ok');
    expect(messageCalls().map((c) => c.status)).toEqual([200, 200]);
    expect(checkFixture(`claude-code.bash-tool${fixture}`, messageCalls())).toEqual([]);
  });
});

describe('Claude Code gateway model discovery', () => {
  it('lists models with GET /v1/models?limit=1000 when CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1', async () => {
    const run = await runClaudeCode({
      baseUrl: mock.baseUrl,
      apiKey: KEY,
      prompt: 'Say hello',
      extraEnv: { ...proxy.env(), CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' },
      timeoutMs: CLIENT_HUNG_MS,
    });
    expectOffline(run);
    expect(run.exitCode, run.stderr).toBe(0);
    const listing = mock.requests.filter((r) => r.method === 'GET');
    expect(listing.map((r) => [r.path, r.status])).toEqual([['/v1/models?limit=1000', 200]]);
    expect(checkFixture('claude-code.model-discovery', listing)).toEqual([]);
  });
});
