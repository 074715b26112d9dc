import { CONTEXT_LENGTH_EXCEEDED } from '@switchyard/core';
import type { PromptTooLong } from '@switchyard/core';
import { defaultClassifyError } from '@switchyard/core/provider';
import type { UpstreamErrorInfo } from '@switchyard/core/provider';

// Chat Completions: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens…"
const CHAT_SENTENCE = /maximum context length is (\d+) tokens\.? However, your messages resulted in ~?(\d+) tokens/i;
// The Responses API, without numbers: "Your input exceeds the context window of this model. …"
const RESPONSES_SENTENCE = /exceeds the context window/i;

/**
 * What an OpenAI error (Chat Completions, the Responses API, a compatible server) says of a prompt
 * too long for the model: its code `context_length_exceeded` or its sentence; undefined when it says something else.
 */
export function openAITooLong(message: string, code?: unknown): PromptTooLong | undefined {
  const m = CHAT_SENTENCE.exec(message);
  if (m) return { tokens: Number(m[2]), maximum: Number(m[1]) };
  return code === CONTEXT_LENGTH_EXCEEDED || RESPONSES_SENTENCE.test(message) ? {} : undefined;
}

/** An OpenAI-shaped error response read as core does (defaultClassifyError), a prompt too long for the model recognised. */
export function classifyOpenAIError(status: number, body: string): UpstreamErrorInfo {
  return withTooLong(defaultClassifyError(status, body), openAITooLong);
}

/** `info` with `tooLong` set when it is a business error whose message (and code) `recognise` reads as a prompt too long. */
export function withTooLong(
  info: UpstreamErrorInfo,
  recognise: (message: string, code?: string) => PromptTooLong | undefined,
): UpstreamErrorInfo {
  const tooLong = info.outcome === 'business_error' ? recognise(info.message, info.code) : undefined;
  if (tooLong) info.tooLong = tooLong;
  return info;
}
