/**
 * The Vercel AI SDK (`ai`, unmodified) with its OpenAI provider (default: the Responses API) and
 * its Anthropic provider (default max_tokens: the model's output limit), in-process, against
 * given base URLs: a generateText call, a streamText call, and a tool-using generateText.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import { z } from 'zod';

export interface AiSdkTarget {
  /**
   * `openai`: the default OpenAI provider (the Responses API), `openai-chat`: its Chat Completions
   * model (`.chat()`), base URL including /v1; `anthropic`: base URL including /v1 (the provider adds /messages).
   */
  provider: 'openai' | 'openai-chat' | 'anthropic';
  baseUrl: string;
  apiKey: string;
  model: string;
}

export function languageModel(target: AiSdkTarget): LanguageModel {
  if (target.provider === 'openai')
    return createOpenAI({ baseURL: target.baseUrl, apiKey: target.apiKey })(target.model);
  if (target.provider === 'openai-chat')
    return createOpenAI({ baseURL: target.baseUrl, apiKey: target.apiKey }).chat(target.model);
  return createAnthropic({ baseURL: target.baseUrl, apiKey: target.apiKey })(target.model);
}

export interface AiSdkText {
  text: string;
  finishReason: string;
  usage: { inputTokens?: number; outputTokens?: number };
}

export async function aiGenerateText(target: AiSdkTarget, prompt: string): Promise<AiSdkText> {
  const result = await generateText({ model: languageModel(target), prompt, maxRetries: 0 });
  return { text: result.text, finishReason: result.finishReason, usage: result.usage };
}

export async function aiStreamText(target: AiSdkTarget, prompt: string): Promise<AiSdkText & { chunks: string[] }> {
  const chunks: string[] = [];
  let failure: unknown;
  const result = streamText({
    model: languageModel(target),
    prompt,
    maxRetries: 0,
    onError: ({ error }) => void (failure = error),
  });
  for await (const chunk of result.textStream) chunks.push(chunk);
  if (failure) throw failure;
  return { text: await result.text, finishReason: await result.finishReason, usage: await result.usage, chunks };
}

export interface AiSdkToolRun extends AiSdkText {
  toolCalls: Array<{ city: string }>;
  steps: number;
}

/** A weather tool the model calls, then a final answer (up to 3 steps). */
export async function aiGenerateWithTool(target: AiSdkTarget, prompt: string): Promise<AiSdkToolRun> {
  const toolCalls: Array<{ city: string }> = [];
  const result = await generateText({
    model: languageModel(target),
    prompt,
    maxRetries: 0,
    stopWhen: stepCountIs(3),
    tools: {
      get_weather: tool({
        description: 'The current weather in a city.',
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => {
          toolCalls.push({ city });
          return `It is sunny in ${city}.`;
        },
      }),
    },
  });
  return {
    text: result.text,
    finishReason: result.finishReason,
    usage: result.usage,
    toolCalls,
    steps: result.steps.length,
  };
}
