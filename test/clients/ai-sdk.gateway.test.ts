/**
 * The Vercel AI SDK's default OpenAI provider (the Responses API), unmodified: generateText,
 * streamText and a tool round trip THROUGH the gateway to each kind of upstream.
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
} from '../support/clients/responses-bench.js';

const MODEL = 'gpt-4o-mini';

let guard: FetchGuard;
beforeAll(() => void (guard = guardFetch()));
afterAll(() => guard.restore());

describe.each(UPSTREAM_KINDS)('AI SDK OpenAI provider through the gateway to %s', (kind) => {
  let bench: Bench;
  let target: AiSdkTarget;
  beforeAll(async () => {
    bench = await startBench(kind, [MODEL]);
    target = { provider: 'openai', baseUrl: bench.baseUrl, apiKey: CLIENT_KEY, model: MODEL };
  });
  afterEach(() => {
    bench.reset();
    expect(guard.refused).toEqual([]);
  });
  afterAll(() => bench.close());

  it('generateText', async () => {
    const result = await aiGenerateText(target, 'Say hello');
    expect(result).toMatchObject({ text: `${kind}: Say hello`, finishReason: 'stop' });
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(bench.calls().map((c) => [c.path.match(callPath(kind, false)) !== null, c.status])).toEqual([[true, 200]]);
    if (kind === 'openai') expect(passThroughDifferences('ai-sdk.openai.generate-text', bench.calls())).toEqual([]);
  });

  it('streamText', async () => {
    const result = await aiStreamText(target, 'Say hello');
    expect(result.text).toBe(`${kind}: Say hello`);
    expect(result.finishReason).toBe('stop');
    expect(result.chunks.length).toBeGreaterThan(1);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(bench.calls().map((c) => [c.path.match(callPath(kind, true)) !== null, c.status])).toEqual([[true, 200]]);
    if (kind === 'openai') expect(passThroughDifferences('ai-sdk.openai.stream-text', bench.calls())).toEqual([]);
  });

  it('a tool call and the answer to its result', async () => {
    const result = await aiGenerateWithTool(target, 'What is the weather in Paris?');
    expect(result.toolCalls).toEqual([{ city: 'Paris' }]);
    expect(result.steps).toBe(2);
    expect(result.text).toMatch(new RegExp(`^${kind}: `));
    if (kind === 'openai' || kind === 'gemini') expect(result.text).toContain('sunny in Paris');
    expect(bench.calls().map((c) => c.status)).toEqual([200, 200]);
    if (kind === 'openai') expect(passThroughDifferences('ai-sdk.openai.tool', bench.calls())).toEqual([]);
  });
});

/** Chat Completions reach an OpenAI upstream as sent (pass-through); other kinds get them converted. */
const chatPath = (kind: string, stream: boolean): RegExp =>
  kind === 'openai' || kind === 'chat' ? /^\/v1\/chat\/completions$/ : callPath(kind as never, stream);

describe.each(UPSTREAM_KINDS)(
  'AI SDK OpenAI provider’s Chat Completions model (.chat) through the gateway to %s',
  (kind) => {
    let bench: Bench;
    let target: AiSdkTarget;
    beforeAll(async () => {
      bench = await startBench(kind, [MODEL]);
      target = { provider: 'openai-chat', baseUrl: bench.baseUrl, apiKey: CLIENT_KEY, model: MODEL };
    });
    afterEach(() => {
      bench.reset();
      expect(guard.refused).toEqual([]);
    });
    afterAll(() => bench.close());

    it('generateText', async () => {
      const result = await aiGenerateText(target, 'Say hello');
      expect(result).toMatchObject({ text: `${kind}: Say hello`, finishReason: 'stop' });
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(bench.calls().map((c) => [chatPath(kind, false).test(c.path), c.status])).toEqual([[true, 200]]);
    });

    it('streamText, with its usage', async () => {
      const result = await aiStreamText(target, 'Say hello');
      expect(result.text).toBe(`${kind}: Say hello`);
      expect(result.finishReason).toBe('stop');
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(bench.calls().map((c) => [chatPath(kind, true).test(c.path), c.status])).toEqual([[true, 200]]);
    });

    it('a tool call and the answer to its result', async () => {
      const result = await aiGenerateWithTool(target, 'What is the weather in Paris?');
      expect(result.toolCalls).toEqual([{ city: 'Paris' }]);
      expect(result.steps).toBe(2);
      expect(result.text).toMatch(new RegExp(`^${kind}: `));
      expect(bench.calls().map((c) => c.status)).toEqual([200, 200]);
    });
  },
);
