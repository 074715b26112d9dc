import type { ChatMessage } from '@switchyard/core/protocol';

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
