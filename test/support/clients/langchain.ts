/**
 * LangChain JS chat models, unmodified, in-process: `ChatOpenAI` (Chat Completions by default,
 * the Responses API with `useResponsesApi`) and `ChatAnthropic` (the Messages API), each against a
 * given base URL — an invoke, a stream, and a tool round trip (the model calls a weather tool, the
 * tool's answer goes back, the model answers), and structured output. No retries, so request counts at the mocks are exact.
 */
import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';

export type LangChainApi = 'chat-completions' | 'responses' | 'anthropic';

export interface LangChainTarget {
  api: LangChainApi;
  /** `chat-completions`, `responses`: the OpenAI base URL (…/v1); `anthropic`: the origin (the SDK adds /v1/messages). */
  baseUrl: string;
  apiKey: string;
  model: string;
}

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
} as const;

export function chatModel(target: LangChainTarget): BaseChatModel {
  if (target.api === 'anthropic')
    return new ChatAnthropic({
      model: target.model,
      apiKey: target.apiKey,
      anthropicApiUrl: target.baseUrl,
      maxRetries: 0,
      maxTokens: 1024,
    });
  return new ChatOpenAI({
    model: target.model,
    apiKey: target.apiKey,
    configuration: { baseURL: target.baseUrl },
    maxRetries: 0,
    useResponsesApi: target.api === 'responses',
  });
}

export interface LangChainAnswer {
  text: string;
  usage: { input_tokens: number; output_tokens: number } | undefined;
}

/** An AIMessage's text, whether its content is a string or a list of blocks. */
function textOf(message: AIMessage | AIMessageChunk): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : ''))
    .join('');
}

export async function lcInvoke(target: LangChainTarget, prompt: string): Promise<LangChainAnswer> {
  const answer = await chatModel(target).invoke(prompt);
  return { text: textOf(answer), usage: answer.usage_metadata };
}

export async function lcStream(target: LangChainTarget, prompt: string): Promise<LangChainAnswer & { chunks: number }> {
  let whole: AIMessageChunk | undefined;
  let chunks = 0;
  for await (const chunk of await chatModel(target).stream(prompt)) {
    chunks++;
    whole = whole ? whole.concat(chunk) : chunk;
  }
  if (!whole) throw new Error('the stream gave no chunk');
  return { text: textOf(whole), usage: whole.usage_metadata, chunks };
}

export interface LangChainToolRun {
  toolCalls: Array<Record<string, unknown>>;
  text: string;
}

/** The model asks for the weather tool; its result goes back as a ToolMessage; the model answers. */
export async function lcToolRoundTrip(target: LangChainTarget, prompt: string): Promise<LangChainToolRun> {
  const model = chatModel(target);
  if (!model.bindTools) throw new Error('this chat model takes no tools');
  const withTools = model.bindTools([WEATHER_TOOL]);
  const question = new HumanMessage(prompt);
  const call = (await withTools.invoke([question])) as AIMessage;
  const toolCalls = call.tool_calls ?? [];
  const results = toolCalls.map(
    (c) => new ToolMessage({ tool_call_id: c.id!, content: `It is sunny in ${String(c.args.city)}.` }),
  );
  const answer = (await withTools.invoke([question, call, ...results])) as AIMessage;
  return { toolCalls: toolCalls.map((c) => c.args), text: textOf(answer) };
}

/** `withStructuredOutput` with LangChain's default method for the model: an object of the schema's shape. */
export async function lcStructured(target: LangChainTarget, prompt: string): Promise<unknown> {
  const schema = z.object({ city: z.string(), sunny: z.boolean() });
  return chatModel(target).withStructuredOutput(schema, { name: 'weather_report' }).invoke(prompt);
}
