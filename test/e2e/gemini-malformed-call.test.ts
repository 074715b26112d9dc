/**
 * Gemini's MALFORMED_FUNCTION_CALL (a 200 whose candidate has no content): a failed attempt, not
 * an empty answer. The next target of an alias serves the request; with none left the caller gets
 * the upstream error in its protocol, naming the reason — JSON and streaming alike.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mockProvider, startGateway, type RunningGateway } from '../support/gateway.js';
import { geminiProvider } from '../support/gemini.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';

const MALFORMED = 'Malformed function call: get_weather(city=';
let gemini: MockGemini;
let openai: MockOpenAI;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  gemini = await startMockGemini({ apiKey: 'AIza-upstream-secret-g-0123456789', name: 'g' });
  openai = await startMockOpenAI({ name: 'o' });
  gw = await startGateway({
    plugins: { 'circuit-breaker': false },
    providers: [geminiProvider('g', gemini.origin), mockProvider('o', openai.baseUrl, { models: ['gpt-4o-mini'] })],
    models: [{ name: 'weather', targets: ['g/gemini-2.5-flash', 'o/gpt-4o-mini'] }],
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
});
afterEach(() => {
  gemini.reset();
  openai.reset();
});
afterAll(async () => {
  await gw.close();
  await Promise.all([gemini.close(), openai.close()]);
});

const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } },
];
const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];

describe('Gemini MALFORMED_FUNCTION_CALL', () => {
  it.each([false, true])('fails the attempt, so the next target answers (stream: %s)', async (stream) => {
    gemini.setAnswerer(() => ({ malformedFunctionCall: MALFORMED }));
    const answer = stream
      ? await (async () => {
          const names: string[] = [];
          for await (const chunk of await client.chat.completions.create({ model: 'weather', messages, tools, stream }))
            for (const call of chunk.choices[0]?.delta.tool_calls ?? [])
              if (call.function?.name) names.push(call.function.name);
          return names;
        })()
      : (
          await client.chat.completions.create({ model: 'weather', messages, tools })
        ).choices[0]!.message.tool_calls!.map((c) => (c as { function: { name: string } }).function.name);
    expect(answer).toEqual(['get_weather']);
    expect(gemini.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(openai.requests).toHaveLength(1);
  });

  it('answers 502 naming the reason when no target is left', async () => {
    gemini.setAnswerer(() => ({ malformedFunctionCall: MALFORMED }));
    const failed = await client.chat.completions
      .create({ model: 'g/gemini-2.5-flash', messages, tools })
      .catch((err: unknown) => err as OpenAI.APIError);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as OpenAI.APIError).status).toBe(502);
    expect((failed as OpenAI.APIError).message).toContain('MALFORMED_FUNCTION_CALL');
  });
});
