/**
 * The Vercel AI SDK's Anthropic provider (unmodified, default max_tokens: its own table's limit for
 * the model) through the gateway, by aliases, to an Anthropic, an OpenAI and a Gemini upstream whose
 * models allow fewer output tokens: the gateway fits max_tokens to the target, so the upstream
 * answers instead of refusing. generateText, streamText and a tool round trip each; request counts
 * at the mocks are exact (maxRetries is 0). fetch is refused anywhere but loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { exchangeRecorder, type RecordedAttempt } from '../support/exchange-recorder.js';
import { aiGenerateText, aiGenerateWithTool, aiStreamText, type AiSdkTarget } from '../support/clients/ai-sdk.js';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';

const CALLER_KEY = 'sk-caller-ai-sdk';
let anthropic: MockAnthropic;
let openai: MockOpenAI;
let gemini: MockGemini;
let guard: FetchGuard;
const gateways: Record<string, { gw: RunningGateway; attempts: RecordedAttempt[] }> = {};

/**
 * Per upstream: the model the SDK asks for, its default max_tokens for it, where the alias sends it
 * and that model's limit (the mocks refuse more, as the real APIs do).
 */
const CASES = [
  {
    upstream: 'anthropic',
    model: 'claude-sonnet-4-5',
    asked: 64000,
    target: 'anthropic/claude-3-5-haiku',
    limit: 8192,
  },
  { upstream: 'openai', model: 'claude-sonnet-4-5', asked: 64000, target: 'openai/gpt-4o-mini', limit: 16384 },
  { upstream: 'gemini', model: 'claude-sonnet-4-6', asked: 128000, target: 'gemini/gemini-2.5-flash', limit: 65536 },
] as const;

beforeAll(async () => {
  guard = guardFetch();
  anthropic = await startMockAnthropic({ apiKey: 'sk-ant-up', name: 'anthropic' });
  openai = await startMockOpenAI({ apiKey: 'sk-oai-up', name: 'openai' });
  gemini = await startMockGemini({ apiKey: 'AIza-gem-up', name: 'gemini' });
  const providers = {
    anthropic: {
      name: 'anthropic',
      type: 'anthropic',
      baseUrl: anthropic.baseUrl,
      apiKey: 'sk-ant-up',
      models: ['claude-3-5-haiku'],
    },
    openai: { name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: 'sk-oai-up', models: ['gpt-4o-mini'] },
    gemini: {
      name: 'gemini',
      type: 'gemini',
      baseUrl: gemini.origin,
      apiKey: 'AIza-gem-up',
      models: ['gemini-2.5-flash'],
    },
  };
  for (const c of CASES) {
    const recorder = exchangeRecorder();
    const gw = await startGateway(
      {
        providers: [providers[c.upstream]],
        models: [{ name: c.model, targets: [c.target] }],
        plugins: { auth: { keys: [{ name: 'ai-sdk', key: CALLER_KEY }] } },
      },
      { plugins: [recorder.plugin] },
    );
    gateways[c.upstream] = { gw, attempts: recorder.attempts };
  }
});

afterEach(() => {
  anthropic.reset();
  openai.reset();
  gemini.reset();
  for (const { attempts } of Object.values(gateways)) attempts.length = 0;
  expect(guard.refused).toEqual([]);
});

afterAll(async () => {
  guard.restore();
  for (const { gw } of Object.values(gateways)) await gw.close();
  await Promise.all([anthropic.close(), openai.close(), gemini.close()]);
});

/** The output-token field each upstream received, per model call, and the status it answered. */
const received = {
  anthropic: () =>
    anthropic.requests.filter((r) => r.path.startsWith('/v1/messages')).map((r) => [r.body.max_tokens, r.status]),
  openai: () =>
    openai.requests.filter((r) => r.path.startsWith('/v1/chat/completions')).map((r) => [r.body.max_tokens, r.status]),
  gemini: () =>
    gemini.requests
      .filter((r) => /GenerateContent/i.test(r.path))
      .map((r) => [r.body.generationConfig?.maxOutputTokens, r.status]),
};

/** Only to mean "hung" on a loaded machine. */
const HUNG_MS = 300_000;

describe.each(CASES)(
  'AI SDK Anthropic provider → gateway → $target (asks max_tokens $asked)',
  { timeout: HUNG_MS },
  ({ upstream, model, asked, limit }) => {
    const target = (): AiSdkTarget => ({
      provider: 'anthropic',
      baseUrl: `${gateways[upstream]!.gw.url}/v1`,
      apiKey: CALLER_KEY,
      model,
    });

    it('generateText with the default max_tokens, fitted to the target', async () => {
      const result = await aiGenerateText(target(), 'Say hello');
      expect(result.text).toBe(`${upstream}: Say hello`);
      expect(result.finishReason).toBe('stop');
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(received[upstream]()).toEqual([[limit, 200]]);
      const [attempt] = gateways[upstream]!.attempts;
      expect(attempt!.body.max_tokens).toBe(asked);
      expect(attempt!.warnings).toContain(`max_tokens ${asked} lowered to ${limit}, the most the target model allows`);
    });

    it('streamText', async () => {
      const result = await aiStreamText(target(), 'Say hello');
      expect(result.text).toBe(`${upstream}: Say hello`);
      expect(result.chunks.length).toBeGreaterThan(1);
      expect(received[upstream]()).toEqual([[limit, 200]]);
    });

    it('a tool round trip', async () => {
      const result = await aiGenerateWithTool(target(), 'What is the weather in Paris?');
      expect(result.toolCalls).toEqual([{ city: 'Paris' }]);
      expect(result.steps).toBe(2);
      expect(result.text).toContain(`${upstream}: `);
      expect(received[upstream]()).toEqual([
        [limit, 200],
        [limit, 200],
      ]);
    });
  },
);
