import { describe, expect, it } from 'vitest';
import { usageSlice } from '@switchyard/wire-chat';

const slice = (value: unknown, raw?: string) => usageSlice(Buffer.from(raw ?? JSON.stringify(value)));

describe('usageSlice', () => {
  it('finds the top-level usage of OpenAI and Anthropic answers without parsing the rest', () => {
    const openai = {
      id: 'c1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'the word "usage": {x} inside text' } }],
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } },
      system_fingerprint: 'fp',
    };
    expect(slice(openai)).toEqual({ usage: openai.usage });
    const anthropic = {
      id: 'msg_1',
      content: [{ type: 'tool_use', id: 't', name: 'report', input: { usage: { note: 'not it' } } }],
      usage: { input_tokens: 9, output_tokens: 2, cache_read_input_tokens: 100 },
    };
    expect(slice(anthropic)).toEqual({ usage: anthropic.usage });
    expect(
      slice(
        undefined,
        '{ "id": "x",\n  "usage" :\n {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}\n}',
      ),
    ).toEqual({ usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  });

  it('hands back undefined, for a full parse, when the last "usage" is not the answer\'s usage', () => {
    // usage first, then a raw tool input carrying its own "usage" key
    expect(
      slice({
        usage: { input_tokens: 5, output_tokens: 1 },
        content: [{ type: 'tool_use', input: { usage: { note: 'x' } } }],
      }),
    ).toBeUndefined();
    expect(slice({ id: 'no usage here' })).toBeUndefined();
    expect(slice(undefined, '{"usage": {"prompt_tokens": 1, "completion_tok')).toBeUndefined();
    expect(slice({ usage: null })).toBeUndefined();
    expect(slice({ usage: { prompt_tokens: 1, note: 'a } brace "in" a string' } })).toEqual({
      usage: { prompt_tokens: 1, note: 'a } brace "in" a string' },
    });
  });
});
