/**
 * The OpenAI Agents SDK, unmodified, with its default model, on the Responses API (its default, not
 * streaming) and on Chat Completions, running a tool-using agent THROUGH the gateway to each kind of
 * upstream. The default model name is an alias to each upstream's model.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAgent } from '../support/clients/agents.js';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import {
  callPath,
  CLIENT_KEY,
  passThroughDifferences,
  startBench,
  UPSTREAM_KINDS,
  type Bench,
} from '../support/clients/responses-bench.js';

/** The SDK's default model (see test/fixtures/clients/agents.function-tool.json). */
const DEFAULT_MODEL = 'gpt-5.6-luna';

let guard: FetchGuard;
beforeAll(() => void (guard = guardFetch()));
afterAll(() => guard.restore());

/** The SDK's default (the Responses API), and Chat Completions (`useResponses: false`). */
const CASES = ([true, false] as const).flatMap((useResponses) =>
  UPSTREAM_KINDS.map((kind) => [useResponses ? 'Responses' : 'Chat Completions', kind, useResponses] as const),
);

describe.each(CASES)('Agents SDK on %s through the gateway to %s', (_api, kind, useResponses) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [DEFAULT_MODEL])));
  afterEach(() => bench.reset());
  afterAll(() => bench.close());

  it('runs a tool-using agent: function call, tool output, final answer', async () => {
    const result = await runAgent({
      baseUrl: bench.baseUrl,
      apiKey: CLIENT_KEY,
      prompt: 'What is the weather in Paris?',
      useResponses,
    });
    expect(result.toolCalls).toEqual([{ city: 'Paris' }]);
    // Claude says a word before calling the tool (the mock does): one more message item first.
    const before = kind === 'anthropic' ? ['message_output_item'] : [];
    expect(result.itemTypes).toEqual([...before, 'tool_call_item', 'tool_call_output_item', 'message_output_item']);
    expect(result.finalOutput).toMatch(new RegExp(`^${kind}: `));
    const quotesToolResults = kind === 'gemini' || (kind === 'openai' && useResponses);
    if (quotesToolResults) expect(result.finalOutput).toContain('sunny in Paris');
    const calls = bench.calls();
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    const chat = !useResponses && (kind === 'openai' || kind === 'chat');
    for (const call of calls) expect(call.path).toMatch(chat ? /^\/v1\/chat\/completions$/ : callPath(kind, false));
    if (kind === 'openai' && useResponses) expect(passThroughDifferences('agents.function-tool', calls)).toEqual([]);
    expect(guard.refused).toEqual([]);
  });
});
