import { describe, expect, it } from 'vitest';
import {
  classifyError,
  finishReasonOf,
  fromMessagesResponse,
  MessagesStreamDecoder,
} from '@switchyard/provider-anthropic';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { AnthropicMessage, AnthropicStreamEvent } from '@switchyard/wire-anthropic';

const message = (content: AnthropicMessage['content'], stop: string = 'end_turn'): AnthropicMessage => ({
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content,
  stop_reason: stop,
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 30, cache_creation_input_tokens: 2 },
});

describe('fromMessagesResponse', () => {
  it('joins text, keeps thinking as reasoning_content and whole blocks, and maps usage with cached tokens', () => {
    const out = fromMessagesResponse(
      message([
        { type: 'thinking', thinking: 'hmm', signature: 's' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Hello ' },
        { type: 'text', text: 'world' },
      ]),
    );
    expect(out.choices[0]!.message.reasoning_blocks).toEqual([
      { type: 'thinking', text: 'hmm', signature: 's', source: 'anthropic' },
      { type: 'redacted_thinking', signature: 'opaque', source: 'anthropic' },
    ]);
    expect(out).toMatchObject({
      id: 'msg_01',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello world', reasoning_content: 'hmm' },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 42,
        completion_tokens: 5,
        total_tokens: 47,
        prompt_tokens_details: { cached_tokens: 30 },
      },
    });
  });

  it('turns tool_use blocks into tool_calls with JSON-string arguments', () => {
    const out = fromMessagesResponse(
      message([{ type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: [1] } }], 'tool_use'),
    );
    expect(out.choices[0]).toMatchObject({
      message: {
        content: null,
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":[1]}' } }],
      },
      finish_reason: 'tool_calls',
    });
  });

  it('returns the forced JSON tool input as content with finish_reason stop', () => {
    const out = fromMessagesResponse(
      message([{ type: 'tool_use', id: 't', name: 'json_response', input: { x: 1 } }], 'tool_use'),
      'json_response',
    );
    expect(out.choices[0]).toMatchObject({ message: { content: '{"x":1}' }, finish_reason: 'stop' });
    expect(out.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it('maps every stop_reason', () => {
    expect(
      ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'refusal', 'pause_turn', null].map((s) =>
        finishReasonOf(s),
      ),
    ).toEqual(['stop', 'stop', 'length', 'tool_calls', 'content_filter', 'stop', null]);
  });

  it('names dropped server-tool blocks (web search is read back, see web-search-read-back.test.ts) and refuses a non-message body', () => {
    const warnings: string[] = [];
    fromMessagesResponse(
      message([
        { type: 'server_tool_use', id: 's', name: 'web_fetch', input: {} },
        { type: 'text', text: 'x' },
      ]),
      undefined,
      (w) => warnings.push(w),
    );
    expect(warnings).toEqual(['server_tool_use response blocks dropped (no OpenAI equivalent)']);
    expect(() => fromMessagesResponse({ type: 'error' } as never)).toThrow();
  });

  it('keeps search citations as url_citation annotations, names document ones dropped, counts thinking tokens as reasoning tokens', () => {
    const warnings: string[] = [];
    const cited = { type: 'web_search_result_location', url: 'https://example.com', title: 'T', cited_text: 'c' };
    const page = {
      type: 'page_location',
      document_index: 0,
      start_page_number: 1,
      end_page_number: 2,
      cited_text: 'p',
    };
    const out = fromMessagesResponse(
      {
        ...message([
          { type: 'text', text: 'Intro. ' },
          { type: 'text', text: 'Two eclipses.', citations: [cited] },
          { type: 'text', text: ' From the file.', citations: [page] },
        ]),
        usage: { input_tokens: 10, output_tokens: 50, output_tokens_details: { thinking_tokens: 30 } },
      },
      undefined,
      (w) => warnings.push(w),
    );
    expect(out.choices[0]!.message.content).toBe('Intro. Two eclipses. From the file.');
    expect(out.choices[0]!.message.annotations).toEqual([
      { type: 'url_citation', url_citation: { url: 'https://example.com', title: 'T', start_index: 7, end_index: 20 } },
    ]);
    expect(warnings).toEqual(['citations of documents dropped (the answer text is kept without them)']);
    expect(out.usage).toMatchObject({ completion_tokens: 50, completion_tokens_details: { reasoning_tokens: 30 } });
  });
});

/** A recorded stream: thinking, text, two tool_use blocks (as the API sends them). */
const recorded: AnthropicStreamEvent[] = [
  {
    type: 'message_start',
    message: {
      ...message([]),
      stop_reason: null,
      usage: { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 8 },
    },
  },
  { type: 'ping' },
  { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Checking.' } },
  { type: 'content_block_stop', index: 1 },
  { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_a', name: 'f', input: {} } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
  { type: 'content_block_stop', index: 2 },
  { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_b', name: 'g', input: {} } },
  { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{}' } },
  { type: 'content_block_stop', index: 3 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 40 } },
  { type: 'message_stop' },
];

const run = (decoder: MessagesStreamDecoder, events: AnthropicStreamEvent[]): ChatCompletionChunk[] =>
  events.flatMap((e) => decoder.push(e));

describe('MessagesStreamDecoder', () => {
  it('turns a recorded stream into OpenAI chunks with stable tool indexes and a usage chunk', () => {
    const decoder = new MessagesStreamDecoder(true);
    const chunks = run(decoder, recorded);
    expect(decoder.done).toBe(true);
    const deltas = chunks.map((c) => c.choices[0]?.delta ?? null);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'Let me ' },
      // The whole block once it ended, with its signature, to be sent back byte for byte.
      { reasoning_blocks: [{ type: 'thinking', text: 'Let me ', signature: 'sig', source: 'anthropic' }] },
      { content: 'Checking.' },
      { tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'g', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      {},
      null,
    ]);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 20,
        completion_tokens: 40,
        total_tokens: 60,
        prompt_tokens_details: { cached_tokens: 8 },
      },
    });
    expect(chunks.every((c) => c.id === 'msg_01' && c.object === 'chat.completion.chunk')).toBe(true);
  });

  it('sends no usage chunk unless asked, and turns the forced JSON tool into content', () => {
    const decoder = new MessagesStreamDecoder(false, 'f');
    const chunks = run(decoder, recorded);
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
    expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('Checking.{"city":"Paris"}');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls'); // g is still a real tool call
  });

  it('throws on an error event', () => {
    const decoder = new MessagesStreamDecoder(false);
    decoder.push(recorded[0]!);
    expect(() => decoder.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toThrow(
      'Overloaded',
    );
  });
});

describe('classifyError', () => {
  it('treats 529 and overloaded_error as failures, 429 as rate limited, other 4xx as business errors, keeping message and type', () => {
    const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });
    expect(classifyError(529, body('overloaded_error', 'Overloaded'))).toMatchObject({
      outcome: 'failure',
      type: 'overloaded_error',
      message: 'Overloaded',
    });
    expect(classifyError(429, body('rate_limit_error', 'slow down'))).toMatchObject({
      outcome: 'rate_limited',
      message: 'slow down',
    });
    expect(classifyError(400, body('invalid_request_error', 'bad'))).toMatchObject({
      outcome: 'business_error',
      type: 'invalid_request_error',
      message: 'bad',
    });
    expect(classifyError(403, body('permission_error', 'no access'))).toMatchObject({
      outcome: 'business_error',
      type: 'permission_error',
    });
    expect(classifyError(500, 'oops')).toMatchObject({ outcome: 'failure', message: 'oops' });
  });
});
