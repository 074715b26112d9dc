/**
 * The real opencode CLI (`opencode run`, unmodified, offline) THROUGH the gateway to each kind of
 * upstream, speaking each of the protocols of its bundled provider packages: Chat Completions
 * (`@ai-sdk/openai-compatible`), Responses (`@ai-sdk/openai`) and Anthropic Messages
 * (`@ai-sdk/anthropic`). For each pair: a turn, and a round trip through opencode's bash tool whose
 * follow-up carries the call and its output (and, where the upstream needs it, the reasoning that
 * led to the call: Claude's signed thinking block rebuilt from the Responses reasoning item,
 * Gemini's thought signature), the final answer quoting the output.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  OPENCODE_PROTOCOLS,
  runOpencode,
  type OpencodeProtocol,
  type OpencodeResult,
} from '../support/clients/opencode.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import {
  callPath,
  CLIENT_KEY,
  startBench,
  UPSTREAM_KINDS,
  type Bench,
  type Call,
  type UpstreamKind,
} from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

/**
 * opencode's model here; the gateway aliases it to each upstream's. A point release the model
 * table has no entry for: it takes gpt-5's kind (a reasoning model), so a Chat Completions body
 * for the OpenAI upstream gets `max_completion_tokens` (the `max_tokens` opencode's Chat and
 * Anthropic packages send is refused by OpenAI for it).
 */
const MODEL = 'gpt-5.5';
const COMMAND = 'echo switchyard-shell-ok';
const OUTPUT = 'switchyard-shell-ok\n';

let proxy: DenyProxy;
beforeAll(async () => void (proxy = await startDenyProxy()));
afterAll(() => proxy.close());

function expectSuccess(run: OpencodeResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(run.errors, run.stdout.slice(-2000)).toEqual([]);
  expect(run.exitCode, `${run.stderr.slice(-2000)}\n${run.stdout.slice(-2000)}`).toBe(0);
}

/** Where the gateway sends a protocol's requests on an upstream: the OpenAI upstream takes Responses bodies as they are, chat bodies at its chat endpoint. */
function upstreamPath(kind: UpstreamKind, protocol: OpencodeProtocol): RegExp {
  return kind === 'openai' && protocol !== 'responses' ? callPath('chat', true) : callPath(kind, true);
}

const text = (content: unknown): string => (typeof content === 'string' ? content : JSON.stringify(content));

/** Makes the upstream call opencode's bash tool first, then answer quoting the tool's output once it is back. */
function scriptBashCall(bench: Bench): void {
  bench.openai.setAnswerer((body) => {
    const output = Array.isArray(body.input)
      ? body.input.findLast((i: { type: string }) => i.type === 'function_call_output')?.output
      : body.messages.findLast((m: { role: string }) => m.role === 'tool')?.content;
    return output === undefined
      ? { toolCalls: [{ name: 'bash', arguments: { command: COMMAND } }] }
      : { text: `tool said: ${text(output)}` };
  });
  bench.anthropic.setAnswerer((body) => {
    const last = body.messages.at(-1);
    const result = Array.isArray(last.content)
      ? last.content.find((b: { type: string }) => b.type === 'tool_result')
      : undefined;
    return result === undefined
      ? { toolCalls: [{ name: 'bash', input: { command: COMMAND } }] }
      : { text: `tool said: ${text(result.content)}` };
  });
  bench.gemini.setAnswerer((body) => {
    const response = body.contents
      .at(-1)
      .parts.find((p: { functionResponse?: unknown }) => p.functionResponse)?.functionResponse;
    return response === undefined
      ? { functionCalls: [{ name: 'bash', args: { command: COMMAND } }] }
      : { text: `tool said: ${text(response.response)}` };
  });
}

/** What the follow-up request carries back: the call, its output and what the upstream needs with them. */
function expectFollowUp(kind: UpstreamKind, protocol: OpencodeProtocol, followUp: Call): void {
  const body = followUp.body;
  if (kind === 'openai' && protocol === 'responses') {
    // Passed through: opencode keeps nothing upstream (store: false) and sends the encrypted reasoning back.
    expect(body).toMatchObject({ store: false, include: ['reasoning.encrypted_content'] });
    const [reasoning, call, output] = body.input.slice(-3);
    expect(reasoning).toMatchObject({ type: 'reasoning', encrypted_content: expect.any(String) });
    expect(call).toMatchObject({ type: 'function_call', name: 'bash' });
    expect(JSON.parse(call.arguments)).toEqual({ command: COMMAND });
    expect(output).toEqual({ type: 'function_call_output', call_id: call.call_id, output: OUTPUT });
    return;
  }
  if (kind === 'openai' || kind === 'chat') {
    const [assistant, tool] = body.messages.slice(-2);
    expect(assistant.role).toBe('assistant');
    expect(assistant.tool_calls).toEqual([
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'bash' }) }),
    ]);
    expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual({ command: COMMAND });
    expect(tool).toMatchObject({ role: 'tool', tool_call_id: assistant.tool_calls[0].id });
    expect(text(tool.content)).toContain('switchyard-shell-ok');
    return;
  }
  if (kind === 'anthropic') {
    const [assistant, user] = body.messages.slice(-2);
    // Claude's thinking goes back signed (the mock verifies the signature) when opencode asked for
    // reasoning and sent it back: the Responses reasoning item. Chat Completions has no field for
    // it, so the gateway asks for no thinking on that turn; the Anthropic package asked for none.
    const blocks = assistant.content.map((b: { type: string }) => b.type);
    expect(blocks).toEqual(protocol === 'responses' ? ['thinking', 'tool_use'] : ['tool_use']);
    if (protocol === 'responses') expect(body.thinking).toMatchObject({ type: 'enabled' });
    const use = assistant.content.at(-1);
    expect(use).toMatchObject({ name: 'bash', input: { command: COMMAND } });
    const result = user.content.find((b: { type: string }) => b.type === 'tool_result');
    expect(result.tool_use_id).toBe(use.id);
    expect(text(result.content)).toContain('switchyard-shell-ok');
    return;
  }
  const [model, user] = body.contents.slice(-2);
  expect(model.parts[0]).toMatchObject({
    functionCall: { name: 'bash', args: { command: COMMAND } },
    thoughtSignature: expect.any(String),
  });
  expect(user.parts[0].functionResponse).toMatchObject({ name: 'bash' });
  expect(JSON.stringify(user.parts[0].functionResponse.response)).toContain('switchyard-shell-ok');
}

describe.each(UPSTREAM_KINDS)('opencode through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [MODEL])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  describe.each(OPENCODE_PROTOCOLS)('speaking %s', (protocol) => {
    const run = (prompt: string): Promise<OpencodeResult> =>
      runOpencode({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        model: MODEL,
        protocol,
        prompt,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });

    it(
      'completes a turn',
      async () => {
        const result = await run('Say hello');
        expectSuccess(result);
        // The mocks answer with their name and the last user text (opencode quotes a prompt with spaces).
        expect(result.text).toMatch(new RegExp(`^${kind}: [\\s\\S]*Say hello`));
        expect(result.finishReasons).toEqual(['stop']);
        expect(result.toolCalls).toEqual([]);
        expect(result.usage!.input + result.usage!.cacheRead).toBeGreaterThan(0);
        expect(result.usage!.output).toBeGreaterThan(0);
        const calls = bench.calls();
        expect(calls.map((c) => c.status)).toEqual([200]);
        expect(calls[0]!.path).toMatch(upstreamPath(kind, protocol));
        if (kind === 'gemini') expect(calls[0]!.path).toContain(`/models/${bench.model(MODEL)}:`);
        else expect(calls[0]!.body.model).toBe(bench.model(MODEL));
        expect(calls[0]!.body.stream ?? true).toBe(true);
      },
      CLIENT_HUNG_MS + 60_000,
    );

    it(
      'makes a bash tool round trip: runs echo, sends back the call and its output, ends with the answer',
      async () => {
        scriptBashCall(bench);
        const result = await run('Run echo');
        expectSuccess(result);
        expect(result.toolCalls).toEqual([
          { tool: 'bash', input: { command: COMMAND }, status: 'completed', output: OUTPUT },
        ]);
        expect(result.finishReasons).toEqual(['tool-calls', 'stop']);
        // The upstream's final answer quotes the output it got back through the gateway.
        expect(result.text).toMatch(/^tool said: [\s\S]*switchyard-shell-ok/);
        const calls = bench.calls();
        expect(calls.map((c) => c.status)).toEqual([200, 200]);
        for (const call of calls) expect(call.path).toMatch(upstreamPath(kind, protocol));
        expectFollowUp(kind, protocol, calls[1]!);
      },
      CLIENT_HUNG_MS + 60_000,
    );
  });
});

describe('the offline switches of the opencode runner', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', [MODEL])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  it(
    'matter: without OPENCODE_DISABLE_MODELS_FETCH opencode fetches the models.dev catalog, and the deny proxy catches it',
    async () => {
      const result = await runOpencode({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        model: MODEL,
        protocol: 'chat',
        prompt: 'Say hello',
        extraEnv: { ...proxy.env(), OPENCODE_DISABLE_MODELS_FETCH: '0' },
        timeoutMs: CLIENT_HUNG_MS,
      });
      expect(result.timedOut).toBe(false);
      expect(proxy.attempts).toContainEqual({ kind: 'connect', target: 'models.opencode.ai:443' });
    },
    CLIENT_HUNG_MS + 60_000,
  );
});
