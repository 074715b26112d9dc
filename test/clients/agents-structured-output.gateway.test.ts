/**
 * The OpenAI Agents SDK, unmodified, on the Responses API: an agent with a function tool AND an
 * `outputType` (a zod schema: the request carries `text.format: json_schema` beside the tool, no
 * tool_choice) THROUGH the gateway to Anthropic and a Chat-Completions-only server. The agent must
 * still be able to call its tool before it answers in the schema: through Anthropic the JSON tool
 * is offered beside the agent's with `tool_choice: {type: any}` (forcing the JSON tool alone would
 * answer at once, the agent's tool never called). The Anthropic answerer does what the API does
 * with a forced tool_choice: it calls the tool it is forced to.
 */
import { Agent, OpenAIProvider, Runner, tool } from '@openai/agents';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import { CLIENT_KEY, startBench, type Bench, type UpstreamKind } from '../support/clients/responses-bench.js';

const MODEL = 'gpt-5.6-luna';
const Forecast = z.object({ city: z.string(), sunny: z.boolean() });

let guard: FetchGuard;
beforeAll(() => void (guard = guardFetch()));
afterAll(() => guard.restore());

/** Claude: the forced tool if one is named; else the weather first, then the answer through the JSON tool. */
function scriptClaude(bench: Bench): void {
  bench.anthropic.setAnswerer((body) => {
    const choice = body.tool_choice;
    if (choice?.type === 'tool') return { toolCalls: [{ name: choice.name, input: { city: 'Paris', sunny: false } }] };
    const last = body.messages.at(-1);
    const answered =
      Array.isArray(last.content) && last.content.some((b: { type: string }) => b.type === 'tool_result');
    return answered
      ? { toolCalls: [{ name: 'json_response', input: { city: 'Paris', sunny: true } }] }
      : { toolCalls: [{ name: 'get_weather', input: { city: 'Paris' } }] };
  });
}

/** The Chat server: the weather first, then its JSON answer to the schema. */
function scriptChat(bench: Bench): void {
  bench.openai.setAnswerer((body) =>
    body.messages?.at(-1)?.role === 'tool'
      ? undefined
      : { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
  );
}

describe.each<UpstreamKind>(['anthropic', 'chat'])(
  'Agents SDK structured output with a tool through the gateway to %s',
  (kind) => {
    let bench: Bench;
    beforeAll(async () => void (bench = await startBench(kind, [MODEL])));
    afterEach(() => bench.reset());
    afterAll(() => bench.close());

    it('calls its tool, then answers in the schema', async () => {
      if (kind === 'anthropic') scriptClaude(bench);
      else scriptChat(bench);
      const cities: string[] = [];
      const getWeather = tool({
        name: 'get_weather',
        description: 'The current weather in a city.',
        parameters: z.object({ city: z.string() }),
        execute: async ({ city }) => {
          cities.push(city);
          return `It is sunny in ${city}.`;
        },
      });
      const agent = new Agent({
        name: 'Forecaster',
        instructions: 'Look the weather up, then answer.',
        model: MODEL,
        tools: [getWeather],
        outputType: Forecast,
      });
      const provider = new OpenAIProvider({ apiKey: CLIENT_KEY, baseURL: bench.baseUrl, useResponses: true });
      try {
        const result = await new Runner({ modelProvider: provider, tracingDisabled: true }).run(
          agent,
          'Is it sunny in Paris?',
        );
        expect(cities).toEqual(['Paris']);
        expect(result.finalOutput).toEqual({ city: 'Paris', sunny: expect.any(Boolean) });
        expect(result.newItems.map((i) => i.type)).toEqual([
          'tool_call_item',
          'tool_call_output_item',
          'message_output_item',
        ]);
      } finally {
        await provider.close();
      }
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      if (kind === 'anthropic') {
        for (const call of calls) {
          expect(call.body.tools.map((t: { name: string }) => t.name)).toEqual(['get_weather', 'json_response']);
          expect(call.body.tool_choice).toEqual({ type: 'any' });
        }
      }
      expect(guard.refused).toEqual([]);
    });
  },
);
