import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@switchyard/core/protocol';
import { withoutReasoningBlocks } from '@switchyard/wire-chat';
import { redacted, signed } from '../../support/reasoning-blocks.js';

describe('withoutReasoningBlocks', () => {
  it('providers that take no reasoning back drop the blocks, naming them once', () => {
    const warnings: string[] = [];
    const messages: ChatMessage[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'A', reasoning_blocks: [signed, redacted] },
    ];
    expect(withoutReasoningBlocks(messages, (w) => warnings.push(w), 'X')).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'A' },
    ]);
    expect(warnings).toEqual([
      'reasoning blocks in the history dropped (X takes none back): thinking (anthropic), redacted_thinking (anthropic)',
    ]);
    expect(withoutReasoningBlocks([messages[0]!], () => undefined, 'X')[0]).toBe(messages[0]);
  });
});
