import { MODEL_INFO, targetOutputTokens } from '@switchyard/plugin-models/contract';
import type { ChatMessage, ChatRequest } from '@switchyard/core/protocol';
import type { Exchange, Gateway } from '@switchyard/core';
import {
  fitReasoningFields,
  fitWebSearch,
  hasReasoningFields,
  withoutLiveSearch,
  withoutReasoningBlocks,
} from '@switchyard/wire-chat';

/** The output-token fields of a chat body, newest first. */
const OUTPUT_FIELDS = ['max_completion_tokens', 'max_tokens'] as const;

/**
 * A chat body ready for the target, changed only where it must be: output tokens fitted to the
 * model, no reasoning blocks (Chat Completions takes none back), and the fields the model takes
 * (the model table says whether it reasons): no `reasoning_effort` for a model that does not,
 * `max_completion_tokens` and default sampling for one that does (see fitReasoningFields) — so a body
 * written for one target of an alias is served by the others. For requests converted from another
 * protocol, also no reasoning text in the history (Chat Completions has no field to take it back).
 */
export function chatBodyFor(
  body: ChatRequest,
  x: Exchange,
  gateway: Pick<Gateway, 'config' | 'contract'>,
): ChatRequest {
  const warn = (m: string): void => x.warn(m);
  delete body.reasoning_summary; // Switchyard's; a Chat upstream returns what reasoning it shows unasked
  delete body.max_web_searches; // Switchyard's; a Chat search model searches once
  withoutLiveSearch(body as ChatRequest & { search_parameters?: unknown }, warn);
  for (const field of OUTPUT_FIELDS) {
    const asked = body[field];
    if (typeof asked !== 'number') continue;
    const fitted = targetOutputTokens(gateway, x, asked, field);
    if (fitted !== asked) body[field] = fitted;
  }
  if (Array.isArray(body.messages))
    body.messages = withoutReasoningBlocks(body.messages, warn, 'OpenAI Chat Completions');
  fitReasoningFieldsOf(body, x, gateway);
  fitWebSearch(body, x.target!.model, x.protocol !== 'openai', warn);
  if (x.protocol === 'openai') return body;
  if (body.messages.some((m) => m.role === 'assistant' && m.reasoning_content !== undefined)) {
    body.messages = body.messages.map((m) =>
      m.role === 'assistant' && m.reasoning_content !== undefined ? withoutReasoningText(m) : m,
    );
    warn('reasoning in the history dropped (Chat Completions cannot take it back)');
  }
  return body;
}

/** `reasoning_effort`, the output-token field and sampling fields as the target model takes them, when the model table knows whether it reasons. */
function fitReasoningFieldsOf(body: ChatRequest, x: Exchange, gateway: Pick<Gateway, 'contract'>): void {
  if (!hasReasoningFields(body)) return;
  const reasoning = gateway.contract(MODEL_INFO)?.forTarget(x.target!)?.reasoning;
  fitReasoningFields(body, x.target!.model, reasoning, (m) => x.warn(m), x.protocol === 'openai');
}

function withoutReasoningText(message: ChatMessage): ChatMessage {
  const { reasoning_content: _text, ...rest } = message as ChatMessage & { reasoning_content?: unknown };
  return rest as ChatMessage;
}
