import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '@switchyard/core';
import type { ChatCompletionChunk, StreamObservation } from '@switchyard/core/protocol';
import { anthropicCodec, estimateInputTokens } from '@switchyard/protocol-anthropic';
import { RATE_LIMITED } from '@switchyard/plugin-rate-limit';
import { anthropicToCanonical, AnthropicStreamEncoder, canonicalToAnthropicMessage } from '@switchyard/wire-anthropic';
import type { AnthropicMessagesRequest } from '@switchyard/wire-anthropic';
import { testExchange } from '../../support/exchange.js';

const req = (extra: Partial<AnthropicMessagesRequest>): AnthropicMessagesRequest => ({
  model: 'm',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe('anthropicToCanonical', () => {
  it('converts system, sampling, stop sequences, metadata and streaming', () => {
    const { request, warnings } = anthropicToCanonical(
      req({
        system: [
          { type: 'text', text: 'A' },
          { type: 'text', text: 'B' },
        ],
        temperature: 0.3,
        top_p: 0.9,
        stop_sequences: ['x'],
        metadata: { user_id: 'u' },
        stream: true,
      }),
    );
    expect(request).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'A\nB' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      top_p: 0.9,
      stop: ['x'],
      user: 'u',
    });
    expect(warnings).toEqual([]);
  });

  it('converts tool_use history, tool results first, images and tool_choice forms', () => {
    const { request } = anthropicToCanonical(
      req({
        tools: [{ name: 'f', description: 'd', input_schema: { type: 'object' } }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'QQ==' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'ok' },
              { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'next' },
              { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'R' }] },
            ],
          },
        ],
      }),
    );
    expect(request.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,QQ==' } },
        ],
      },
      {
        role: 'assistant',
        content: 'ok',
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      },
      { role: 'tool', tool_call_id: 't1', content: 'R' },
      { role: 'user', content: 'next' },
    ]);
    expect(request.tools).toEqual([
      { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } },
    ]);
    expect(request.tool_choice).toBe('required');
    expect(request.parallel_tool_calls).toBe(false);
    expect(
      anthropicToCanonical(req({ tools: [{ name: 'f' }], tool_choice: { type: 'tool', name: 'f' } })).request
        .tool_choice,
    ).toEqual({ type: 'function', function: { name: 'f' } });
  });

  it('drops malformed blocks with a warning instead of failing', () => {
    const { request, warnings } = anthropicToCanonical(
      req({ messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'ok' }] as never }] }),
    );
    expect(request.messages).toEqual([{ role: 'user', content: 'ok' }]);
    expect(warnings).toEqual(['image content blocks dropped (no equivalent upstream)']);
  });

  it('names what it drops or approximates', () => {
    const { warnings, request } = anthropicToCanonical(
      req({
        top_k: 5,
        thinking: { type: 'enabled', budget_tokens: 4000 },
        tools: [{ name: 'code_execution', type: 'code_execution_20250825' }],
        system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }],
      }),
    );
    expect(request.reasoning_effort).toBe('medium');
    expect(request.tools).toBeUndefined();
    expect(warnings).toEqual(
      expect.arrayContaining([
        'top_k dropped (no equivalent upstream)',
        'thinking.budget_tokens approximated as reasoning_effort medium',
        'server tool code_execution (code_execution_20250825) dropped (only Anthropic upstreams run it)',
        'cache_control dropped (upstream has no prompt caching markers)',
      ]),
    );
  });

  it('turns the web search server tool into web_search_options (user_location kept, max_uses as max_web_searches, what has no Chat field named)', () => {
    const { warnings, request } = anthropicToCanonical(
      req({
        tools: [
          {
            name: 'web_search',
            type: 'web_search_20250305',
            max_uses: 3,
            allowed_domains: ['example.com'],
            user_location: { type: 'approximate', city: 'Paris', country: 'FR', timezone: 'Europe/Paris' },
          },
        ],
      }),
    );
    expect(request.tools).toBeUndefined();
    expect(request.web_search_options).toEqual({
      user_location: { type: 'approximate', approximate: { city: 'Paris', country: 'FR', timezone: 'Europe/Paris' } },
    });
    expect(request.max_web_searches).toBe(3);
    expect(warnings).toEqual([
      "server tool web_search (web_search_20250305): allowed_domains dropped (the upstream's own search has no equivalent)",
    ]);
  });

  it('marks a request whose caller shows thinking (on, not display omitted) as reasoning_summary', () => {
    const shows = (thinking: unknown) =>
      anthropicToCanonical(req({ thinking } as Partial<AnthropicMessagesRequest>)).request.reasoning_summary;
    expect(shows({ type: 'enabled', budget_tokens: 4000 })).toBe(true);
    expect(shows({ type: 'adaptive', display: 'updates' })).toBe(true);
    expect(shows({ type: 'adaptive', display: 'summarized' })).toBe(true);
    expect(shows({ type: 'adaptive', display: 'omitted' })).toBeUndefined();
    expect(shows({ type: 'disabled' })).toBeUndefined();
    expect(shows(undefined)).toBeUndefined();
  });
});

const chunk = (
  delta: ChatCompletionChunk['choices'][0]['delta'],
  finish: ChatCompletionChunk['choices'][0]['finish_reason'] = null,
): ChatCompletionChunk => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'gpt-x',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const parse = (sse: string) =>
  [...sse.matchAll(/^event: (\w+)\ndata: (.*)\n\n/gm)].map((m) => ({
    event: m[1]!,
    data: JSON.parse(m[2]!) as Record<string, any>,
  }));

describe('AnthropicStreamEncoder', () => {
  it('emits the exact Anthropic event order for text followed by two tool calls', () => {
    const encoder = new AnthropicStreamEncoder('gpt-x');
    let sse = '';
    for (const c of [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      {
        ...chunk({}),
        choices: [],
        usage: {
          prompt_tokens: 50,
          completion_tokens: 7,
          total_tokens: 57,
          prompt_tokens_details: { cached_tokens: 20 },
        },
      },
    ])
      sse += encoder.push(c);
    sse += encoder.end();
    const events = parse(sse);
    expect(sse.split('\n\n').filter(Boolean)).toHaveLength(events.length);
    expect(
      events.map((e) =>
        e.event === 'content_block_delta'
          ? `${e.data.index}:${e.data.delta.type}`
          : e.data.index === undefined
            ? e.event
            : `${e.data.index}:${e.event}`,
      ),
    ).toEqual([
      'message_start',
      '0:content_block_start',
      '0:text_delta',
      '0:text_delta',
      '0:content_block_stop',
      '1:content_block_start',
      '1:input_json_delta',
      '1:input_json_delta',
      '1:content_block_stop',
      '2:content_block_start',
      '2:input_json_delta',
      '2:content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]!.data.message).toMatchObject({
      id: 'msg_chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-x',
      content: [],
      stop_reason: null,
    });
    expect(events[5]!.data.content_block).toEqual({ type: 'tool_use', id: 'call_1', name: 'f', input: {} });
    expect(events.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 30, output_tokens: 7, cache_read_input_tokens: 20 },
    });
  });

  it('closes a stream that had no chunks with a valid empty message', () => {
    const events = parse(new AnthropicStreamEncoder('m').end());
    expect(events.map((e) => e.event)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });
});

describe('anthropicCodec', () => {
  it('writes Anthropic error bodies and stream error events', () => {
    const notFound = new SwitchyardError('SWITCHYARD_ERR_MODEL_NOT_FOUND', 'no such model');
    expect(anthropicCodec.errorBody(notFound)).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'no such model' },
    });
    expect(anthropicCodec.errorBody(new SwitchyardError(RATE_LIMITED, 'slow'))).toMatchObject({
      error: { type: 'rate_limit_error' },
    });
    expect(anthropicCodec.errorBody(new SwitchyardError('SWITCHYARD_ERR_BODY_TOO_LARGE', 'big'))).toMatchObject({
      error: { type: 'request_too_large' },
    });
    expect(
      anthropicCodec.errorBody(new SwitchyardError('SWITCHYARD_ERR_INTERNAL', 'secret', { expose: false })),
    ).toEqual({ type: 'error', error: { type: 'api_error', message: 'internal gateway error' } });
    expect(
      anthropicCodec.streamError(new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'broke', { expose: true })),
    ).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"broke"}}\n\n');
  });

  it('observes pass-through streams: usage from message_start and message_delta, done at message_stop, errors', () => {
    const obs: StreamObservation = { events: 0, done: false };
    anthropicCodec.observe(
      {
        event: 'message_start',
        data: JSON.stringify({
          type: 'message_start',
          message: { usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } },
        }),
      },
      obs,
    );
    anthropicCodec.observe({ event: 'ping', data: '{"type":"ping"}' }, obs);
    anthropicCodec.observe(
      {
        event: 'message_delta',
        data: JSON.stringify({ type: 'message_delta', delta: {}, usage: { output_tokens: 9 } }),
      },
      obs,
    );
    expect(obs.done).toBe(false);
    anthropicCodec.observe({ event: 'message_stop', data: '{"type":"message_stop"}' }, obs);
    expect(obs).toMatchObject({
      events: 4,
      done: true,
      usage: { prompt_tokens: 15, completion_tokens: 9, total_tokens: 24, prompt_tokens_details: { cached_tokens: 5 } },
    });
    const broken: StreamObservation = { events: 0, done: false };
    anthropicCodec.observe(
      { event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' },
      broken,
    );
    expect(broken.error).toBe('Overloaded');
  });

  it('reads usage from a message and encodes a canonical completion as a message', () => {
    expect(
      anthropicCodec.usageOf(
        Buffer.from(JSON.stringify({ usage: { input_tokens: 3, output_tokens: 4 } })),
        testExchange(),
      ),
    ).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    const message = canonicalToAnthropicMessage(
      {
        id: 'c1',
        object: 'chat.completion',
        created: 0,
        model: 'gpt-x',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'hi',
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
            },
            finish_reason: 'length',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      },
      'gpt-x',
    );
    expect(message).toEqual({
      id: 'msg_c1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-x',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'max_tokens',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 2 },
    });
  });

  it('estimates count_tokens as characters / 4 plus per-message and per-image costs', () => {
    expect(estimateInputTokens(req({ messages: [{ role: 'user', content: 'abcd'.repeat(10) }] }))).toBe(13);
    expect(
      estimateInputTokens(
        req({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }] }),
      ),
    ).toBe(1603);
  });
});
