/**
 * An app built on the real Claude Agent SDK (`@anthropic-ai/claude-agent-sdk`, unmodified, its
 * documented `query()`; the SDK starts its own native Claude Code, offline) works through the
 * gateway, with ANTHROPIC_BASE_URL at the gateway and a gateway key as ANTHROPIC_API_KEY, to each
 * kind of upstream (Anthropic, OpenAI, a Chat-Completions-only server, Gemini). The SDK speaks
 * Anthropic Messages, streaming; the gateway answers it from each upstream in that upstream's
 * terms. Per upstream: a turn; a round trip with the built-in Bash tool; a round trip with an
 * in-process MCP tool the app defines (`tool()` + `createSdkMcpServer()`), whose handler runs;
 * structured output (`outputFormat`: Claude Code asks for it as a `StructuredOutput` tool, and the
 * app receives `structured_output`); an upstream 400 and a wrong gateway key, each reported to the
 * app as an error result, not a hang. Every run: nothing but loopback traffic (the deny proxy saw
 * no attempt from Claude Code, and the SDK in this process fetched nothing else); and that check
 * can fail: with Claude Code's offline switches cleared, the proxy sees it reach out.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSdkMcpServer, tool, type SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import {
  CLAUDE_CODE_OFFLINE_ENV,
  runClaudeAgentSdk,
  type AgentSdkResult,
  type AgentSdkRun,
} from '../support/clients/claude-agent-sdk.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
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

/** The model the app asks for; the others are aliased too, so a side call Claude Code made to one would show at the upstream. */
const MODEL = 'claude-sonnet-4-5';
const CLAUDE_MODELS = [MODEL, 'claude-haiku-4-5', 'claude-opus-5-5'];
const TEST_MS = CLIENT_HUNG_MS + 60_000;
const COMMAND = 'echo switchyard-agent-sdk-ok';
const OUTPUT = 'switchyard-agent-sdk-ok';
const CITY_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};

/**
 * The wire the gateway speaks to each upstream for a Messages caller: the OpenAI upstream serves
 * both OpenAI APIs, and only Responses callers are passed through to its /v1/responses.
 */
const WIRE: Record<UpstreamKind, UpstreamKind> = {
  openai: 'chat',
  chat: 'chat',
  anthropic: 'anthropic',
  gemini: 'gemini',
};

let proxy: DenyProxy;
let fetchGuard: FetchGuard;
beforeAll(async () => {
  proxy = await startDenyProxy();
  fetchGuard = guardFetch();
});
afterAll(async () => {
  fetchGuard.restore();
  await proxy.close();
});

/** Claude Code ran to its end, reached nothing but loopback, and so did the SDK in this process. */
function expectOfflineAndDone(run: AgentSdkResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(fetchGuard.refused).toEqual([]);
}

function expectSuccess(run: AgentSdkResult): void {
  expectOfflineAndDone(run);
  expect(run.thrown, run.stderr).toBeUndefined();
  expect(run.result).toMatchObject({ type: 'result', subtype: 'success', is_error: false });
}

/** Makes the upstream call `name` with `input` first, then answer by default once the tool result is back. */
function scriptToolCall(bench: Bench, name: string, input: Record<string, unknown>): void {
  bench.anthropic.setAnswerer((body) => {
    const last = body.messages.at(-1);
    const answered =
      Array.isArray(last.content) && last.content.some((b: { type: string }) => b.type === 'tool_result');
    return answered ? undefined : { toolCalls: [{ name, input }] };
  });
  bench.openai.setAnswerer((body) => {
    const answered = body.messages.some((m: { role: string }) => m.role === 'tool');
    return answered ? undefined : { toolCalls: [{ name, arguments: input }] };
  });
  bench.gemini.setAnswerer((body) => {
    const answered = body.contents.some((c: any) => c.parts.some((p: any) => p.functionResponse));
    return answered ? undefined : { functionCalls: [{ name, args: input }] };
  });
}

/** The names of the tools a request offered, in the upstream's terms. */
function toolNames(wire: UpstreamKind, body: any): string[] {
  if (wire === 'anthropic') return body.tools.map((t: any) => t.name);
  if (wire === 'gemini') return body.tools.flatMap((t: any) => (t.functionDeclarations ?? []).map((f: any) => f.name));
  return body.tools.map((t: any) => t.function.name);
}

/** The JSON schema a request gave the tool `name`, in the upstream's terms. */
function toolSchema(wire: UpstreamKind, body: any, name: string): any {
  if (wire === 'anthropic') return body.tools.find((t: any) => t.name === name)?.input_schema;
  if (wire === 'gemini') {
    // Converted to Gemini's OpenAPI subset (`parameters`) by default, or sent as is (`parametersJsonSchema`).
    const declaration = body.tools.flatMap((t: any) => t.functionDeclarations ?? []).find((f: any) => f.name === name);
    return declaration?.parameters ?? declaration?.parametersJsonSchema;
  }
  return body.tools.find((t: any) => t.function.name === name)?.function.parameters;
}

/** The tool call a follow-up request sends back, and the result that answers it, read in the upstream's terms. */
interface ToolExchange {
  name: string;
  args: unknown;
  /** The tool result as sent, serialised (its text is somewhere in it). */
  result: string;
}

function toolExchangeIn(wire: UpstreamKind, body: any): ToolExchange {
  switch (wire) {
    case 'anthropic': {
      const use = body.messages
        .filter((m: any) => m.role === 'assistant' && Array.isArray(m.content))
        .flatMap((m: any) => m.content)
        .findLast((b: any) => b.type === 'tool_use');
      const result = body.messages
        .filter((m: any) => m.role === 'user' && Array.isArray(m.content))
        .flatMap((m: any) => m.content)
        .find((b: any) => b.type === 'tool_result' && b.tool_use_id === use.id);
      return { name: use.name, args: use.input, result: JSON.stringify(result?.content) };
    }
    case 'gemini': {
      const parts = body.contents.flatMap((c: any) => c.parts.map((p: any) => ({ role: c.role, ...p })));
      const call = parts.findLast((p: any) => p.role === 'model' && p.functionCall);
      const response = parts.find((p: any) => p.functionResponse?.name === call.functionCall.name);
      // The Gemini mock wants each function call sent back with the signature it gave it.
      expect(call.thoughtSignature).toEqual(expect.any(String));
      return { name: call.functionCall.name, args: call.functionCall.args, result: JSON.stringify(response) };
    }
    default: {
      const call = body.messages.findLast((m: any) => m.role === 'assistant' && m.tool_calls)?.tool_calls[0];
      const result = body.messages.find((m: any) => m.role === 'tool' && m.tool_call_id === call.id);
      return { name: call.function.name, args: JSON.parse(call.function.arguments), result: JSON.stringify(result) };
    }
  }
}

/** The upstream model a recorded call asked for. */
function upstreamModel(wire: UpstreamKind, call: Call): string {
  return wire === 'gemini' ? /\/models\/([^:]+):/.exec(call.path)![1]! : call.body.model;
}

/** A streaming call: `stream: true`, or Gemini's streaming method. */
function isStream(wire: UpstreamKind, call: Call): boolean {
  return wire === 'gemini' ? call.path.includes(':streamGenerateContent?alt=sse') : call.body.stream === true;
}

const assistantErrors = (messages: SDKMessage[]): unknown[] =>
  messages.flatMap((m) => (m.type === 'assistant' && m.error ? [m.error] : []));

describe.each(UPSTREAM_KINDS)('an app on the Claude Agent SDK through the gateway to %s', (kind) => {
  const wire = WIRE[kind];
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, CLAUDE_MODELS)));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
    fetchGuard.refused.length = 0;
  });
  afterAll(() => bench.close());

  const run = (options: Omit<AgentSdkRun, 'baseUrl' | 'apiKey' | 'model' | 'timeoutMs'> & { apiKey?: string }) =>
    runClaudeAgentSdk({
      baseUrl: bench.gateway.url,
      apiKey: CLIENT_KEY,
      model: MODEL,
      timeoutMs: CLIENT_HUNG_MS,
      ...options,
      extraEnv: { ...proxy.env(), ...options.extraEnv },
    });

  it(
    'completes a turn: one streamed call to the upstream model, its answer the result',
    async () => {
      const result = await run({ prompt: 'Say hello', tools: [] });
      expectSuccess(result);
      expect(result.text).toMatch(new RegExp(`^${kind}: [^]*Say hello$`));
      const calls = bench.calls();
      expect(calls.map((c) => [c.status, upstreamModel(wire, c), isStream(wire, c)])).toEqual([
        [200, bench.model(MODEL), true],
      ]);
      expect(calls[0]!.path).toMatch(wire === 'anthropic' ? /^\/v1\/messages\?beta=true$/ : callPath(wire, true));
    },
    TEST_MS,
  );

  it(
    'makes a Bash tool round trip: runs echo, the follow-up carries its output, ends with the answer',
    async () => {
      scriptToolCall(bench, 'Bash', { command: COMMAND, description: 'Print a marker' });
      const result = await run({ prompt: 'Run echo', tools: ['Bash'], allowedTools: ['Bash(echo:*)'] });
      expectSuccess(result);
      expect(result.toolCalls).toEqual([
        expect.objectContaining({ name: 'Bash', input: { command: COMMAND, description: 'Print a marker' } }),
      ]);
      expect(result.toolCalls[0]).toMatchObject({ isError: false, result: expect.stringContaining(OUTPUT) });
      expect(result.text).toMatch(new RegExp(`^${kind}: `));
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      expect(toolNames(wire, calls[0]!.body)).toEqual(['Bash']);
      const exchange = toolExchangeIn(wire, calls[1]!.body);
      expect(exchange).toMatchObject({ name: 'Bash', args: { command: COMMAND, description: 'Print a marker' } });
      expect(exchange.result).toContain(OUTPUT);
    },
    TEST_MS,
  );

  it(
    "calls the app's in-process MCP tool: its handler runs with the model's arguments, the follow-up carries its result",
    async () => {
      const handled: unknown[] = [];
      const add = tool('add', 'Adds two numbers', { a: z.number(), b: z.number() }, async (args) => {
        handled.push(args);
        return { content: [{ type: 'text', text: `the sum is ${args.a + args.b}` }] };
      });
      const calculator = createSdkMcpServer({ name: 'calc', version: '1.0.0', tools: [add] });
      scriptToolCall(bench, 'mcp__calc__add', { a: 2, b: 40 });
      const result = await run({
        prompt: 'Add 2 and 40',
        tools: [],
        mcpServers: { calc: calculator },
        allowedTools: ['mcp__calc__add'],
      });
      expectSuccess(result);
      expect(handled).toEqual([{ a: 2, b: 40 }]);
      expect(result.toolCalls).toEqual([
        expect.objectContaining({ name: 'mcp__calc__add', input: { a: 2, b: 40 }, isError: false }),
      ]);
      expect(result.toolCalls[0]!.result).toContain('the sum is 42');
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      expect(toolNames(wire, calls[0]!.body)).toContain('mcp__calc__add');
      const exchange = toolExchangeIn(wire, calls[1]!.body);
      expect(exchange).toMatchObject({ name: 'mcp__calc__add', args: { a: 2, b: 40 } });
      expect(exchange.result).toContain('the sum is 42');
    },
    TEST_MS,
  );

  it(
    'returns structured output: the schema reaches the upstream as the StructuredOutput tool, the app gets the object',
    async () => {
      scriptToolCall(bench, 'StructuredOutput', { city: 'Lisbon' });
      const result = await run({
        prompt: 'Name a city',
        tools: [],
        outputFormat: { type: 'json_schema', schema: CITY_SCHEMA },
      });
      expectSuccess(result);
      expect(result.result).toMatchObject({ structured_output: { city: 'Lisbon' } });
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      expect(toolNames(wire, calls[0]!.body)).toEqual(['StructuredOutput']);
      const schema = toolSchema(wire, calls[0]!.body, 'StructuredOutput');
      expect(schema.required).toEqual(['city']);
      // Gemini's OpenAPI subset spells types in capitals.
      expect(schema.properties.city.type.toLowerCase()).toBe('string');
    },
    TEST_MS,
  );

  it(
    "reports the upstream's 400 as an error result",
    async () => {
      // Claude Code asks twice more after a 400, each time with fewer betas (whatever the upstream
      // behind the gateway): all three are refused, two faults are left over.
      const refusals = Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 400 }));
      if (kind === 'anthropic') bench.anthropic.queueFault(...refusals);
      else if (kind === 'gemini') bench.gemini.queueFault(...refusals);
      else bench.openai.queueFault(...refusals);
      const result = await run({ prompt: 'Say hello', tools: [] });
      expectOfflineAndDone(result);
      expect(result.result).toMatchObject({ type: 'result', is_error: true, api_error_status: 400 });
      expect(result.result!.subtype === 'success' && result.result!.result).toBe('API Error: 400 mock error 400');
      expect(result.thrown?.message).toMatch(/error result/);
      expect(bench.calls().map((c) => c.status)).toEqual([400, 400, 400]);
    },
    TEST_MS,
  );

  it(
    'reports a wrong gateway key as an authentication error, with no upstream call',
    async () => {
      // Claude Code retries a 401 (as it does against Anthropic itself) up to 10 times with growing
      // waits; one retry shows that without minutes of waiting.
      const result = await run({
        prompt: 'Say hello',
        tools: [],
        apiKey: 'sk-not-a-gateway-key',
        extraEnv: { CLAUDE_CODE_MAX_RETRIES: '1' },
      });
      expectOfflineAndDone(result);
      const retries = result.messages.filter((m) => m.type === 'system' && m.subtype === 'api_retry');
      expect(retries).toEqual([expect.objectContaining({ error_status: 401, error: 'authentication_failed' })]);
      expect(assistantErrors(result.messages)).toEqual(['authentication_failed']);
      expect(result.result).toMatchObject({
        type: 'result',
        is_error: true,
        api_error_status: 401,
        api_error_type: 'authentication_error',
      });
      expect(result.result!.subtype === 'success' && result.result!.result).toContain('invalid gateway key');
      expect(bench.calls()).toEqual([]);
    },
    TEST_MS,
  );
});

describe('the offline check on the Claude Agent SDK', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('anthropic', CLAUDE_MODELS)));
  afterAll(() => bench.close());

  it(
    "can fail: with Claude Code's offline switches cleared, the deny proxy sees it reach for api.anthropic.com",
    async () => {
      proxy.attempts.length = 0;
      const cleared = Object.fromEntries(Object.keys(CLAUDE_CODE_OFFLINE_ENV).map((name) => [name, '']));
      const result = await runClaudeAgentSdk({
        baseUrl: bench.gateway.url,
        apiKey: CLIENT_KEY,
        model: MODEL,
        prompt: 'Say hello',
        tools: [],
        extraEnv: { ...proxy.env(), ...cleared },
        timeoutMs: CLIENT_HUNG_MS,
      });
      expect(result.timedOut).toBe(false);
      expect(result.result).toMatchObject({ subtype: 'success', is_error: false });
      expect(proxy.attempts).toContainEqual({ kind: 'connect', target: 'api.anthropic.com:443' });
    },
    TEST_MS,
  );
});
