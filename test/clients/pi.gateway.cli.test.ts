/**
 * The real pi coding agent (`pi --mode json -p`, unmodified, offline) THROUGH the gateway, with
 * each of its three APIs (openai-completions, openai-responses, anthropic-messages) to each kind
 * of upstream: a turn, and a `bash` tool round trip whose follow-up carries pi's tool result.
 * pi asks for thinking (its default level, medium): reasoning effort on the OpenAI APIs (and
 * encrypted reasoning back with `store: false` on Responses), `thinking` with a budget on Messages.
 * Where pi's API is the upstream's own (Responses → OpenAI, Chat Completions → chat-only server,
 * Messages → Anthropic), pi is also run straight against the mock, and the bodies that reached it
 * through the gateway must keep every field pi sends. Last, errors: a wrong gateway key and an
 * upstream's 400 reach pi on each API as its SDK reads them (pi's JSON mode still exits 0 and
 * records the error on the message).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bodyShape, type BodyShapeOptions } from '../support/clients/body-shape.js';
import { runPi, PI_APIS, type PiApi, type PiResult, type PiRun } from '../support/clients/pi.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
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

/** The model pi names on each API; the gateway aliases it to each upstream's model. */
const MODELS: Record<PiApi, string> = {
  'openai-completions': 'gpt-5.5',
  'openai-responses': 'gpt-5.5',
  'anthropic-messages': 'claude-sonnet-4-5',
};
/** The upstream kind that speaks each of pi's APIs itself. */
const NATIVE: Record<PiApi, UpstreamKind> = {
  'openai-completions': 'chat',
  'openai-responses': 'openai',
  'anthropic-messages': 'anthropic',
};
const TEST_MS = 2 * CLIENT_HUNG_MS + 60_000;
const COMMAND = 'echo switchyard-pi-ok';
const OUTPUT = 'switchyard-pi-ok';

let proxy: DenyProxy;
beforeAll(async () => void (proxy = await startDenyProxy()));
afterAll(() => proxy.close());

function expectSuccess(run: PiResult): void {
  expectCleanRun(run, proxy);
  // With --mode json pi exits 0 even when the model call failed: the error is on the message.
  expect({ stopReason: run.stopReason, errorMessage: run.errorMessage }).toEqual({
    stopReason: 'stop',
    errorMessage: undefined,
  });
}

/** Makes the upstream call pi's bash tool first, then answer by default once the tool result is back. */
function scriptBashCall(bench: Bench): void {
  bench.openai.setAnswerer((body) => {
    const answered = Array.isArray(body.input)
      ? body.input.at(-1)?.type === 'function_call_output'
      : body.messages?.at(-1)?.role === 'tool';
    return answered ? undefined : { toolCalls: [{ name: 'bash', arguments: { command: COMMAND } }] };
  });
  bench.anthropic.setAnswerer((body) => {
    const last = body.messages.at(-1);
    const answered =
      Array.isArray(last.content) && last.content.some((b: { type: string }) => b.type === 'tool_result');
    return answered ? undefined : { toolCalls: [{ name: 'bash', input: { command: COMMAND } }] };
  });
  bench.gemini.setAnswerer((body) => {
    const answered = body.contents.at(-1).parts.some((p: { functionResponse?: unknown }) => p.functionResponse);
    return answered ? undefined : { functionCalls: [{ name: 'bash', args: { command: COMMAND } }] };
  });
}

/**
 * Besides what every client's body keeps: `prompt_cache_key` only by presence (pi makes a new
 * session id each run), the encrypted reasoning the upstream sent masked, and pi's date.
 */
const SHAPE: BodyShapeOptions = {
  byType: ['prompt_cache_key'],
  mask: ['encrypted_content', 'signature'],
  date: /Current date: \d{4}-\d{2}-\d{2}/,
};

/**
 * The wire the gateway speaks to this bench's upstream for pi's API: the OpenAI upstream serves
 * both OpenAI APIs, and only Responses callers are passed through to its /v1/responses.
 */
function upstreamWire(kind: UpstreamKind, api: PiApi): UpstreamKind {
  return kind === 'openai' && api !== 'openai-responses' ? 'chat' : kind;
}

/** pi's thinking request (its default level, medium) reached the upstream in the upstream's own terms. */
function expectThinkingAsked(wire: UpstreamKind, body: any): void {
  switch (wire) {
    case 'openai':
      expect(body.reasoning).toMatchObject({ effort: 'medium' });
      expect(body.include).toContain('reasoning.encrypted_content');
      break;
    case 'chat':
      expect(body.reasoning_effort).toBe('medium');
      break;
    case 'anthropic':
      expect(body.thinking).toMatchObject({ type: 'enabled', budget_tokens: expect.any(Number) });
      break;
    case 'gemini':
      expect(body.generationConfig.thinkingConfig.thinkingBudget).toBeGreaterThan(0);
      break;
  }
}

describe.each(UPSTREAM_KINDS)('pi through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [...new Set(Object.values(MODELS))])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  /** pi's base URL for the gateway: the Anthropic SDK adds /v1/messages itself. */
  const gatewayUrl = (api: PiApi): string => (api === 'anthropic-messages' ? bench.gateway.url : bench.baseUrl);
  /** pi's base URL straight to this bench's upstream mock, for the API it speaks. */
  const upstreamUrl = (api: PiApi): string =>
    api === 'anthropic-messages' ? bench.anthropic.origin : bench.openai.baseUrl;

  /**
   * Runs pi with `run` straight against the upstream (only where pi's API is the upstream's), then
   * through the gateway, in the same cwd (pi's system prompt names it); returns both runs' calls.
   */
  async function runBoth(
    api: PiApi,
    run: Pick<PiRun, 'prompt'>,
  ): Promise<{ run: PiResult; calls: Call[]; direct?: Call[] }> {
    const cwd = await mkdtemp(join(tmpdir(), 'sy-pi-gw-cwd-'));
    try {
      const common = { api, model: MODELS[api], cwd, extraEnv: proxy.env(), timeoutMs: CLIENT_HUNG_MS, ...run };
      let direct: Call[] | undefined;
      if (NATIVE[api] === kind) {
        const alone = await runPi({
          ...common,
          model: bench.model(MODELS[api]),
          baseUrl: upstreamUrl(api),
          apiKey: UPSTREAM_KEY,
        });
        expectSuccess(alone);
        direct = bench.calls();
      }
      const before = bench.calls().length;
      const viaGateway = await runPi({ ...common, baseUrl: gatewayUrl(api), apiKey: CLIENT_KEY });
      return { run: viaGateway, calls: bench.calls().slice(before), direct };
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  describe.each(PI_APIS)('with %s', (api) => {
    it(
      'completes a turn',
      async () => {
        const { run, calls, direct } = await runBoth(api, { prompt: 'Say hello' });
        expectSuccess(run);
        expect(run.text).toMatch(new RegExp(`^${kind}: [\\s\\S]*Say hello$`));
        // pi counts cached prompt tokens apart (the direct run may have put the prompt in the mock's cache).
        expect(run.usage).toMatchObject({ input: expect.any(Number), output: expect.any(Number) });
        expect(run.usage!.input + run.usage!.cacheRead).toBeGreaterThan(0);
        expect(run.usage!.output).toBeGreaterThan(0);
        expect(calls.map((c) => c.status)).toEqual([200]);
        expect(calls[0]!.path).toMatch(callPath(upstreamWire(kind, api), true));
        expectThinkingAsked(upstreamWire(kind, api), calls[0]!.body);
        if (direct) {
          expect(direct.map((c) => c.status)).toEqual([200]);
          expect(calls.map((c) => bodyShape(c.body, SHAPE))).toEqual(direct.map((c) => bodyShape(c.body, SHAPE)));
          expect(calls.map((c) => c.headers['anthropic-beta'])).toEqual(direct.map((c) => c.headers['anthropic-beta']));
        }
      },
      TEST_MS,
    );

    it(
      'makes a bash tool round trip: runs echo, sends back the call and its result, ends with the answer',
      async () => {
        scriptBashCall(bench);
        const { run, calls, direct } = await runBoth(api, { prompt: 'Run echo' });
        expectSuccess(run);
        expect(run.toolCalls).toEqual([
          expect.objectContaining({ name: 'bash', args: { command: COMMAND }, isError: false }),
        ]);
        expect(run.toolCalls[0]!.result).toContain(OUTPUT);
        expect(run.assistantMessages.map((m) => m.stopReason)).toEqual(['toolUse', 'stop']);
        expect(run.text).toMatch(new RegExp(`^${kind}: `));
        expect(calls.map((c) => c.status)).toEqual([200, 200]);
        for (const call of calls) expect(call.path).toMatch(callPath(upstreamWire(kind, api), true));
        expectThinkingAsked(upstreamWire(kind, api), calls[0]!.body);
        const followUp = calls[1]!.body;
        switch (upstreamWire(kind, api)) {
          case 'openai': {
            const items = followUp.input.slice(-3);
            expect(items.map((i: { type: string }) => i.type)).toEqual([
              'reasoning',
              'function_call',
              'function_call_output',
            ]);
            expect(items[0].encrypted_content).toEqual(expect.any(String));
            expect(items[1]).toMatchObject({ name: 'bash', call_id: items[2].call_id });
            expect(JSON.parse(items[1].arguments)).toEqual({ command: COMMAND });
            expect(JSON.stringify(items[2].output)).toContain(OUTPUT);
            break;
          }
          case 'chat': {
            const [assistant, tool] = followUp.messages.slice(-2);
            expect([assistant.role, tool.role]).toEqual(['assistant', 'tool']);
            expect(assistant.tool_calls).toEqual([
              expect.objectContaining({ id: tool.tool_call_id, function: expect.objectContaining({ name: 'bash' }) }),
            ]);
            expect(JSON.stringify(tool.content)).toContain(OUTPUT);
            break;
          }
          case 'anthropic': {
            const [assistant, user] = followUp.messages.slice(-2);
            if (api === 'openai-completions') {
              // Chat Completions has no way to send reasoning back, and pi sends none: with no signed
              // thinking block to start the assistant turn, the gateway asks this request without thinking.
              expect(assistant.content.map((b: { type: string }) => b.type)).toEqual(['tool_use']);
              expect(followUp.thinking).toBeUndefined();
            } else {
              // Claude's thinking came back first, signed (the mock verified the signature), then the call:
              // on Messages as pi kept it, on Responses rebuilt from the reasoning item pi sent back.
              expect(assistant.content.map((b: { type: string }) => b.type)).toEqual(['thinking', 'tool_use']);
              expect(followUp.thinking).toMatchObject({ type: 'enabled' });
            }
            const toolUse = assistant.content.find((b: { type: string }) => b.type === 'tool_use');
            expect(toolUse).toMatchObject({ name: 'bash', input: { command: COMMAND } });
            const result = user.content.find((b: { type: string }) => b.type === 'tool_result');
            expect(result.tool_use_id).toBe(toolUse.id);
            expect(JSON.stringify(result.content)).toContain(OUTPUT);
            break;
          }
          case 'gemini': {
            const model = followUp.contents.at(-2);
            const call = model.parts.find((p: { functionCall?: unknown }) => p.functionCall);
            expect(call).toMatchObject({
              functionCall: { name: 'bash', args: { command: COMMAND } },
              thoughtSignature: expect.any(String),
            });
            expect(JSON.stringify(followUp.contents.at(-1))).toContain(OUTPUT);
            break;
          }
        }
        if (direct) {
          expect(direct.map((c) => c.status)).toEqual([200, 200]);
          expect(calls.map((c) => bodyShape(c.body, SHAPE))).toEqual(direct.map((c) => bodyShape(c.body, SHAPE)));
          expect(calls.map((c) => c.headers['anthropic-beta'])).toEqual(direct.map((c) => c.headers['anthropic-beta']));
        }
      },
      TEST_MS,
    );
  });
});

describe('pi through the gateway to anthropic: errors, in the shape of the API pi speaks', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('anthropic', [...new Set(Object.values(MODELS))])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  const runWith = (api: PiApi, apiKey: string) =>
    runPi({
      baseUrl: api === 'anthropic-messages' ? bench.gateway.url : bench.baseUrl,
      apiKey,
      api,
      model: MODELS[api],
      prompt: 'Say hello',
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });

  /** pi ran to its end (exit 0 in JSON mode) and recorded the failed call on the message. */
  function expectFailure(run: PiResult, status: number, message: string, anthropicType: string): void {
    expect(run.timedOut).toBe(false);
    expect(proxy.attempts).toEqual([]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stopReason).toBe('error');
    expect(run.errorMessage).toMatch(new RegExp(`^${status} `));
    expect(run.errorMessage).toContain(message);
    // The Anthropic SDK quotes Anthropic's error body whole; the OpenAI SDK gives error.message.
    if (run.errorMessage!.includes('{')) expect(JSON.parse(run.errorMessage!.slice(4)).error.type).toBe(anthropicType);
  }

  it.each(PI_APIS)('%s: a wrong gateway key is refused (401) before any upstream call', async (api) => {
    const run = await runWith(api, 'sk-not-a-gateway-key');
    expectFailure(run, 401, 'invalid gateway key', 'authentication_error');
    if (api === 'anthropic-messages') expect(run.errorMessage).toContain('{');
    expect(bench.calls()).toEqual([]);
  });

  it.each(PI_APIS)("%s: the upstream's 400 comes back with its message", async (api) => {
    bench.anthropic.queueFault({ kind: 'status', status: 400 });
    const run = await runWith(api, CLIENT_KEY);
    expectFailure(run, 400, 'mock error 400', 'invalid_request_error');
    if (api === 'anthropic-messages') expect(run.errorMessage).toContain('{');
    expect(bench.calls().map((c) => c.status)).toEqual([400]);
  });
});
