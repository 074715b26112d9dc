import { exchangeKey } from '@switchyard/core';
import type { Exchange } from '@switchyard/core';
import type { ChatRequest } from '@switchyard/core/protocol';

/** Characters per token assumed by the estimate (English prose averages about 4). */
const CHARS_PER_TOKEN = 4;
/** Flat estimate per image part. */
const IMAGE_TOKENS = 1000;
/** Per-message framing overhead. */
const MESSAGE_TOKENS = 3;

/**
 * An estimate, not a count: characters / 4 over every text, tool definition and tool call,
 * a flat 1000 per image and 3 per message. Good enough to rule out windows far too small.
 */
export function estimateChatTokens(request: ChatRequest): number {
  let chars = 0;
  let extra = 0;
  for (const message of request.messages) {
    extra += MESSAGE_TOKENS;
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text' && typeof (part as { text?: unknown }).text === 'string')
          chars += (part as { text: string }).text.length;
        else if (part.type === 'image_url' || part.type === 'image') extra += IMAGE_TOKENS;
        else chars += JSON.stringify(part).length;
      }
    }
    if (message.role === 'assistant' && message.tool_calls) chars += JSON.stringify(message.tool_calls).length;
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN) + extra);
}

const INPUT_TOKENS = exchangeKey<number>('models:input-tokens');

/** The request's estimated input tokens (estimateChatTokens), computed once per exchange; 0 without a canonical request. */
export function inputTokens(x: Exchange): number {
  let tokens = x.get(INPUT_TOKENS);
  if (tokens === undefined) {
    tokens = x.request ? estimateChatTokens(x.request) : 0;
    x.set(INPUT_TOKENS, tokens);
  }
  return tokens;
}
