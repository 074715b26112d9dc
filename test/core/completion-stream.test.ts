import { describe, expect, it } from 'vitest';
import { CompletionAccumulator } from '@switchyard/core/protocol';
import { completionChunks } from '@switchyard/wire-chat';
import type { ChatCompletion } from '@switchyard/core/protocol';

const completion: ChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1700000000,
  model: 'm',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'think',
        reasoning_blocks: [{ type: 'thinking', text: 'think', signature: 'sig==', source: 'anthropic' }],
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
          { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } },
};

describe('completion ↔ chunks', () => {
  it('replays a completion as chunks that accumulate back to it', () => {
    const chunks = completionChunks(completion, true);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: completion.usage });
    const acc = new CompletionAccumulator();
    for (const chunk of chunks) acc.push(chunk);
    expect(acc.result()).toEqual(completion);
  });

  it('leaves usage out unless asked, and merges split deltas and tool-call arguments', () => {
    expect(completionChunks(completion, false).some((c) => 'usage' in c)).toBe(false);
    const acc = new CompletionAccumulator();
    const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model: 'm' };
    acc.push({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] });
    acc.push({ ...base, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] });
    acc.push({
      ...base,
      choices: [
        {
          index: 0,
          delta: {
            tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } }],
          },
          finish_reason: null,
        },
      ],
    });
    acc.push({
      ...base,
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: ':2}' } }] },
          finish_reason: 'tool_calls',
        },
      ],
    });
    expect(acc.result().choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: 'Hello',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":2}' } }],
      },
      finish_reason: 'tool_calls',
    });
  });
});
