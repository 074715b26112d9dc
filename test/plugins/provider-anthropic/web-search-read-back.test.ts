import { describe, expect, it } from 'vitest';
import { fromMessagesResponse, MessagesStreamDecoder } from '@switchyard/wire-anthropic';

/** An Anthropic upstream's own web search blocks, read back as the canonical web_search_calls. */
const use = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'switchyard' } };
const result = {
  type: 'web_search_tool_result',
  tool_use_id: 'srvtoolu_1',
  content: [
    { type: 'web_search_result', url: 'https://a.example/', title: 'A', encrypted_content: 'x', page_age: null },
  ],
};

describe('Anthropic web search blocks → web_search_calls', () => {
  it('an answer: each search with its query and pages; no warning for them, one for another server tool', () => {
    const warnings: string[] = [];
    const completion = fromMessagesResponse(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [
          use,
          result,
          { type: 'server_tool_use', id: 'srvtoolu_2', name: 'web_search', input: { query: 'again' } },
          {
            type: 'web_search_tool_result',
            tool_use_id: 'srvtoolu_2',
            content: { type: 'web_search_tool_result_error', error_code: 'unavailable' },
          },
          { type: 'server_tool_use', id: 'srvtoolu_3', name: 'web_fetch', input: { url: 'https://a.example/' } },
          { type: 'text', text: 'found' },
        ],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1, server_tool_use: { web_search_requests: 2 } },
      } as never,
      undefined,
      (m) => warnings.push(m),
    );
    expect(completion.choices[0]!.message.web_search_calls).toEqual([
      { query: 'switchyard', results: [{ url: 'https://a.example/', title: 'A' }] },
      { query: 'again', results: [] },
    ]);
    expect(completion.choices[0]!.message.content).toBe('found');
    expect(warnings).toEqual(['server_tool_use response blocks dropped (no OpenAI equivalent)']);
  });

  it('a stream: the query streamed as input_json_delta, the search one chunk at its result block', () => {
    const decoder = new MessagesStreamDecoder(false);
    const events = [
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'm',
          content: [],
          usage: { input_tokens: 1, output_tokens: 0 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { ...use, input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"query": "switch' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: 'yard"}' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: result },
      { type: 'content_block_stop', index: 1 },
    ];
    const deltas = events.flatMap((e) => decoder.push(e as never)).map((c) => c.choices[0]?.delta);
    expect(deltas.filter((d) => d && 'web_search_calls' in d)).toEqual([
      { web_search_calls: [{ query: 'switchyard', results: [{ url: 'https://a.example/', title: 'A' }] }] },
    ]);
    expect(deltas.some((d) => d?.tool_calls)).toBe(false);
  });
});
