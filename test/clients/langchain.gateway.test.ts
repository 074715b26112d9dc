/**
 * LangChain JS, unmodified, THROUGH the gateway to each kind of upstream: `ChatOpenAI` on Chat
 * Completions (its default), `ChatOpenAI` on the Responses API (`useResponsesApi`) and
 * `ChatAnthropic` on the Messages API — invoke, stream, a tool round trip and structured output each. Where the
 * caller's protocol is the upstream's, the body the upstream gets is the one the client sends to
 * it directly, field for field. fetch is refused anywhere but loopback (LangChain's tracing and
 * tokenizer downloads included).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import {
  lcInvoke,
  lcStream,
  lcStructured,
  lcToolRoundTrip,
  type LangChainApi,
  type LangChainTarget,
} from '../support/clients/langchain.js';
import {
  CLIENT_KEY,
  startBench,
  UPSTREAM_KEY,
  UPSTREAM_KINDS,
  type Bench,
  type UpstreamKind,
} from '../support/clients/responses-bench.js';

const MODELS: Record<LangChainApi, string> = {
  'chat-completions': 'gpt-4o-mini',
  responses: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
};

/** The path an upstream of `kind` gets a model call from a caller speaking `api` on. */
function upstreamPath(api: LangChainApi, kind: UpstreamKind, stream: boolean): RegExp {
  if (kind === 'anthropic') return /^\/v1\/messages$/;
  if (kind === 'gemini') return stream ? /:streamGenerateContent\?alt=sse$/ : /:generateContent$/;
  return api === 'responses' && kind === 'openai' ? /^\/v1\/responses$/ : /^\/v1\/chat\/completions$/;
}

/** True when the caller's protocol is the upstream's, so the body passes through. */
function passesThrough(api: LangChainApi, kind: UpstreamKind): boolean {
  return (api === 'anthropic' && kind === 'anthropic') || (api !== 'anthropic' && kind === 'openai');
}

// LangSmith tracing stays off whatever the environment says: it would send runs to its service.
process.env.LANGSMITH_TRACING = 'false';
process.env.LANGCHAIN_TRACING_V2 = 'false';

let guard: FetchGuard;
beforeAll(() => void (guard = guardFetch()));
afterAll(() => guard.restore());

const CASES = (['chat-completions', 'responses', 'anthropic'] as const).flatMap((api) =>
  UPSTREAM_KINDS.map((kind) => [api, kind] as const),
);

describe.each(CASES)('LangChain %s through the gateway to %s', (api, kind) => {
  let bench: Bench;
  let target: LangChainTarget;
  beforeAll(async () => {
    bench = await startBench(kind, [MODELS[api]]);
    const baseUrl = api === 'anthropic' ? bench.gateway.url : bench.baseUrl;
    target = { api, baseUrl, apiKey: CLIENT_KEY, model: MODELS[api] };
  });
  afterEach(() => {
    bench.reset();
    expect(guard.refused).toEqual([]);
  });
  afterAll(() => bench.close());

  /** The upstream's own address, for the client alone (no gateway). */
  const direct = (): LangChainTarget => ({
    api,
    baseUrl: kind === 'anthropic' ? bench.anthropic.origin : bench.openai.baseUrl,
    apiKey: UPSTREAM_KEY,
    model: bench.model(MODELS[api]),
  });

  it('invoke', async () => {
    const answer = await lcInvoke(target, 'Say hello');
    expect(answer.text).toBe(`${kind}: Say hello`);
    expect(answer.usage?.input_tokens).toBeGreaterThan(0);
    expect(answer.usage?.output_tokens).toBeGreaterThan(0);
    const calls = bench.calls();
    expect(calls.map((c) => [upstreamPath(api, kind, false).test(c.path), c.status])).toEqual([[true, 200]]);
    if (!passesThrough(api, kind)) return;
    const through = calls[0]!.body;
    bench.reset();
    await lcInvoke(direct(), 'Say hello');
    expect(through).toEqual(bench.calls()[0]!.body);
  });

  it('stream', async () => {
    const answer = await lcStream(target, 'Say hello');
    expect(answer.text).toBe(`${kind}: Say hello`);
    expect(answer.chunks).toBeGreaterThan(1);
    expect(answer.usage?.output_tokens).toBeGreaterThan(0);
    expect(bench.calls().map((c) => [upstreamPath(api, kind, true).test(c.path), c.status])).toEqual([[true, 200]]);
  });

  it('a tool call and the answer to its result', async () => {
    const run = await lcToolRoundTrip(target, 'What is the weather in Paris?');
    expect(run.toolCalls).toEqual([{ city: 'Paris' }]);
    expect(run.text).toMatch(new RegExp(`^${kind}: `));
    // The mocks that answer a tool result by quoting it (the chat mock quotes the last user text).
    if (kind === 'gemini' || upstreamPath(api, kind, false).source.includes('responses'))
      expect(run.text).toContain('sunny in Paris');
    const calls = bench.calls();
    expect(calls.map((c) => [upstreamPath(api, kind, false).test(c.path), c.status])).toEqual([
      [true, 200],
      [true, 200],
    ]);
    if (!passesThrough(api, kind)) return;
    const through = calls.map((c) => c.body);
    bench.reset();
    await lcToolRoundTrip(direct(), 'What is the weather in Paris?');
    const alone = bench.calls().map((c) => c.body);
    // Tool call and item ids are minted per answer; everything else is the client's, field for field.
    const withoutIds = (bodies: unknown[]): string =>
      JSON.stringify(bodies).replace(/:"(call|toolu|fc)_[\w-]+"/g, ':"id"');
    expect(withoutIds(through)).toBe(withoutIds(alone));
  });

  it('structured output', async () => {
    const report = await lcStructured(target, 'Report the weather in Paris.');
    expect(report).toEqual({ city: expect.any(String), sunny: expect.any(Boolean) });
    expect(bench.calls().map((c) => c.status)).toEqual([200]);
  });
});
