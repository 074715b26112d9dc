/**
 * The real Codex CLI (`codex exec`) against the strict mock OpenAI Responses API, directly (no
 * gateway): proof that the mock accepts what Codex sends and Codex accepts what the mock answers,
 * offline.
 */
import { describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { runCodex, type CodexResult } from '../support/clients/codex.js';
import { useMockAndDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { checkFixture } from '../support/clients/fixtures.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const KEY = 'sk-test-codex';
let mock: MockOpenAI;
let proxy: DenyProxy;
useMockAndDenyProxy(
  () => startMockOpenAI({ apiKey: KEY, name: 'openai' }),
  (m, p) => {
    mock = m;
    proxy = p;
  },
);

function expectOffline(run: CodexResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(run.stderr).not.toMatch(/ERROR|Reconnecting|ECONNREFUSED|error sending request|dns error/i);
}

const responseCalls = (): typeof mock.requests => mock.requests.filter((r) => r.path === '/v1/responses');

describe('Codex CLI against the mock OpenAI Responses API', () => {
  it('completes a turn', async () => {
    const run = await runCodex({
      baseUrl: mock.baseUrl,
      apiKey: KEY,
      prompt: 'Say hello',
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });
    expectOffline(run);
    expect(run.exitCode, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
    expect(run.text).toBe('openai: Say hello');
    expect(run.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    const calls = responseCalls();
    expect(calls.map((c) => c.status)).toEqual([200]);
    expect(calls[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(calls[0]!.body).toMatchObject({
      model: 'gpt-5.5',
      stream: true,
      store: false,
      include: ['reasoning.encrypted_content'],
    });
    expect(checkFixture('codex.turn', calls)).toEqual([]);
  });

  it('makes a shell tool round trip: runs echo, sends back reasoning, the call and its output', async () => {
    mock.setAnswerer((body) => {
      if (body.input.at(-1)?.type === 'function_call_output') return undefined; // the default answer quotes the output
      return { toolCalls: [{ name: 'exec_command', arguments: { cmd: 'echo switchyard-shell-ok' } }] };
    });
    const run = await runCodex({
      baseUrl: mock.baseUrl,
      apiKey: KEY,
      prompt: 'Run echo',
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });
    expectOffline(run);
    expect(run.exitCode, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
    expect(run.commands).toEqual([
      expect.objectContaining({ output: 'switchyard-shell-ok\n', exitCode: 0, status: 'completed' }),
    ]);
    expect(run.commands[0]!.command).toContain('echo switchyard-shell-ok');
    expect(run.text).toContain('switchyard-shell-ok');
    const calls = responseCalls();
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    // The follow-up carries the reasoning item (encrypted_content verified by the mock), the call and its output.
    expect(calls[1]!.body.input.slice(-3).map((i: any) => i.type)).toEqual([
      'reasoning',
      'function_call',
      'function_call_output',
    ]);
    expect(checkFixture('codex.shell-tool', calls)).toEqual([]);
  });
});
