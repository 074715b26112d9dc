/**
 * Runs an `@openai/agents` agent (unmodified SDK, its default model unless one is given) with one
 * function tool against a given OpenAI base URL, in-process, tracing off (its exporter would
 * otherwise post traces to OpenAI).
 */
import { Agent, OpenAIProvider, Runner, tool } from '@openai/agents';
import { z } from 'zod';

export interface AgentRun {
  /** OpenAI base URL including /v1. */
  baseUrl: string;
  apiKey: string;
  prompt: string;
  /** The agent's model; the SDK's default when omitted. */
  model?: string;
  /** @default true: the Responses API (the SDK's default) */
  useResponses?: boolean;
}

export interface AgentResult {
  finalOutput: string | undefined;
  /** The function tool's calls: the city it was asked about, in order. */
  toolCalls: Array<{ city: string }>;
  /** Item types the run produced (message_output_item, tool_call_item, tool_call_output_item, reasoning_item). */
  itemTypes: string[];
}

export async function runAgent(run: AgentRun): Promise<AgentResult> {
  const toolCalls: Array<{ city: string }> = [];
  const getWeather = tool({
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      toolCalls.push({ city });
      return `It is sunny in ${city}.`;
    },
  });
  const agent = new Agent({
    name: 'Weather agent',
    instructions: 'Answer weather questions with the get_weather tool.',
    tools: [getWeather],
    ...(run.model ? { model: run.model } : {}),
  });
  const provider = new OpenAIProvider({
    apiKey: run.apiKey,
    baseURL: run.baseUrl,
    useResponses: run.useResponses ?? true,
  });
  const runner = new Runner({ modelProvider: provider, tracingDisabled: true });
  try {
    const result = await runner.run(agent, run.prompt);
    return {
      finalOutput: typeof result.finalOutput === 'string' ? result.finalOutput : undefined,
      toolCalls,
      itemTypes: result.newItems.map((item) => item.type),
    };
  } finally {
    await provider.close();
  }
}
