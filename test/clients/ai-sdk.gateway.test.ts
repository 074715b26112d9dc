/**
 * The Vercel AI SDK's OpenAI provider, unmodified, on the Responses API (its default) and on Chat
 * Completions (`.chat()`): generateText, streamText and a tool round trip THROUGH the gateway to each
 * kind of upstream.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aiGenerateText, aiGenerateWithTool, aiStreamText, type AiSdkTarget } from '../support/clients/ai-sdk.js';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import {
  callPath,
  CLIENT_KEY,
  passThroughDifferences,
  startBench,
  UPSTREAM_KINDS,
  type Bench,
  type UpstreamKind,
} from '../support/clients/responses-bench.js';

const MODEL = 'gpt-4o-mini';

let guard: FetchGuard;
beforeAll(() => void (guard = guardFetch()));
afterAll(() => guard.restore());

/** The default model speaks the Responses API, `.chat()` Chat Completions. */
const CASES = (['openai', 'openai-chat'] as const).flatMap((provider) =>
  UPSTREAM_KINDS.map(
    (kind) => [provider === 'openai' ? 'Responses' : 'Chat Completions (.chat)', kind, provider] as const,
  ),
);

/** The path a model call reaches the upstream on: Chat Completions reach OpenAI and chat servers as they are. */
function upstreamPath(provider: 'openai' | 'openai-chat', kind: UpstreamKind, stream: boolean): RegExp {
  if (provider === 'openai-chat' && (kind === 'openai' || kind === 'chat')) return /^\/v1\/chat\/completions$/;
  return callPath(kind, stream);
}

describe.each(CASES)('AI SDK OpenAI provider on %s through the gateway to %s', (_api, kind, provider) => {
  let bench: Bench;
  let target: AiSdkTarget;
  beforeAll(async () => {
    bench = await startBench(kind, [MODEL]);
    target = { provider, baseUrl: bench.baseUrl, apiKey: CLIENT_KEY, model: MODEL };
  });
  afterEach(() => {
    bench.reset();
    expect(guard.refused).toEqual([]);
  });
  afterAll(() => bench.close());
  /** The Responses API to OpenAI passes the body through: compare it with the client's own (the recorded fixture). */
  const passesThrough = provider === 'openai' && kind === 'openai';

  it('generateText', async () => {
    const result = await aiGenerateText(target, 'Say hello');
    expect(result).toMatchObject({ text: `${kind}: Say hello`, finishReason: 'stop' });
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    const calls = bench.calls();
    expect(calls.map((c) => [upstreamPath(provider, kind, false).test(c.path), c.status])).toEqual([[true, 200]]);
    if (passesThrough) expect(passThroughDifferences('ai-sdk.openai.generate-text', calls)).toEqual([]);
  });

  it('streamText, with its usage', async () => {
    const result = await aiStreamText(target, 'Say hello');
    expect(result.text).toBe(`${kind}: Say hello`);
    expect(result.finishReason).toBe('stop');
    expect(result.chunks.length).toBeGreaterThan(1);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    const calls = bench.calls();
    expect(calls.map((c) => [upstreamPath(provider, kind, true).test(c.path), c.status])).toEqual([[true, 200]]);
    if (passesThrough) expect(passThroughDifferences('ai-sdk.openai.stream-text', calls)).toEqual([]);
  });

  it('a tool call and the answer to its result', async () => {
    const result = await aiGenerateWithTool(target, 'What is the weather in Paris?');
    expect(result.toolCalls).toEqual([{ city: 'Paris' }]);
    expect(result.steps).toBe(2);
    expect(result.text).toMatch(new RegExp(`^${kind}: `));
    // The mocks that answer a tool result by quoting it (the chat mock quotes the last user text).
    if (kind === 'gemini' || (kind === 'openai' && provider === 'openai'))
      expect(result.text).toContain('sunny in Paris');
    expect(bench.calls().map((c) => c.status)).toEqual([200, 200]);
    if (passesThrough) expect(passThroughDifferences('ai-sdk.openai.tool', bench.calls())).toEqual([]);
  });
});
