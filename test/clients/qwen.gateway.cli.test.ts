/**
 * Qwen Code's real CLI (`qwen`, headless one-shot, `--output-format json`, unmodified, offline)
 * THROUGH the gateway, on each of its API protocols — `--auth-type openai` (Chat Completions),
 * `openai-responses` (Responses) and `anthropic` (Messages), base URL, key and model from
 * OPENAI_* / ANTHROPIC_* — to each kind of upstream.
 *
 * For each: a turn (exit 0, the mock's answer as qwen's result, the upstream call's path and
 * status), and a round trip through qwen's `run_shell_command` tool (auto-approved: yolo) whose
 * follow-up carries the command's output in the upstream's terms, qwen's result the mock's second
 * answer. Where qwen's wire is the upstream's own, qwen is also run straight against the mock, and
 * the bodies that reached it through the gateway must keep every field qwen sends. A wrong gateway
 * key ends qwen with an error naming the 401. The deny proxy saw nothing on any run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bodyShape } from '../support/clients/body-shape.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { runQwen, type QwenAuthType, type QwenResult, type QwenRun } from '../support/clients/qwen.js';
import {
  callPath,
  CLIENT_KEY,
  startBench,
  UPSTREAM_KEY,
  UPSTREAM_KINDS,
  type Bench,
  type Call,
  type UpstreamKind,
} from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';
import { expectToolResultSent, scriptToolCall, type ScriptedCall } from '../support/clients/tool-round-trip.js';

type ClientWire = 'chat' | 'responses' | 'messages';

interface ClientSetup {
  wire: ClientWire;
  authType: QwenAuthType;
  model: string;
}

const CLIENTS: readonly ClientSetup[] = [
  { wire: 'chat', authType: 'openai', model: 'qwen3-coder-plus' },
  { wire: 'responses', authType: 'openai-responses', model: 'gpt-5.5' },
  { wire: 'messages', authType: 'anthropic', model: 'claude-sonnet-4-5' },
];

/** The upstream kind that speaks each of qwen's wires itself. */
const NATIVE: Record<ClientWire, UpstreamKind> = { chat: 'chat', responses: 'openai', messages: 'anthropic' };

const TEST_MS = 2 * CLIENT_HUNG_MS + 60_000;
const PROMPT = 'Say hello';
const SHELL: ScriptedCall = {
  name: 'run_shell_command',
  args: { command: 'echo switchyard-qwen-ok' },
  output: 'switchyard-qwen-ok',
  final: 'switchyard-qwen-done',
};

/** The wire the gateway speaks to this bench's upstream: only Responses callers reach the OpenAI upstream's /v1/responses. */
function upstreamWire(kind: UpstreamKind, wire: ClientWire): UpstreamKind {
  if (kind !== 'openai') return kind;
  return wire === 'responses' ? 'openai' : 'chat';
}

let proxy: DenyProxy;
beforeAll(async () => void (proxy = await startDenyProxy()));
afterAll(() => proxy.close());

function expectSuccess(run: QwenResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(run.exitCode, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
  expect(run.result?.is_error).toBe(false);
}

describe.each(UPSTREAM_KINDS)('qwen through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(
    async () =>
      void (bench = await startBench(
        kind,
        CLIENTS.map((c) => c.model),
      )),
  );
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  const gatewayUrl = (client: ClientSetup): string => (client.wire === 'messages' ? bench.gateway.url : bench.baseUrl);

  /**
   * Runs qwen straight against the upstream (only where its wire is the upstream's), then through
   * the gateway, with one HOME and cwd (qwen's system prompt names both); returns both runs' calls.
   */
  async function runBoth(client: ClientSetup): Promise<{ run: QwenResult; calls: Call[]; direct?: Call[] }> {
    const home = await mkdtemp(join(tmpdir(), 'sy-qwen-gw-home-'));
    const cwd = await mkdtemp(join(tmpdir(), 'sy-qwen-gw-cwd-'));
    try {
      const common: Omit<QwenRun, 'baseUrl' | 'apiKey' | 'model'> = {
        authType: client.authType,
        prompt: PROMPT,
        home,
        cwd,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      };
      let direct: Call[] | undefined;
      if (NATIVE[client.wire] === kind) {
        const upstream = client.wire === 'messages' ? bench.anthropic.origin : bench.openai.baseUrl;
        const alone = await runQwen({ ...common, model: client.model, baseUrl: upstream, apiKey: UPSTREAM_KEY });
        expectSuccess(alone);
        direct = bench.calls();
      }
      const before = bench.calls().length;
      const run = await runQwen({ ...common, model: client.model, baseUrl: gatewayUrl(client), apiKey: CLIENT_KEY });
      return { run, calls: bench.calls().slice(before), direct };
    } finally {
      await rm(home, { recursive: true, force: true });
      await rm(cwd, { recursive: true, force: true });
    }
  }

  it.each(CLIENTS)(
    '$authType: a turn',
    async (client) => {
      const run = await runQwen({
        authType: client.authType,
        model: client.model,
        baseUrl: gatewayUrl(client),
        apiKey: CLIENT_KEY,
        prompt: PROMPT,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectSuccess(run);
      expect(run.text).toMatch(new RegExp(`^${kind}: [\\s\\S]*${PROMPT}$`));
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      expect(calls[0]!.path).toMatch(callPath(upstreamWire(kind, client.wire), true));
    },
    TEST_MS,
  );

  it.each(CLIENTS)(
    '$authType: a run_shell_command round trip',
    async (client) => {
      scriptToolCall(bench, SHELL);
      const { run, calls, direct } = await runBoth(client);
      expectSuccess(run);
      expect(run.text).toBe(SHELL.final);
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      for (const call of calls) expect(call.path).toMatch(callPath(upstreamWire(kind, client.wire), true));
      expectToolResultSent(upstreamWire(kind, client.wire), calls[1]!.body, SHELL);
      if (direct) {
        // Every field qwen sends reached the upstream (the model is the alias's); a session id qwen makes anew each run compared by type.
        const shape = (call: Call) => bodyShape(call.body, { omit: ['model'], byType: ['prompt_cache_key'] });
        expect(calls.map(shape)).toEqual(direct.map(shape));
      }
    },
    TEST_MS,
  );
});

describe('qwen with a wrong gateway key', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', ['qwen3-coder-plus'])));
  afterAll(() => bench.close());

  it(
    'ends with an error naming the 401; the upstream is never called',
    async () => {
      const run = await runQwen({
        authType: 'openai',
        model: 'qwen3-coder-plus',
        baseUrl: bench.baseUrl,
        apiKey: 'sk-test-wrong-key',
        prompt: PROMPT,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expect(run.timedOut).toBe(false);
      expect(run.exitCode).not.toBe(0);
      expect(`${run.stdout}\n${run.stderr}`).toContain('401');
      expect(bench.calls()).toEqual([]);
      expect(proxy.attempts).toEqual([]);
    },
    TEST_MS,
  );
});

/** An upstream's 400 in its own shape, per kind. */
const REFUSALS = {
  chat: { error: { message: 'switchyard-test-refusal', type: 'invalid_request_error', param: null, code: null } },
  anthropic: { type: 'error', error: { type: 'invalid_request_error', message: 'switchyard-test-refusal' } },
  gemini: { error: { code: 400, message: 'switchyard-test-refusal', status: 'INVALID_ARGUMENT' } },
} as const;

describe.each<[keyof typeof REFUSALS, ClientSetup]>([
  ['chat', CLIENTS[0]!],
  ['anthropic', CLIENTS[2]!],
  ['gemini', CLIENTS[1]!],
])('qwen through the gateway to %s when the upstream refuses', (kind, client) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [client.model])));
  afterAll(() => bench.close());

  it(
    `${client.authType}: ends at once with the upstream's 400 and its message`,
    async () => {
      const fault = { kind: 'status' as const, status: 400, body: REFUSALS[kind] };
      if (kind === 'anthropic') bench.anthropic.queueFault(fault);
      else if (kind === 'gemini') bench.gemini.queueFault(fault);
      else bench.openai.queueFault(fault);
      const run = await runQwen({
        authType: client.authType,
        model: client.model,
        baseUrl: client.wire === 'messages' ? bench.gateway.url : bench.baseUrl,
        apiKey: CLIENT_KEY,
        prompt: PROMPT,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expect(run.timedOut).toBe(false);
      expect(run.exitCode).toBe(1);
      expect(run.result).toMatchObject({ is_error: true });
      expect(run.result?.error?.message).toContain('400');
      expect(run.result?.error?.message).toContain('switchyard-test-refusal');
      expect(bench.calls().map((c) => c.status)).toEqual([400]);
      expect(proxy.attempts).toEqual([]);
    },
    TEST_MS,
  );
});

describe('the deny proxy around qwen', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', ['qwen3-coder-plus'])));
  afterAll(() => bench.close());
  afterEach(() => void (proxy.attempts.length = 0));

  it(
    'sees what qwen sends out once its usage statistics are left on (so the silence above is real)',
    async () => {
      const run = await runQwen({
        authType: 'openai',
        model: 'qwen3-coder-plus',
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        prompt: PROMPT,
        extraEnv: { ...proxy.env(), QWEN_USAGE_STATISTICS_ENABLED: '1' },
        timeoutMs: CLIENT_HUNG_MS,
      });
      expect(run.exitCode).toBe(0);
      expect(proxy.attempts.length).toBeGreaterThan(0);
      expect(proxy.attempts.every((a) => a.kind === 'connect' && /\.rum\.aliyuncs\.com:443$/.test(a.target))).toBe(
        true,
      );
    },
    TEST_MS,
  );
});
