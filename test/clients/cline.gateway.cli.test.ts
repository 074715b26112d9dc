/**
 * The real Cline CLI (`cline --json`, unmodified, headless and offline) THROUGH the gateway to each
 * kind of upstream, with each of Cline's providers that reach it: `openai-compatible` (Chat
 * Completions), `openai-native` (the Responses API) and `anthropic` (Messages, its base URL set to
 * the gateway). For each pair: a plain task, and a round trip through Cline's `run_commands` tool
 * (auto-approved) whose follow-up carries the call and its output in the upstream's own terms.
 * Cline uses native tool calls on all three providers (no XML tool text in messages). Where Cline's
 * wire is the upstream's own, Cline is also run straight against the mock, and what reached the
 * mock through the gateway must have the same shape. Cline's web search is on (its default): it
 * reaches the upstreams that run it (Anthropic's server tool on Anthropic, OpenAI's hosted tool on
 * the Responses pass-through) and is left out, with a warning, for the others. Errors (a wrong gateway key, an upstream 400) end Cline's run with exit 1 and
 * the gateway's message. Every run: the deny proxy saw no attempt and no hub daemon was started;
 * last, the offline switches are shown to matter (without them the deny proxy catches Cline).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bodyShape, type BodyShapeOptions } from '../support/clients/body-shape.js';
import {
  CLINE_PROVIDERS,
  runCline,
  type ClineProvider,
  type ClineResult,
  type ClineRun,
} from '../support/clients/cline.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
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

/** The model Cline names with each provider; the gateway aliases it to each upstream's model. */
const MODELS: Record<ClineProvider, string> = {
  'openai-compatible': 'gpt-5.5',
  'openai-native': 'gpt-5.5',
  anthropic: 'claude-sonnet-4-5',
};
/** The upstream kind that speaks each provider's wire itself. */
const NATIVE: Record<ClineProvider, UpstreamKind> = {
  'openai-compatible': 'chat',
  'openai-native': 'openai',
  anthropic: 'anthropic',
};
const TEST_MS = 2 * CLIENT_HUNG_MS + 60_000;
const COMMAND = 'echo switchyard-cline-ok';
const OUTPUT = 'switchyard-cline-ok\n';

let proxy: DenyProxy;
beforeAll(async () => void (proxy = await startDenyProxy()));
afterAll(() => proxy.close());

/** Nothing left loopback, and the session ran in Cline's own process. */
function expectOfflineAndAlone(run: ClineResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(run.hubStarted).toBe(false);
}

function expectSuccess(run: ClineResult): void {
  expectOfflineAndAlone(run);
  expect(run.exitCode, `${run.stderr.slice(-2000)}\n${run.stdout.slice(-2000)}`).toBe(0);
  expect(run.errors).toEqual([]);
  expect(run.finishReason).toBe('completed');
}

/**
 * Where Cline's web search reaches the upstream (its anthropic and openai-native providers offer
 * one): Anthropic's server tool on Anthropic, OpenAI's hosted tool on OpenAI's Responses API,
 * whichever the caller's protocol. Gemini searches only without functions, and Cline offers some;
 * a Chat-only server has no search for the models Cline asks for.
 */
const webSearchRuns = (kind: UpstreamKind, provider: ClineProvider): boolean =>
  provider !== 'openai-compatible' && (kind === 'anthropic' || kind === 'openai');

/**
 * The wire the gateway speaks to this kind of upstream for a provider: Responses callers pass
 * through to the OpenAI upstream's /v1/responses, and an Anthropic caller's web search goes there
 * too; Chat callers go to /v1/chat/completions.
 */
function upstreamWire(kind: UpstreamKind, provider: ClineProvider): UpstreamKind {
  return kind === 'openai' && provider === 'openai-compatible' ? 'chat' : kind;
}

const text = (content: unknown): string => (typeof content === 'string' ? content : JSON.stringify(content));

/** Makes the upstream call Cline's run_commands tool first, then answer quoting the output once it is back. */
function scriptRunCommands(bench: Bench): void {
  bench.openai.setAnswerer((body) => {
    const output = Array.isArray(body.input)
      ? body.input.findLast((i: { type: string }) => i.type === 'function_call_output')?.output
      : body.messages.findLast((m: { role: string }) => m.role === 'tool')?.content;
    return output === undefined
      ? { toolCalls: [{ name: 'run_commands', arguments: { commands: [COMMAND] } }] }
      : { text: `tool said: ${text(output)}` };
  });
  bench.anthropic.setAnswerer((body) => {
    const last = body.messages.at(-1);
    const result = Array.isArray(last.content)
      ? last.content.find((b: { type: string }) => b.type === 'tool_result')
      : undefined;
    return result === undefined
      ? { toolCalls: [{ name: 'run_commands', input: { commands: [COMMAND] } }] }
      : { text: `tool said: ${text(result.content)}` };
  });
  bench.gemini.setAnswerer((body) => {
    const response = body.contents
      .at(-1)
      .parts.find((p: { functionResponse?: unknown }) => p.functionResponse)?.functionResponse;
    return response === undefined
      ? { functionCalls: [{ name: 'run_commands', args: { commands: [COMMAND] } }] }
      : { text: `tool said: ${text(response.response)}` };
  });
}

/** The follow-up carries the call and Cline's tool result (its JSON list of command results) in the upstream's terms. */
function expectFollowUp(wire: UpstreamKind, followUp: Call): void {
  const body = followUp.body;
  switch (wire) {
    case 'openai': {
      const [call, output] = body.input.slice(-2);
      expect(call).toMatchObject({ type: 'function_call', name: 'run_commands' });
      expect(JSON.parse(call.arguments)).toEqual({ commands: [COMMAND] });
      expect(output).toMatchObject({ type: 'function_call_output', call_id: call.call_id });
      expect(text(output.output)).toContain('switchyard-cline-ok');
      return;
    }
    case 'chat': {
      const [assistant, tool] = body.messages.slice(-2);
      expect(assistant.role).toBe('assistant');
      expect(assistant.tool_calls).toEqual([
        expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'run_commands' }) }),
      ]);
      expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual({ commands: [COMMAND] });
      expect(tool).toMatchObject({ role: 'tool', tool_call_id: assistant.tool_calls[0].id });
      expect(text(tool.content)).toContain('switchyard-cline-ok');
      return;
    }
    case 'anthropic': {
      const [assistant, user] = body.messages.slice(-2);
      expect(assistant.content).toEqual([
        expect.objectContaining({ type: 'tool_use', name: 'run_commands', input: { commands: [COMMAND] } }),
      ]);
      const result = user.content.find((b: { type: string }) => b.type === 'tool_result');
      expect(result.tool_use_id).toBe(assistant.content[0].id);
      expect(text(result.content)).toContain('switchyard-cline-ok');
      return;
    }
    case 'gemini': {
      const [model, user] = body.contents.slice(-2);
      expect(model.parts[0]).toMatchObject({
        functionCall: { name: 'run_commands', args: { commands: [COMMAND] } },
        thoughtSignature: expect.any(String),
      });
      expect(user.parts[0].functionResponse).toMatchObject({ name: 'run_commands' });
      expect(text(user.parts[0].functionResponse.response)).toContain('switchyard-cline-ok');
      return;
    }
  }
}

/** Besides what every client's body keeps: the model left out (the alias's target through the gateway). */
const SHAPE: BodyShapeOptions = { omit: ['model'] };

describe.each(UPSTREAM_KINDS)('Cline through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [...new Set(Object.values(MODELS))])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  /** Cline's base URL straight to this bench's upstream mock, for the wire its provider speaks. */
  const upstreamUrl = (provider: ClineProvider): string =>
    provider === 'anthropic' ? `${bench.anthropic.origin}/v1` : bench.openai.baseUrl;

  /**
   * Runs Cline straight against the upstream (only where the provider's wire is the upstream's),
   * then through the gateway, in the same cwd (Cline's system prompt names it); returns both runs' calls.
   */
  async function runBoth(
    provider: ClineProvider,
    prompt: string,
  ): Promise<{ run: ClineResult; calls: Call[]; direct?: Call[] }> {
    const cwd = await mkdtemp(join(tmpdir(), 'sy-cline-gw-cwd-'));
    try {
      const common: Omit<ClineRun, 'baseUrl' | 'apiKey'> = {
        provider,
        model: MODELS[provider],
        prompt,
        cwd,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      };
      let direct: Call[] | undefined;
      if (NATIVE[provider] === kind) {
        // The same model name as through the gateway: Cline picks its tools by model (apply_patch
        // for GPT models, editor for others), and the alias's rewrite is left out of the comparison.
        const alone = await runCline({ ...common, baseUrl: upstreamUrl(provider), apiKey: UPSTREAM_KEY });
        expectSuccess(alone);
        direct = bench.calls();
      }
      const before = bench.calls().length;
      const viaGateway = await runCline({ ...common, baseUrl: bench.baseUrl, apiKey: CLIENT_KEY });
      return { run: viaGateway, calls: bench.calls().slice(before), direct };
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  describe.each(CLINE_PROVIDERS)('with its %s provider', (provider) => {
    const wire = (): UpstreamKind => upstreamWire(kind, provider);

    it(
      'answers a plain task',
      async () => {
        const { run, calls, direct } = await runBoth(provider, 'Say hello');
        expectSuccess(run);
        // The mocks answer with their name and the last user text.
        expect(run.text).toMatch(new RegExp(`^${kind}: [\\s\\S]*Say hello$`));
        expect(run.toolCalls).toEqual([]);
        expect(run.usage!.inputTokens).toBeGreaterThan(0);
        expect(run.usage!.outputTokens).toBeGreaterThan(0);
        expect(calls.map((c) => c.status)).toEqual([200]);
        expect(calls[0]!.path).toMatch(callPath(wire(), true));
        if (kind === 'gemini') expect(calls[0]!.path).toContain(`/models/${bench.model(MODELS[provider])}:`);
        else expect(calls[0]!.body).toMatchObject({ model: bench.model(MODELS[provider]), stream: true });
        if (webSearchRuns(kind, provider))
          expect(calls[0]!.body.tools).toContainEqual(
            expect.objectContaining({ type: expect.stringMatching(/^web_search/) }),
          );
        else expect(JSON.stringify(calls[0]!.body.tools)).not.toMatch(/"type":"web_search/);
        if (direct) {
          expect(direct.map((c) => c.status)).toEqual([200]);
          expect(calls.map((c) => bodyShape(c.body, SHAPE))).toEqual(direct.map((c) => bodyShape(c.body, SHAPE)));
        }
      },
      TEST_MS,
    );

    it(
      'runs a command through run_commands, auto-approved, and sends its output back',
      async () => {
        scriptRunCommands(bench);
        const { run, calls, direct } = await runBoth(provider, 'Run echo');
        expectSuccess(run);
        expect(run.toolCalls).toEqual([
          {
            name: 'run_commands',
            input: { commands: [COMMAND] },
            output: [expect.objectContaining({ query: COMMAND, result: OUTPUT, success: true })],
            isError: false,
          },
        ]);
        // The upstream's final answer quotes the output it got back through the gateway.
        expect(run.text).toMatch(/^tool said: [\s\S]*switchyard-cline-ok/);
        expect(calls.map((c) => c.status)).toEqual([200, 200]);
        for (const call of calls) expect(call.path).toMatch(callPath(wire(), true));
        if (kind !== 'gemini') for (const call of calls) expect(call.body.model).toBe(bench.model(MODELS[provider]));
        expectFollowUp(wire(), calls[1]!);
        if (direct) {
          expect(direct.map((c) => c.status)).toEqual([200, 200]);
          expect(calls.map((c) => bodyShape(c.body, SHAPE))).toEqual(direct.map((c) => bodyShape(c.body, SHAPE)));
        }
      },
      TEST_MS,
    );
  });
});

describe("Cline's web search on an upstream that cannot run it", () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', [...new Set(Object.values(MODELS))])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  const run = (provider: ClineProvider) =>
    runCline({
      baseUrl: bench.baseUrl,
      apiKey: CLIENT_KEY,
      provider,
      model: MODELS[provider],
      prompt: 'Say hello',
      webSearch: true,
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });

  it(
    "anthropic: the gateway leaves out Anthropic's web_search server tool, and Cline gets its answer",
    async () => {
      const result = await run('anthropic');
      expectSuccess(result);
      expect(result.text).toMatch(/^chat: [\s\S]*Say hello$/);
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      expect(calls[0]!.path).toMatch(callPath('chat', true));
      const tools: Array<{ type: string; function?: { name: string } }> = calls[0]!.body.tools;
      expect(tools.length).toBeGreaterThan(0);
      expect(tools.every((t) => t.type === 'function')).toBe(true);
      expect(tools.map((t) => t.function!.name)).not.toContain('web_search');
    },
    TEST_MS,
  );

  it(
    "openai-native: the gateway leaves out OpenAI's hosted tools (web_search, image_generation), and Cline gets its answer",
    async () => {
      const result = await run('openai-native');
      expectSuccess(result);
      expect(result.text).toMatch(/^chat: [\s\S]*Say hello$/);
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      expect(calls[0]!.path).toMatch(callPath('chat', true));
      const tools: Array<{ type: string }> = calls[0]!.body.tools;
      expect(tools.length).toBeGreaterThan(0);
      expect(tools.every((t) => t.type === 'function')).toBe(true);
    },
    TEST_MS,
  );
});

describe('Cline through the gateway to anthropic: errors end the run with exit 1 and the message', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('anthropic', [...new Set(Object.values(MODELS))])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  const runWith = (provider: ClineProvider, apiKey: string) =>
    runCline({
      baseUrl: bench.baseUrl,
      apiKey,
      provider,
      model: MODELS[provider],
      prompt: 'Say hello',
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });

  function expectFailure(run: ClineResult, message: string, errorClass: string): void {
    expectOfflineAndAlone(run);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.finishReason).toBe('error');
    expect(run.text).toBe(message);
    expect(run.errors).toEqual([{ message, errorClass }]);
    expect(run.stderrError).toBe(message);
  }

  it.each(CLINE_PROVIDERS)(
    '%s: a wrong gateway key is refused (401) before any upstream call; Cline classes it as auth',
    async (provider) => {
      const run = await runWith(provider, 'sk-not-a-gateway-key');
      expectFailure(run, 'invalid gateway key', 'auth');
      expect(bench.calls()).toEqual([]);
    },
    TEST_MS,
  );

  it.each(CLINE_PROVIDERS)(
    "%s: the upstream's 400 comes back with its message, asked once",
    async (provider) => {
      bench.anthropic.queueFault({ kind: 'status', status: 400 });
      const run = await runWith(provider, CLIENT_KEY);
      expectFailure(run, 'mock error 400', 'unknown');
      expect(bench.calls().map((c) => c.status)).toEqual([400]);
    },
    TEST_MS,
  );
});

describe('the offline switches of the Cline runner matter', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', [MODELS['openai-compatible']])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  const run = (over: Pick<ClineRun, 'globalSettings' | 'extraEnv'>) =>
    runCline({
      baseUrl: bench.baseUrl,
      apiKey: CLIENT_KEY,
      provider: 'openai-compatible',
      model: MODELS['openai-compatible'],
      prompt: 'Say hello',
      webSearch: false,
      globalSettings: over.globalSettings,
      extraEnv: { ...proxy.env(), ...over.extraEnv },
      timeoutMs: CLIENT_HUNG_MS,
    });

  it(
    'without telemetryOptOut Cline exports telemetry to its collector, and the deny proxy catches it',
    async () => {
      const result = await run({ globalSettings: { telemetryOptOut: false } });
      expect(result.timedOut).toBe(false);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(proxy.attempts).toContainEqual({ kind: 'connect', target: 'otel.cline.bot:443' });
    },
    TEST_MS,
  );

  it(
    'without IS_TEST Cline asks PostHog for its feature flags, and the deny proxy catches it',
    async () => {
      const result = await run({ extraEnv: { IS_TEST: '' } });
      expect(result.timedOut).toBe(false);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(proxy.attempts).toContainEqual({ kind: 'connect', target: 'data.cline.bot:443' });
    },
    TEST_MS,
  );
});
