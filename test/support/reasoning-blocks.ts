import type { ReasoningBlock } from '@switchyard/core/protocol';

/** An Anthropic thinking block and a redacted one, as a canonical assistant message carries them back. */
export const signed: ReasoningBlock = {
  type: 'thinking',
  text: 'Let me think.',
  signature: 'c2lnbmF0dXJl',
  source: 'anthropic',
};
export const redacted: ReasoningBlock = { type: 'redacted_thinking', signature: 'ZW5jcnlwdGVk', source: 'anthropic' };
