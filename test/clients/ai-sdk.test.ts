/**
 * The Vercel AI SDK against the strict mocks, directly: its default OpenAI provider (the Responses
 * API) with generateText, streamText and a tool; its Anthropic provider with its default
 * max_tokens. fetch is refused anywhere but loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { aiGenerateText, aiGenerateWithTool, aiStreamText, type AiSdkTarget } from '../support/clients/ai-sdk.js';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import { checkFixture } from '../support/clients/fixtures.js';

const KEY = 'sk-test-ai-sdk';
let openai: MockOpenAI;
let anthropic: MockAnthropic;
let guard: FetchGuard;

beforeAll(async () => {
  openai = await startMockOpenAI({ apiKey: KEY, name: 'openai' });
  anthropic = await startMockAnthropic({ apiKey: KEY, name: 'anthropic' });
  guard = guardFetch();
});
afterEach(() => {
  openai.reset();
  anthropic.reset();
  expect(guard.refused).toEqual([]);
});
afterAll(async () => {
  guard.restore();
  await openai.close();
  await anthropic.close();
});

const openaiTarget = (): AiSdkTarget => ({
  provider: 'openai',
  baseUrl: openai.baseUrl,
  apiKey: KEY,
  model: 'gpt-4o-mini',
});
const anthropicTarget = (model = 'claude-sonnet-4-5'): AiSdkTarget => ({
  provider: 'anthropic',
  baseUrl: `${anthropic.origin}/v1`,
  apiKey: KEY,
  model,
});

describe('AI SDK OpenAI provider (default: Responses API) against the mock OpenAI', () => {
  it('generateText', async () => {
    const result = await aiGenerateText(openaiTarget(), 'Say hello');
    expect(result).toMatchObject({ text: 'openai: Say hello', finishReason: 'stop' });
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(openai.requests.map((r) => [r.path, r.status])).toEqual([['/v1/responses', 200]]);
    expect(checkFixture('ai-sdk.openai.generate-text', openai.requests)).toEqual([]);
  });

  it('streamText', async () => {
    const result = await aiStreamText(openaiTarget(), 'Say hello');
    expect(result.text).toBe('openai: Say hello');
    expect(result.chunks.length).toBeGreaterThan(1);
    expect(openai.requests[0]!.body.stream).toBe(true);
    expect(openai.requests.map((r) => r.status)).toEqual([200]);
    expect(checkFixture('ai-sdk.openai.stream-text', openai.requests)).toEqual([]);
  });

  it('a tool call and the answer to its result', async () => {
    const result = await aiGenerateWithTool(openaiTarget(), 'What is the weather in Paris?');
    expect(result.toolCalls).toEqual([{ city: 'Paris' }]);
    expect(result.text).toBe('openai: It is sunny in Paris.');
    expect(result.steps).toBe(2);
    expect(openai.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(checkFixture('ai-sdk.openai.tool', openai.requests)).toEqual([]);
  });
});

describe('AI SDK Anthropic provider against the mock Anthropic', () => {
  it('generateText with the default max_tokens (the model’s output limit)', async () => {
    const result = await aiGenerateText(anthropicTarget(), 'Say hello');
    expect(result.text).toBe('anthropic: Say hello');
    const sent = anthropic.requests.filter((r) => r.path.startsWith('/v1/messages'));
    expect(sent.map((r) => r.status)).toEqual([200]);
    expect(sent[0]!.body.max_tokens).toBe(64000);
    expect(checkFixture('ai-sdk.anthropic.generate-text', sent)).toEqual([]);
  });

  it('streamText and a tool round trip', async () => {
    expect((await aiStreamText(anthropicTarget(), 'Say hello')).text).toBe('anthropic: Say hello');
    const tool = await aiGenerateWithTool(anthropicTarget(), 'What is the weather in Paris?');
    expect(tool.toolCalls).toEqual([{ city: 'Paris' }]);
    expect(tool.text).toContain('anthropic: ');
    expect(anthropic.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(checkFixture('ai-sdk.anthropic.stream-and-tool', anthropic.requests)).toEqual([]);
  });
});
