/**
 * Anthropic thinking blocks ↔ canonical reasoning blocks. A signed thinking block (or a redacted
 * one) becomes a ReasoningBlock with `source: "anthropic"` and its signature (redacted: its
 * `data`) as the opaque `signature`, string for string, so that it can go back on the next turn
 * exactly as the API issued it. Pure: no Koa, no tapable.
 */
import type { ReasoningBlock } from '@switchyard/core/protocol';
import type { AnthropicContentBlock } from './types.js';

/** The `source` of reasoning blocks Anthropic's Messages API made (the API itself, Claude on Bedrock or Vertex AI). */
export const ANTHROPIC_REASONING = 'anthropic';

/** A thinking or redacted_thinking block → a reasoning block; undefined for other blocks. A thinking block without a signature (not made by Anthropic) has no source. */
export function reasoningBlockOf(block: AnthropicContentBlock): ReasoningBlock | undefined {
  if (block.type === 'thinking') {
    const signature = typeof block.signature === 'string' ? block.signature : '';
    const text = typeof block.thinking === 'string' ? block.thinking : '';
    return signature ? { type: 'thinking', text, signature, source: ANTHROPIC_REASONING } : { type: 'thinking', text };
  }
  if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
    return { type: 'redacted_thinking', signature: block.data, source: ANTHROPIC_REASONING };
  }
  return undefined;
}

/** True when a reasoning block can go back to an Anthropic upstream as it came. */
export function isAnthropicReasoning(block: ReasoningBlock): boolean {
  return (
    block.source === ANTHROPIC_REASONING &&
    typeof block.signature === 'string' &&
    block.signature !== '' &&
    (block.type === 'thinking' || block.type === 'redacted_thinking')
  );
}

/** A reasoning block Anthropic made → the content block to send back (signature untouched). */
export function thinkingBlockOf(block: ReasoningBlock): AnthropicContentBlock {
  if (block.type === 'redacted_thinking') return { type: 'redacted_thinking', data: block.signature ?? '' };
  return { type: 'thinking', thinking: block.text ?? '', signature: block.signature ?? '' };
}
