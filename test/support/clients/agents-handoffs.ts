/**
 * Multi-agent runs of `@openai/agents` (unmodified SDK, tracing off) against a given OpenAI base URL:
 * a triage agent that hands off to a weather specialist (`handoffs`: the SDK offers a
 * `transfer_to_Weather_agent` function tool with an empty object schema), or an orchestrator that
 * calls the specialist as a tool (`asTool`: a nested run, its answer the tool's output). The
 * specialist has one function tool, `get_weather`. Streaming or not.
 */
import { Agent, OpenAIProvider, Runner, tool } from '@openai/agents';
import { z } from 'zod';

export type Delegation = 'handoff' | 'asTool';

export interface MultiAgentRun {
  /** OpenAI base URL including /v1. */
  baseUrl: string;
  apiKey: string;
  model: string;
  /** The specialist's model, when it runs on another than the front agent's. */
  specialistModel?: string;
  delegation: Delegation;
  stream: boolean;
  /** @default true: the Responses API (the SDK's default) */
  useResponses?: boolean;
  prompt?: string;
}

export interface MultiAgentResult {
  finalOutput: string | undefined;
  /** The agent that gave the final answer. */
  lastAgent: string;
  /** get_weather's calls: the city asked about, in order. */
  weatherCalls: string[];
  /** Item types of the outer run (handoff_call_item, handoff_output_item, tool_call_item, …). */
  itemTypes: string[];
  /** Text deltas the stream delivered (0 when not streaming). */
  textDeltas: number;
}

/** The specialist's name; the SDK names its handoff tool `transfer_to_Weather_agent`. */
export const SPECIALIST = 'Weather agent';
export const HANDOFF_TOOL = 'transfer_to_Weather_agent';
export const AGENT_TOOL = 'ask_weather_agent';

export async function runMultiAgent(run: MultiAgentRun): Promise<MultiAgentResult> {
  const weatherCalls: string[] = [];
  const getWeather = tool({
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      weatherCalls.push(city);
      return `It is sunny in ${city}.`;
    },
  });
  const specialist = new Agent({
    name: SPECIALIST,
    instructions: 'Answer weather questions with the get_weather tool.',
    handoffDescription: 'Knows the weather.',
    model: run.specialistModel ?? run.model,
    tools: [getWeather],
  });
  const front =
    run.delegation === 'handoff'
      ? new Agent({
          name: 'Triage agent',
          instructions: 'Hand weather questions to the Weather agent.',
          model: run.model,
          handoffs: [specialist],
        })
      : new Agent({
          name: 'Orchestrator',
          instructions: 'Ask the weather agent about the weather, then answer.',
          model: run.model,
          tools: [specialist.asTool({ toolName: AGENT_TOOL, toolDescription: 'Asks the weather agent.' })],
        });
  const provider = new OpenAIProvider({
    apiKey: run.apiKey,
    baseURL: run.baseUrl,
    useResponses: run.useResponses ?? true,
  });
  const runner = new Runner({ modelProvider: provider, tracingDisabled: true });
  const prompt = run.prompt ?? 'What is the weather in Paris?';
  try {
    if (!run.stream) {
      const result = await runner.run(front, prompt);
      return {
        finalOutput: typeof result.finalOutput === 'string' ? result.finalOutput : undefined,
        lastAgent: result.lastAgent?.name ?? '',
        weatherCalls,
        itemTypes: result.newItems.map((item) => item.type),
        textDeltas: 0,
      };
    }
    const result = await runner.run(front, prompt, { stream: true });
    let textDeltas = 0;
    for await (const event of result) {
      if (event.type === 'raw_model_stream_event' && event.data.type === 'output_text_delta') textDeltas++;
    }
    await result.completed;
    if (result.error) throw result.error;
    return {
      finalOutput: typeof result.finalOutput === 'string' ? result.finalOutput : undefined,
      lastAgent: result.lastAgent?.name ?? '',
      weatherCalls,
      itemTypes: result.newItems.map((item) => item.type),
      textDeltas,
    };
  } finally {
    await provider.close();
  }
}
