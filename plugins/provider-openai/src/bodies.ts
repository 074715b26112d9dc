import type { ChatMessage, ChatRequest } from '@switchyard/core';
import { isSealed } from '@switchyard/wire-openai-responses';
import type { ResponsesItem } from '@switchyard/wire-openai-responses';

/** Fits an output-token limit to the target model (core's fitOutputTokens, bound to one attempt). */
export type Fit = (asked: number | undefined, field: string) => number | undefined;

/**
 * A Responses caller's body for an upstream serving the Responses API: as sent, with the target's
 * model, `max_output_tokens` fitted to it, and reasoning items another provider made (which OpenAI
 * cannot read) left out.
 */
export function responsesBody(source: Record<string, unknown>, model: string, fit: Fit, warn: (m: string) => void): Record<string, unknown> {
  const body: Record<string, unknown> = { ...source, model };
  if (typeof body.max_output_tokens === 'number') body.max_output_tokens = fit(body.max_output_tokens, 'max_output_tokens');
  if (Array.isArray(body.input)) {
    const input = body.input as ResponsesItem[];
    const kept = input.filter((item) => !(item.type === 'reasoning' && isSealed(item.encrypted_content)));
    if (kept.length !== input.length) {
      body.input = kept;
      warn('reasoning items another provider made dropped (OpenAI reads only its own encrypted reasoning)');
    }
  }
  return body;
}

/**
 * A chat body: the canonical request with the target's model and output tokens fitted. A request
 * converted from another protocol (`converted`) loses the reasoning blocks canonical form keeps:
 * Chat Completions has no field to send them back in.
 */
export function chatBody(source: ChatRequest, model: string, converted: boolean, fit: Fit, warn: (m: string) => void): ChatRequest {
  const body: ChatRequest = { ...source, model };
  for (const field of ['max_completion_tokens', 'max_tokens'] as const) {
    const asked = body[field];
    if (typeof asked === 'number') body[field] = fit(asked, field) ?? asked;
  }
  if (converted && body.messages.some((m) => m.role === 'assistant' && (m.reasoning_blocks !== undefined || m.reasoning_content !== undefined))) {
    body.messages = body.messages.map(withoutReasoning);
    warn('reasoning in the history dropped (Chat Completions cannot take it back)');
  }
  return body;
}

function withoutReasoning(message: ChatMessage): ChatMessage {
  if (message.role !== 'assistant') return message;
  const { reasoning_blocks: _blocks, reasoning_content: _text, ...rest } = message;
  return rest as ChatMessage;
}
