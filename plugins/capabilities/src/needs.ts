import type { ChatRequest } from '@switchyard/core/protocol';
import type { Exchange } from '@switchyard/core';
import { inputTokens } from '@switchyard/plugin-models/contract';
import type { ModelInfo } from '@switchyard/plugin-models/contract';

/** What a chat request needs of the model that serves it. */
export interface RequestNeeds {
  readonly vision: boolean;
  readonly tools: boolean;
  readonly structuredOutput: boolean;
  /** Estimated input tokens (the models plugin's characters / 4 estimate). */
  readonly inputTokens: number;
}

export function chatNeeds(request: ChatRequest, inputTokens: number): RequestNeeds {
  let vision = false;
  for (const message of request.messages) {
    if (Array.isArray(message.content) && message.content.some((p) => p.type === 'image_url' || p.type === 'image')) {
      vision = true;
      break;
    }
  }
  return {
    vision,
    tools: Array.isArray(request.tools) && request.tools.length > 0,
    structuredOutput: request.response_format?.type === 'json_schema',
    inputTokens,
  };
}

/** Why `info` cannot serve `needs`, or undefined. Unknown capabilities never exclude. */
export function unmetNeed(needs: RequestNeeds, info: ModelInfo | undefined): string | undefined {
  if (!info) return undefined;
  if (needs.vision && info.vision === false) return 'vision (image input)';
  if (needs.tools && info.tools === false) return 'tools (function calling)';
  if (needs.structuredOutput && info.structuredOutput === false)
    return 'structured output (response_format json_schema)';
  if (info.contextWindow !== undefined && needs.inputTokens > info.contextWindow) return contextNeed(needs);
  return undefined;
}

/** unmetNeed()'s words for a prompt longer than the model's context window. */
export function contextNeed(needs: RequestNeeds): string {
  return `a context window of ~${needs.inputTokens} input tokens (estimated)`;
}

/** The chat needs of an exchange, or undefined for other operations. */
export function needsOf(x: Exchange): RequestNeeds | undefined {
  return x.operation === 'chat' && x.request ? chatNeeds(x.request, inputTokens(x)) : undefined;
}
