/**
 * The OpenAI Agents SDK (default model, Responses API) against the strict mock OpenAI Responses
 * API, directly: a tool-using agent round trip, with fetch refused anywhere but loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { runAgent } from '../support/clients/agents.js';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import { checkFixture } from '../support/clients/fixtures.js';

const KEY = 'sk-test-agents';
let mock: MockOpenAI;
let guard: FetchGuard;

beforeAll(async () => {
  mock = await startMockOpenAI({ apiKey: KEY, name: 'openai' });
  guard = guardFetch();
});
afterEach(() => mock.reset());
afterAll(async () => {
  guard.restore();
  await mock.close();
});

describe('OpenAI Agents SDK against the mock OpenAI Responses API', () => {
  it('runs a tool-using agent with its default model: function call, tool output, final answer', async () => {
    const result = await runAgent({ baseUrl: mock.baseUrl, apiKey: KEY, prompt: 'What is the weather in Paris?' });
    expect(result.toolCalls).toEqual([{ city: 'Paris' }]);
    expect(result.finalOutput).toBe('openai: It is sunny in Paris.');
    expect(result.itemTypes).toEqual(['tool_call_item', 'tool_call_output_item', 'message_output_item']);
    const calls = mock.requests.filter((r) => r.path === '/v1/responses');
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    expect(calls[0]!.body.model).toMatch(/^gpt-/);
    expect(calls[1]!.body.input.slice(-2).map((i: any) => i.type)).toEqual(['function_call', 'function_call_output']);
    expect(guard.refused).toEqual([]);
    expect(checkFixture('agents.function-tool', calls)).toEqual([]);
  });
});
