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
import {
  CLIENT_KEY,
  startBench,
  UPSTREAM_KEY,
  type Bench,
  type UpstreamKind,
} from '../support/clients/responses-bench.js';
import { AWS_KEY, bedrockProvider } from '../support/clouds.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockBedrock, type MockBedrock } from '../support/mock-bedrock.js';

const MODEL = 'gpt-5.6-luna';
const Forecast = z.object({ city: z.string(), sunny: z.boolean() });

/** The agent under test: a get_weather tool (each city it is called for kept in `cities`) and a Forecast output. */
function forecaster(settings: { modelSettings?: { toolChoice: 'auto' }; resetToolChoice?: boolean } = {}) {
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
    ...settings,
  });
  return { agent, cities };
}

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
      const { agent, cities } = forecaster();
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

/**
 * The same agent with `modelSettings.toolChoice: 'auto'` (and `resetToolChoice: false`, so every
 * request carries it) THROUGH the gateway to Anthropic and to Claude on Bedrock (Converse). Left at
 * "auto", Claude may answer in prose instead of calling the JSON tool — an answer outside the schema,
 * which the SDK refuses. A caller's "auto" with an output schema means "call a tool of yours, or
 * answer", and the answer is the JSON tool's call: some tool is forced (Anthropic `{type: any}`,
 * Converse `{any: {}}`), the agent's tool stays callable and the answer comes in the schema.
 * Claude is scripted as it behaves: a forced tool is called; free to answer after the weather, it
 * writes prose.
 */
const BEDROCK_CLAUDE = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

type ClaudeWire = 'anthropic' | 'bedrock';

/** What Claude does with a request of either wire: the forced tool, the weather first, then the answer. */
function claudeTurn(wire: ClaudeWire, body: any): { toolCalls?: Array<{ name: string; input: any }>; text?: string } {
  const choice =
    wire === 'anthropic' ? body.tool_choice : body.toolConfig?.toolChoice && Object.keys(body.toolConfig.toolChoice)[0];
  const kind = wire === 'anthropic' ? choice?.type : choice;
  const named = wire === 'anthropic' ? choice?.name : body.toolConfig?.toolChoice?.tool?.name;
  if (kind === 'tool') return { toolCalls: [{ name: named, input: { city: 'Paris', sunny: true } }] };
  const last = body.messages.at(-1);
  const answered =
    Array.isArray(last.content) &&
    last.content.some((b: { type?: string; toolResult?: unknown }) => b.type === 'tool_result' || b.toolResult);
  if (!answered) return { toolCalls: [{ name: 'get_weather', input: { city: 'Paris' } }] };
  if (kind === 'any') return { toolCalls: [{ name: 'json_response', input: { city: 'Paris', sunny: true } }] };
  return { text: 'Yes, it is sunny in Paris today.' };
}

describe.each<[ClaudeWire, boolean]>([
  ['anthropic', false],
  ['anthropic', true],
  ['bedrock', false],
  ['bedrock', true],
])(
  'Agents SDK structured output with toolChoice "auto" and a tool through the gateway to %s (stream: %s)',
  (wire, stream) => {
    let anthropic: MockAnthropic;
    let bedrock: MockBedrock;
    let gateway: RunningGateway;
    beforeAll(async () => {
      anthropic = await startMockAnthropic({ name: 'anthropic', apiKey: UPSTREAM_KEY });
      bedrock = await startMockBedrock({ keys: [AWS_KEY], name: 'bedrock', models: [BEDROCK_CLAUDE] });
      gateway = await startGateway({
        providers: [
          { name: 'anthropic', type: 'anthropic', baseUrl: anthropic.origin, apiKey: UPSTREAM_KEY },
          bedrockProvider('bedrock', bedrock.origin, { models: [BEDROCK_CLAUDE] }),
        ],
        models: [
          {
            name: MODEL,
            targets: [wire === 'anthropic' ? 'anthropic/claude-sonnet-4-5' : `bedrock/${BEDROCK_CLAUDE}`],
          },
        ],
        plugins: { auth: { keys: [{ name: 'client', key: CLIENT_KEY }] } },
      });
    });
    afterEach(() => {
      anthropic.reset();
      bedrock.reset();
    });
    afterAll(async () => {
      await gateway.close();
      await Promise.all([anthropic.close(), bedrock.close()]);
    });

    it('calls its tool, then answers in the schema', async () => {
      anthropic.setAnswerer((body) => claudeTurn('anthropic', body));
      bedrock.setAnswerer((body) => claudeTurn('bedrock', body));
      const { agent, cities } = forecaster({ modelSettings: { toolChoice: 'auto' }, resetToolChoice: false });
      const provider = new OpenAIProvider({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, useResponses: true });
      const runner = new Runner({ modelProvider: provider, tracingDisabled: true });
      try {
        let finalOutput: unknown;
        if (stream) {
          const result = await runner.run(agent, 'Is it sunny in Paris?', { stream: true });
          for await (const _event of result);
          await result.completed;
          if (result.error) throw result.error;
          finalOutput = result.finalOutput;
        } else {
          finalOutput = (await runner.run(agent, 'Is it sunny in Paris?')).finalOutput;
        }
        expect(cities).toEqual(['Paris']);
        expect(finalOutput).toEqual({ city: 'Paris', sunny: true });
      } finally {
        await provider.close();
      }
      if (wire === 'anthropic') {
        const calls = anthropic.requests.filter((r) => r.method === 'POST');
        expect(calls.map((c) => c.status)).toEqual([200, 200]);
        for (const call of calls) {
          expect(call.body.tools.map((t: { name: string }) => t.name)).toEqual(['get_weather', 'json_response']);
          expect(call.body.tool_choice).toEqual({ type: 'any' });
        }
      } else {
        const calls = bedrock.requests;
        expect(calls.map((c) => c.operation)).toEqual(
          stream ? ['converse-stream', 'converse-stream'] : ['converse', 'converse'],
        );
        for (const call of calls) {
          expect(call.body.toolConfig.tools.map((t: any) => t.toolSpec.name)).toEqual(['get_weather', 'json_response']);
          expect(call.body.toolConfig.toolChoice).toEqual({ any: {} });
        }
      }
      expect(guard.refused).toEqual([]);
    });
  },
);
