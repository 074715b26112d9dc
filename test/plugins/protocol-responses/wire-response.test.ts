import { describe, expect, it } from 'vitest';
import { CompletionAccumulator } from '@switchyard/core/protocol';
import { completionChunks } from '@switchyard/wire-chat';
import type { ChatCompletion } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import {
  decodeResponsesStream,
  fromResponseObject,
  openReasoning,
  ResponsesStreamDecoder,
  ResponsesStreamEncoder,
  toResponseObject,
  visibleResponse,
} from '@switchyard/wire-openai-responses';
import type { ResponseContext, ResponseObject, ResponsesRequest } from '@switchyard/wire-openai-responses';
import { buildResponse, ResponseStore } from '../../support/mock-openai-responses.js';

const context = (request: Partial<ResponsesRequest> = {}, customTools: string[] = []): ResponseContext => ({
  id: 'resp_1',
  createdAt: 1_800_000_000,
  request: { model: 'alias', input: 'x', ...request },
  customTools: new Set(customTools),
});

const completion = (
  message: ChatCompletion['choices'][number]['message'],
  finish: ChatCompletion['choices'][number]['finish_reason'] = 'stop',
): ChatCompletion => ({
  id: 'msg_up',
  object: 'chat.completion',
  created: 1,
  model: 'claude-sonnet-4-5',
  choices: [{ index: 0, message, finish_reason: finish }],
  usage: {
    prompt_tokens: 30,
    completion_tokens: 12,
    total_tokens: 42,
    prompt_tokens_details: { cached_tokens: 20 },
    completion_tokens_details: { reasoning_tokens: 5 },
  },
});

const thinking = { type: 'thinking' as const, text: 'Let me think.', signature: 'c2lnbmF0dXJl', source: 'anthropic' };

/** The stream's events, parsed. */
function parse(sse: string): Array<Record<string, any>> {
  return sse
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      const data = JSON.parse(dataLine!.slice('data: '.length));
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
}

/** Ids aside (minted per item), what a response says. */
function withoutIds(response: ResponseObject): unknown {
  return { ...response, completed_at: 0, output: response.output.map(({ id: _id, ...item }) => item) };
}

describe('canonical → Responses response object', () => {
  it('answers with reasoning (sealed), text and function calls, usage with cached and reasoning tokens', () => {
    const response = toResponseObject(
      completion(
        {
          role: 'assistant',
          content: 'Checking.',
          reasoning_content: 'Let me think.',
          reasoning_blocks: [thinking],
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        'tool_calls',
      ),
      context({ include: ['reasoning.encrypted_content'], tools: [{ type: 'function', name: 'f' }], temperature: 0.5 }),
    );
    expect(response).toMatchObject({
      id: 'resp_1',
      object: 'response',
      created_at: 1_800_000_000,
      status: 'completed',
      model: 'claude-sonnet-4-5',
      temperature: 0.5,
      previous_response_id: null,
      store: true,
    });
    expect(response.output.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call']);
    const [reasoning, message, call] = response.output as Array<Record<string, any>>;
    expect(reasoning).toMatchObject({ type: 'reasoning', summary: [] });
    expect(openReasoning(reasoning!.encrypted_content)).toEqual(thinking);
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Checking.', annotations: [] }],
    });
    expect(call).toMatchObject({
      type: 'function_call',
      call_id: 'call_1',
      name: 'f',
      arguments: '{"a":1}',
      status: 'completed',
    });
    expect(response.usage).toEqual({
      input_tokens: 30,
      input_tokens_details: { cached_tokens: 20 },
      output_tokens: 12,
      output_tokens_details: { reasoning_tokens: 5 },
      total_tokens: 42,
    });
  });

  it('shows reasoning text as a summary only when asked, and encrypted_content only when included', () => {
    const answer = completion({ role: 'assistant', content: 'Hi', reasoning_blocks: [thinking] });
    const summarized = toResponseObject(answer, context({ reasoning: { summary: 'auto' } }));
    expect(summarized.output[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'Let me think.' }] });
    expect(visibleResponse(summarized, undefined).output[0]).not.toHaveProperty('encrypted_content');
    expect(visibleResponse(summarized, ['reasoning.encrypted_content']).output[0]).toHaveProperty('encrypted_content');
  });

  it('reports a cut answer as incomplete and a custom tool’s call as custom_tool_call', () => {
    expect(toResponseObject(completion({ role: 'assistant', content: 'Hal' }, 'length'), context())).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      completed_at: null,
    });
    const custom = toResponseObject(
      completion(
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' } },
          ],
        },
        'tool_calls',
      ),
      context({}, ['apply_patch']),
    );
    expect(custom.output).toEqual([
      {
        id: expect.stringMatching(/^ctc_/),
        type: 'custom_tool_call',
        status: 'completed',
        call_id: 'c',
        name: 'apply_patch',
        input: '*** Begin Patch',
      },
    ]);
  });
});

describe('canonical chunks → Responses stream', () => {
  it('sends OpenAI’s event sequence, numbered from 0, ending with the same response toResponseObject gives', () => {
    const answer = completion(
      {
        role: 'assistant',
        content: 'Checking the weather.',
        reasoning_content: 'Let me think.',
        reasoning_blocks: [thinking],
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      'tool_calls',
    );
    const ctx = context({ reasoning: { summary: 'auto' }, include: ['reasoning.encrypted_content'] });
    const encoder = new ResponsesStreamEncoder(ctx);
    let sse = '';
    for (const chunk of completionChunks(answer, true)) sse += encoder.push(chunk);
    sse += encoder.end();
    const events = parse(sse);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]!.response).toMatchObject({ id: 'resp_1', status: 'in_progress', output: [], usage: null });
    const final = events.at(-1)!.response as ResponseObject;
    expect(withoutIds(final)).toEqual(withoutIds(toResponseObject(answer, ctx)));
    expect(encoder.response).toEqual(final);
    // Item ids and output indexes agree between an item's events.
    expect(events[2]!.item.id).toBe(events[7]!.item.id);
    expect(events[16]).toMatchObject({ output_index: 2, arguments: '{"city":"Paris"}', name: 'get_weather' });
  });

  it('ends a broken stream with response.failed, numbered after the last event', () => {
    const encoder = new ResponsesStreamEncoder(context());
    const sent = parse(encoder.push(completionChunks(completion({ role: 'assistant', content: 'Hel' }), false)[1]!));
    const failed = parse(encoder.failed('upstream stream broke'))[0]!;
    expect(failed).toMatchObject({
      type: 'response.failed',
      sequence_number: sent.length,
      response: { id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'upstream stream broke' } },
    });
  });

  it('answers an empty stream with an empty message, as a response object would', () => {
    const encoder = new ResponsesStreamEncoder(context());
    const events = parse(encoder.end());
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });
});

describe('Responses answers → canonical', () => {
  /** A real-shaped answer and its stream, from the mock OpenAI Responses API. */
  const built = buildResponse(
    {
      model: 'gpt-5.5',
      input: 'weather?',
      include: ['reasoning.encrypted_content'],
      reasoning: { summary: 'auto' },
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      ],
    },
    {
      reasoning: 'Thinking it through.',
      text: 'Let me look.',
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
    },
    'openai',
    3,
    new ResponseStore(),
  );

  it('reads a response object: text, calls, reasoning kept opaque for OpenAI, usage', () => {
    const out = fromResponseObject(built.response as ResponseObject);
    const reasoning = built.response.output[0];
    expect(out.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Let me look.',
        reasoning_content: 'Thinking it through.',
        reasoning_blocks: [
          {
            type: 'encrypted_reasoning',
            id: reasoning.id,
            signature: reasoning.encrypted_content,
            source: 'openai',
            text: 'Thinking it through.',
          },
        ],
        tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
    });
    expect(out.usage).toMatchObject({
      prompt_tokens: built.response.usage.input_tokens,
      completion_tokens: built.response.usage.output_tokens,
    });
  });

  it('reads the stream into the same completion, and hands over the final response object', async () => {
    let final: ResponseObject | undefined;
    async function* events(): AsyncGenerator<SseEvent> {
      for (const e of built.events) yield { event: e.type, data: JSON.stringify(e) };
    }
    const acc = new CompletionAccumulator();
    for await (const chunk of decodeResponsesStream(events(), (r) => (final = r))) acc.push(chunk);
    const fromStream = acc.result();
    const fromBody = fromResponseObject(built.response as ResponseObject);
    expect(fromStream.choices[0]!.message).toEqual(fromBody.choices[0]!.message);
    expect(fromStream.choices[0]!.finish_reason).toBe('tool_calls');
    expect(fromStream.usage).toEqual(fromBody.usage);
    expect(final).toEqual(built.response);
  });

  it('numbers function and custom tool calls in output order, a custom call’s input as its one argument', () => {
    const decoder = new ResponsesStreamDecoder();
    const chunks = [
      { type: 'response.created', response: { id: 'resp_9', model: 'gpt-5.5', created_at: 1 } },
      {
        type: 'response.output_item.added',
        item: { type: 'function_call', id: 'fc_1', call_id: 'c1', name: 'f', arguments: '' },
      },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', delta: '{"a":1}' },
      {
        type: 'response.output_item.done',
        item: { type: 'custom_tool_call', id: 'ct_1', call_id: 'c2', name: 'patch', input: '*** x' },
      },
      { type: 'response.completed', response: { id: 'resp_9', model: 'gpt-5.5', status: 'completed', output: [] } },
    ].flatMap((event) => decoder.push(event));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '' } },
      { index: 0, function: { arguments: '{"a":1}' } },
      { index: 1, id: 'c2', type: 'function', function: { name: 'patch', arguments: '{"input":"*** x"}' } },
    ]);
    expect(decoder.done).toBe(true);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('throws on response.failed and on a stream that ends before its last event', async () => {
    async function* cut(): AsyncGenerator<SseEvent> {
      for (const e of built.events.slice(0, 4)) yield { event: e.type, data: JSON.stringify(e) };
    }
    await expect(async () => {
      for await (const _ of decodeResponsesStream(cut())) void _;
    }).rejects.toThrow('ended before response.completed');
    async function* failed(): AsyncGenerator<SseEvent> {
      yield {
        event: 'response.failed',
        data: JSON.stringify({
          type: 'response.failed',
          sequence_number: 0,
          response: { error: { code: 'server_error', message: 'boom' } },
        }),
      };
    }
    await expect(async () => {
      for await (const _ of decodeResponsesStream(failed())) void _;
    }).rejects.toThrow('server_error: boom');
  });
});
