/**
 * The real Claude Code CLI (unmodified, offline) through the gateway to each kind of upstream:
 * Anthropic (its body passed through, betas and `?beta=true` forwarded, thinking signatures back
 * byte for byte), OpenAI and Gemini (aliases map the model Claude Code asks for onto the upstream's;
 * `max_tokens: 128000` fitted to the model's limit). Each with its default betas and with
 * CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS=1: a turn, and a tool round trip (Read). Request counts
 * at the mocks are exact: Claude Code silently retries a refused request with one beta fewer.
 * Also: an overloaded upstream seen as Anthropic's 529 (retries, then --fallback-model), and
 * --model naming a gateway alias.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { exchangeRecorder, type RecordedAttempt } from '../support/exchange-recorder.js';
import { runClaudeCode, type ClaudeCodeResult } from '../support/clients/claude-code.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const TEST_MS = CLIENT_HUNG_MS + 30_000;
const CALLER_KEY = 'sk-caller-claude-code';
const ANT_KEY = 'sk-ant-upstream-0123456789';
const OAI_KEY = 'sk-oai-upstream-0123456789';
const GEM_KEY = 'AIza-upstream-gem-0123456789';
/** The models Claude Code 2.1.337 asks for: its default, and the ones its settings name. */
const CLAUDE_MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];
const NO_BETAS = { CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: '1' };
const DEFAULT_BETAS =
  'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,per-turn-control-2026-07-01,mid-conversation-tool-changes-2026-07-01,thinking-token-count-2026-05-13,advanced-tool-use-2025-11-20,effort-2025-11-24,thinking-display-updates-2026-08-18';
const FEW_BETAS = 'claude-code-20250219,interleaved-thinking-2025-05-14,effort-2025-11-24';

let anthropic: MockAnthropic;
let openai: MockOpenAI;
let gemini: MockGemini;
let proxy: DenyProxy;
const gateways: Record<string, { gw: RunningGateway; attempts: RecordedAttempt[] }> = {};

async function gatewayFor(name: string, config: Record<string, unknown>): Promise<void> {
  const recorder = exchangeRecorder();
  const gw = await startGateway(
    { ...config, plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } } },
    { plugins: [recorder.plugin] },
  );
  gateways[name] = { gw, attempts: recorder.attempts };
}

beforeAll(async () => {
  anthropic = await startMockAnthropic({ apiKey: ANT_KEY, name: 'anthropic' });
  openai = await startMockOpenAI({ apiKey: OAI_KEY, name: 'openai' });
  gemini = await startMockGemini({ apiKey: GEM_KEY, name: 'gemini' });
  proxy = await startDenyProxy();
  await gatewayFor('anthropic', {
    providers: [
      { name: 'anthropic', type: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: ANT_KEY, models: CLAUDE_MODELS },
    ],
  });
  // An Anthropic-compatible upstream that takes none of Claude Code's experimental betas.
  await gatewayFor('anthropic-strict', {
    providers: [
      {
        name: 'strict',
        type: 'anthropic',
        baseUrl: anthropic.baseUrl,
        apiKey: ANT_KEY,
        models: CLAUDE_MODELS,
        acceptedBetas: ['claude-code-*', 'interleaved-thinking-*', 'effort-*'],
      },
    ],
  });
  await gatewayFor('openai', {
    providers: [{ name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: OAI_KEY, models: ['gpt-4o-mini'] }],
    models: CLAUDE_MODELS.map((name) => ({ name, targets: ['openai/gpt-4o-mini'] })),
  });
  await gatewayFor('openai-reasoning', {
    providers: [{ name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: OAI_KEY, models: ['gpt-5'] }],
    models: CLAUDE_MODELS.map((name) => ({ name, targets: ['openai/gpt-5'] })),
  });
  // Names of the gateway's own that Claude Code is started with (--model).
  await gatewayFor('aliases', {
    providers: [
      { name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: OAI_KEY, models: ['gpt-4o-mini'] },
      { name: 'anthropic', type: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: ANT_KEY, models: CLAUDE_MODELS },
    ],
    models: [
      { name: 'team-fast', targets: ['openai/gpt-4o-mini'] },
      { name: 'team-claude', targets: ['anthropic/claude-sonnet-4-5'] },
    ],
  });
  await gatewayFor('gemini', {
    providers: [
      { name: 'gemini', type: 'gemini', baseUrl: gemini.origin, apiKey: GEM_KEY, models: ['gemini-2.5-flash'] },
    ],
    models: CLAUDE_MODELS.map((name) => ({ name, targets: ['gemini/gemini-2.5-flash'] })),
  });
});

afterEach(() => {
  anthropic.reset();
  openai.reset();
  gemini.reset();
  proxy.attempts.length = 0;
  for (const { attempts } of Object.values(gateways)) attempts.length = 0;
});

afterAll(async () => {
  for (const { gw } of Object.values(gateways)) await gw.close();
  await Promise.all([anthropic.close(), openai.close(), gemini.close(), proxy.close()]);
});

function expectOffline(run: ClaudeCodeResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
}

function expectSuccess(run: ClaudeCodeResult): void {
  expectOffline(run);
  expect(run.exitCode, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
  expect(run.result).toMatchObject({ type: 'result', subtype: 'success', is_error: false });
}

/** What each upstream received for model calls, with the status it answered. */
const upstreamCalls = {
  anthropic: () => anthropic.requests.filter((r) => r.path.startsWith('/v1/messages')),
  openai: () => openai.requests.filter((r) => r.path.startsWith('/v1/chat/completions')),
  gemini: () => gemini.requests.filter((r) => /:(stream)?[gG]enerateContent/.test(r.path)),
};

/** Answers the Read tool's result with its text, else asks for Read on `file`; per upstream's wire format. */
function scriptRead(upstream: keyof typeof upstreamCalls, file: string): void {
  if (upstream === 'anthropic') {
    anthropic.setAnswerer((body) => {
      const turn = [...body.messages].reverse().find((m: any) => m.role !== 'system');
      const result = Array.isArray(turn.content) ? turn.content.find((b: any) => b.type === 'tool_result') : undefined;
      if (result)
        return {
          text: `tool said: ${typeof result.content === 'string' ? result.content : JSON.stringify(result.content)}`,
        };
      return { toolCalls: [{ name: 'Read', input: { file_path: file } }] };
    });
  } else if (upstream === 'openai') {
    openai.setAnswerer((body) => {
      const result = body.messages.findLast((m: any) => m.role === 'tool');
      if (result)
        return {
          text: `tool said: ${typeof result.content === 'string' ? result.content : JSON.stringify(result.content)}`,
        };
      return { toolCalls: [{ name: 'Read', arguments: { file_path: file } }] };
    });
  } else {
    // After the function response, the mock's own answer quotes it: `gemini: Read={"result":"…"}`.
    gemini.setAnswerer((body) =>
      body.contents.at(-1).parts.some((p: any) => p.functionResponse)
        ? undefined
        : { functionCalls: [{ name: 'Read', args: { file_path: file } }] },
    );
  }
}

const run = (upstream: string, prompt: string, env: Record<string, string>, cwd?: string): Promise<ClaudeCodeResult> =>
  runClaudeCode({
    baseUrl: gateways[upstream]!.gw.url,
    apiKey: CALLER_KEY,
    prompt,
    cwd,
    extraEnv: { ...proxy.env(), ...env },
    timeoutMs: CLIENT_HUNG_MS,
  });

describe.each([
  ['its default betas', {}, DEFAULT_BETAS],
  ['CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS=1', NO_BETAS, FEW_BETAS],
])('Claude Code with %s', (_label, env, betas) => {
  describe('through the gateway to an Anthropic upstream', () => {
    it(
      'completes a turn: the body passes through untouched, betas and ?beta=true forwarded',
      { timeout: TEST_MS },
      async () => {
        const result = await run('anthropic', 'Say hello', env);
        expectSuccess(result);
        expect(result.text).toMatch(/^anthropic: [^]*Say hello/);
        const calls = upstreamCalls.anthropic();
        expect(calls.map((c) => [c.path, c.status])).toEqual([['/v1/messages?beta=true', 200]]);
        expect(calls[0]!.headers['anthropic-beta']).toBe(betas);
        expect(calls[0]!.headers['x-api-key']).toBe(ANT_KEY);
        const [attempt] = gateways.anthropic!.attempts;
        expect(calls[0]!.rawBody).toBe(JSON.stringify(attempt!.body));
        expect(attempt!.warnings).toEqual([]);
        expect(attempt!.body.messages).toContainEqual(expect.objectContaining({ role: 'system' }));
      },
    );

    it(
      'makes a tool round trip: the thinking block goes back with its signature, accepted by the upstream',
      { timeout: TEST_MS },
      async () => {
        const cwd = await mkdtemp(join(tmpdir(), 'sy-ccgw-'));
        try {
          const file = join(cwd, 'note.txt');
          await writeFile(file, 'the secret word is switchyard\n');
          scriptRead('anthropic', file);
          const result = await run('anthropic', 'Read note.txt', env, cwd);
          expectSuccess(result);
          expect(result.toolCalls).toEqual([
            expect.objectContaining({ name: 'Read', input: { file_path: file }, isError: false }),
          ]);
          expect(result.text).toContain('the secret word is switchyard');
          const calls = upstreamCalls.anthropic();
          expect(calls.map((c) => c.status)).toEqual([200, 200]);
          const assistant = calls[1]!.body.messages.find((m: any) => m.role === 'assistant');
          expect(assistant.content.map((b: any) => b.type)).toEqual(['thinking', 'tool_use']);
          expect(calls[1]!.rawBody).toBe(JSON.stringify(gateways.anthropic!.attempts[1]!.body));
        } finally {
          await rm(cwd, { recursive: true, force: true });
        }
      },
    );
  });

  describe.each([
    ['an OpenAI upstream (alias to gpt-4o-mini)', 'openai' as const],
    ['a Gemini upstream (alias to gemini-2.5-flash)', 'gemini' as const],
  ])('through the gateway to %s', (_name, upstream) => {
    it('completes a turn, max_tokens fitted to the model', { timeout: TEST_MS }, async () => {
      const result = await run(upstream, 'Say hello', env);
      expectSuccess(result);
      expect(result.text).toMatch(new RegExp(`^${upstream}: [^]*Say hello`));
      const calls = upstreamCalls[upstream]();
      expect(calls.map((c) => c.status)).toEqual([200]);
      const [attempt] = gateways[upstream]!.attempts;
      expect(attempt!.body.max_tokens).toBe(128000);
      if (upstream === 'openai') {
        expect(calls[0]!.body.max_tokens).toBe(16384);
        // The system entry stays where Claude Code put it: after the first user turn.
        expect(calls[0]!.body.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'system']);
      } else {
        expect(calls[0]!.body.generationConfig.maxOutputTokens).toBe(65536);
      }
      expect(attempt!.warnings).toContain(
        `max_tokens 128000 lowered to ${upstream === 'openai' ? 16384 : 65536}, the most the target model allows`,
      );
    });

    it('makes a tool round trip with the Read tool', { timeout: TEST_MS }, async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'sy-ccgw-'));
      try {
        const file = join(cwd, 'note.txt');
        await writeFile(file, 'the secret word is switchyard\n');
        scriptRead(upstream, file);
        const result = await run(upstream, 'Read note.txt', env, cwd);
        expectSuccess(result);
        expect(result.toolCalls).toEqual([
          expect.objectContaining({ name: 'Read', input: { file_path: file }, isError: false }),
        ]);
        expect(result.toolCalls[0]!.result).toContain('the secret word is switchyard');
        expect(result.text).toContain('the secret word is switchyard');
        expect(upstreamCalls[upstream]().map((c) => c.status)).toEqual([200, 200]);
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    });
  });
});

describe('Claude Code through the gateway to an Anthropic upstream that takes fewer betas', () => {
  it(
    'completes a turn and a tool round trip in one request each: the betas it does not take go with their fields',
    { timeout: TEST_MS },
    async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'sy-ccgw-'));
      try {
        const file = join(cwd, 'note.txt');
        await writeFile(file, 'the secret word is switchyard\n');
        scriptRead('anthropic', file);
        const result = await run('anthropic-strict', 'Read note.txt', {}, cwd);
        expectSuccess(result);
        expect(result.text).toContain('the secret word is switchyard');
        const calls = upstreamCalls.anthropic();
        expect(calls.map((c) => c.status)).toEqual([200, 200]);
        for (const call of calls) {
          expect(call.headers['anthropic-beta']).toBe(FEW_BETAS);
          expect(call.body.context_management).toBeUndefined();
          expect(call.body.messages.filter((m: any) => m.role === 'system' && m.output_config)).toEqual([]);
        }
        const [attempt] = gateways['anthropic-strict']!.attempts;
        expect(attempt!.body.context_management).toBeDefined();
        expect(attempt!.warnings).toContain(
          'anthropic-beta context-management-2025-06-27 dropped (strict does not take it)',
        );
        expect(attempt!.warnings).toContain(
          'context_management dropped with anthropic-beta context-management-2025-06-27',
        );
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    },
  );
});

describe('Claude Code through the gateway to an OpenAI reasoning model (alias to gpt-5)', () => {
  it(
    'completes a turn: the fields gpt-5 refuses are fitted (the strict mock refuses them as OpenAI does)',
    { timeout: TEST_MS },
    async () => {
      const result = await run('openai-reasoning', 'Say hello', {});
      expectSuccess(result);
      expect(result.text).toMatch(/^openai: [^]*Say hello/);
      const calls = upstreamCalls.openai();
      expect(calls.map((c) => c.status)).toEqual([200]);
      const sent = calls[0]!.body;
      expect(sent).not.toHaveProperty('max_tokens');
      expect(sent.max_completion_tokens).toBe(128000);
      for (const [field, fixed] of [
        ['temperature', 1],
        ['top_p', 1],
      ] as const)
        if (sent[field] !== undefined) expect(sent[field]).toBe(fixed);
    },
  );
});

describe('Claude Code through the gateway to an overloaded Anthropic upstream', () => {
  const overloadedStatus = {
    kind: 'status' as const,
    status: 529,
    body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  };
  const overloadedEvent = { kind: 'streamError' as const, afterEvents: 0, type: 'overloaded_error' };
  it.each([
    ['a 529', overloadedStatus, 529],
    ['a stream whose first event is an overloaded_error', overloadedEvent, 200],
  ])(
    'sees the 529 overloaded_error it knows for %s: retries the model, then switches to its --fallback-model as it would directly',
    { timeout: TEST_MS },
    async (_label, fault, upstreamStatus) => {
      anthropic.queueFault(fault, fault, fault);
      const result = await runClaudeCode({
        baseUrl: gateways.anthropic!.gw.url,
        apiKey: CALLER_KEY,
        prompt: 'Say hello',
        args: ['--fallback-model', 'claude-haiku-4-5'],
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectSuccess(result);
      expect(upstreamCalls.anthropic().map((c) => `${c.body.model} ${c.status}`)).toEqual([
        `claude-opus-5-5 ${upstreamStatus}`,
        `claude-opus-5-5 ${upstreamStatus}`,
        `claude-opus-5-5 ${upstreamStatus}`,
        'claude-haiku-4-5 200',
      ]);
      const system = result.events.filter((e) => e.type === 'system');
      expect(system.filter((e) => e.subtype === 'api_retry').map((e) => [e.error_status, e.error])).toEqual([
        [529, 'overloaded'],
        [529, 'overloaded'],
      ]);
      expect(system.find((e) => e.subtype === 'model_fallback')).toMatchObject({
        trigger: 'overloaded',
        original_model: 'claude-opus-5-5',
        fallback_model: 'claude-haiku-4-5',
      });
    },
  );
});

describe('Claude Code started with --model naming a gateway alias', () => {
  it.each([
    ['team-claude', 'anthropic' as const, 'claude-sonnet-4-5'],
    ['team-fast', 'openai' as const, 'gpt-4o-mini'],
  ])('%s: the turn reaches %s as %s', { timeout: TEST_MS }, async (alias, upstream, model) => {
    const result = await runClaudeCode({
      baseUrl: gateways.aliases!.gw.url,
      apiKey: CALLER_KEY,
      prompt: 'Say hello',
      model: alias,
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });
    expectSuccess(result);
    expect(result.text).toMatch(new RegExp(`^${upstream}: [^]*Say hello`));
    const calls = upstreamCalls[upstream]();
    expect(calls.map((c) => [c.body.model, c.status])).toEqual([[model, 200]]);
    const [attempt] = gateways.aliases!.attempts;
    expect(attempt!.body.model).toBe(alias);
    if (upstream === 'anthropic') {
      // Only the model name changes on the way: betas and thinking go through as Claude Code sent them.
      expect(calls[0]!.headers['anthropic-beta']).toContain('claude-code-20250219');
      expect(calls[0]!.body.thinking).toEqual(attempt!.body.thinking);
      expect({ ...calls[0]!.body, model: alias }).toEqual(attempt!.body);
    }
  });
});
