import type { ChatMessage, ChatRequest } from '@switchyard/core/protocol';

/**
 * The messages without `reasoning_blocks` (a Switchyard field), for an upstream that takes no
 * reasoning back, each kind named once in a warning. The same array when none had any.
 */
export function withoutReasoningBlocks(
  messages: ChatMessage[],
  warn: (message: string) => void,
  upstream: string,
): ChatMessage[] {
  if (!messages.some((m) => m.role === 'assistant' && m.reasoning_blocks !== undefined)) return messages;
  const kinds = new Set<string>();
  const out = messages.map((m) => {
    if (m.role !== 'assistant' || m.reasoning_blocks === undefined) return m;
    const { reasoning_blocks: blocks, ...rest } = m;
    for (const block of blocks ?? []) kinds.add(block.source ? `${block.type} (${block.source})` : block.type);
    return rest as ChatMessage;
  });
  if (kinds.size)
    warn(`reasoning blocks in the history dropped (${upstream} takes none back): ${[...kinds].join(', ')}`);
  return out;
}

/**
 * A chat body's reasoning fields as the target model takes them, when the model table says
 * whether it reasons: no `reasoning_effort` for a model that does not, `max_completion_tokens`
 * for one that does (OpenAI's reasoning models refuse `max_tokens`). `renameNamed`: say so of the
 * rename too (an OpenAI caller wrote `max_tokens` itself; for a converted request it is the conversion).
 */
export function fitReasoningFields(
  body: ChatRequest,
  model: string,
  reasoning: boolean | undefined,
  warn: (message: string) => void,
  renameNamed: boolean,
): void {
  if (reasoning === false && body.reasoning_effort != null) {
    warn(`reasoning_effort ${body.reasoning_effort} dropped (${model} does not reason)`);
    delete body.reasoning_effort;
  }
  if (reasoning === true && body.max_tokens != null) {
    if (renameNamed) warn(`max_tokens sent as max_completion_tokens (${model} takes no max_tokens)`);
    body.max_completion_tokens ??= body.max_tokens;
    delete body.max_tokens;
  }
}
