import { describe, expect, it } from 'vitest';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { ChatCompletionChunk, ChatRequest } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import {
  classifyBedrockError,
  decodeConverseStream,
  fromConverse,
  isAnthropicModel,
  protocolFor,
  readEventStream,
  regionOf,
  toConverse,
} from '@switchyard/provider-bedrock';
import type { ConverseResponse } from '@switchyard/provider-bedrock';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('canonical → Converse', () => {
  it('sends temperature or topP, not both, to the Claude models that refuse both (4.5 and later)', () => {
    const req: ChatRequest = { model: 'm', temperature: 0.3, top_p: 0.9, messages: [{ role: 'user', content: 'hi' }] };
    const warnings: string[] = [];
    const claude = toConverse(req, (w) => warnings.push(w), 'us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(claude.body.inferenceConfig).toEqual({ temperature: 0.3 });
    expect(warnings).toEqual([
      'top_p dropped (us.anthropic.claude-sonnet-4-5-20250929-v1:0 takes temperature or top_p, not both)',
    ]);
    expect(toConverse(req, () => undefined, 'amazon.nova-pro-v1:0').body.inferenceConfig).toEqual({
      temperature: 0.3,
      topP: 0.9,
    });
  });

  it('converts a whole conversation: system with a cache point, images, documents, tool calls and results, tools, inference config', () => {
    const warnings: string[] = [];
    const req: ChatRequest = {
      model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      max_completion_tokens: 512,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END'],
      seed: 4,
      tool_choice: 'required',
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: 'Long preamble.', cache_control: { type: 'ephemeral' } } as never],
        },
        { role: 'developer', content: 'Answer in French.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look' },
            { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            {
              type: 'file',
              file: { filename: 'report.v2.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
            } as never,
          ],
        },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'tooluse_1', content: '{"temp":21}' },
        { role: 'user', content: 'and tomorrow?' },
      ],
    };
    const { body, jsonTool } = toConverse(req, (w) => warnings.push(w));
    expect(jsonTool).toBeUndefined();
    expect(body).toEqual({
      system: [{ text: 'Long preamble.' }, { cachePoint: { type: 'default' } }, { text: 'Answer in French.' }],
      messages: [
        {
          role: 'user',
          content: [
            { text: 'Look' },
            { image: { format: 'jpeg', source: { bytes: PNG } } },
            { document: { format: 'pdf', name: 'report-v2', source: { bytes: 'JVBERi0=' } } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { text: 'Checking.' },
            { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
          ],
        },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 'tooluse_1', content: [{ json: { temp: 21 } }] } },
            { text: 'and tomorrow?' },
          ],
        },
      ],
      inferenceConfig: { maxTokens: 512, temperature: 0.3, topP: 0.9, stopSequences: ['END'] },
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'get_weather',
              description: 'Weather',
              inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } },
            },
          },
        ],
        toolChoice: { any: {} },
      },
    });
    expect(warnings).toEqual([
      'seed has no Bedrock Converse equivalent and was dropped',
      'messages[2].content[2]: Bedrock takes images as base64 data URLs of png, jpeg, gif or webp; this one was dropped',
    ]);
  });

  it('forces the JSON tool for response_format, and leaves tools out for tool_choice none', () => {
    const json = toConverse(
      {
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'p', schema: { type: 'object', properties: { a: { type: 'string' } } } },
        },
      },
      () => undefined,
    );
    expect(json.jsonTool).toBe('json_response');
    expect(json.body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'json_response',
            description: "Respond with the answer as this tool's input: a JSON object.",
            inputSchema: { json: { type: 'object', properties: { a: { type: 'string' } } } },
          },
        },
      ],
      toolChoice: { tool: { name: 'json_response' } },
    });
    const none = toConverse(
      {
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        tool_choice: 'none',
        tools: [{ type: 'function', function: { name: 'f' } }],
      },
      () => undefined,
    );
    expect(none.body.toolConfig).toBeUndefined();
  });

  it("beside the caller's tools and no tool_choice, forces some tool (theirs or the JSON tool), not the JSON tool alone", () => {
    const warnings: string[] = [];
    const out = toConverse(
      {
        model: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'function', function: { name: 'f' } }],
        response_format: { type: 'json_object' },
      },
      (w) => warnings.push(w),
    );
    expect(out.jsonTool).toBe('json_response');
    expect(out.body.toolConfig!.tools.map((t) => t.toolSpec.name)).toEqual(['f', 'json_response']);
    expect(out.body.toolConfig!.toolChoice).toEqual({ any: {} });
    expect(warnings).toEqual([]);
  });

  it('takes reasoning_summary (the caller shows reasoning) silently: nothing to ask Bedrock for', () => {
    const warnings: string[] = [];
    toConverse({ model: 'm', messages: [{ role: 'user', content: 'x' }], reasoning_summary: true }, (w) =>
      warnings.push(w),
    );
    expect(warnings).toEqual([]);
  });
});

/** A Converse answer as Bedrock sends it (Claude, with reasoning, a tool call and prompt-cache usage). */
const RESPONSE: ConverseResponse = {
  output: {
    message: {
      role: 'assistant',
      content: [
        { reasoningContent: { reasoningText: { text: 'The user wants weather.', signature: 'EqQBCkgIAxABGAIiQL' } } },
        { text: 'Let me check.' },
        { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', input: { city: 'Paris' } } },
      ],
    },
  },
  stopReason: 'tool_use',
  usage: { inputTokens: 12, outputTokens: 40, totalTokens: 1852, cacheReadInputTokens: 1800, cacheWriteInputTokens: 0 },
  metrics: { latencyMs: 1174 },
};

describe('Converse → canonical', () => {
  it('reads text, reasoning, tool calls, the stop reason and usage with cache reads', () => {
    const completion = fromConverse(RESPONSE, { id: 'chatcmpl-1', model: 'm', warn: () => undefined });
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: 'Let me check.',
        reasoning_content: 'The user wants weather.',
        tool_calls: [
          {
            id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    expect(completion.usage).toEqual({
      prompt_tokens: 1812,
      completion_tokens: 40,
      total_tokens: 1852,
      prompt_tokens_details: { cached_tokens: 1800 },
    });
  });

  it('maps stop reasons', () => {
    const finish = (stopReason: string) =>
      fromConverse(
        { output: { message: { role: 'assistant', content: [{ text: 'x' }] } }, stopReason },
        { id: 'i', model: 'm', warn: () => undefined },
      ).choices[0]!.finish_reason;
    expect(
      [
        'end_turn',
        'stop_sequence',
        'max_tokens',
        'model_context_window_exceeded',
        'guardrail_intervened',
        'content_filtered',
      ].map(finish),
    ).toEqual(['stop', 'stop', 'length', 'length', 'content_filter', 'content_filter']);
  });

  it("returns the forced JSON tool's input as the content", () => {
    const body: ConverseResponse = {
      output: {
        message: {
          role: 'assistant',
          content: [{ toolUse: { toolUseId: 't', name: 'json_response', input: { a: 'b' } } }],
        },
      },
      stopReason: 'tool_use',
    };
    const choice = fromConverse(body, { id: 'i', model: 'm', jsonTool: 'json_response', warn: () => undefined })
      .choices[0]!;
    expect([choice.message.content, choice.finish_reason, choice.message.tool_calls]).toEqual([
      '{"a":"b"}',
      'stop',
      undefined,
    ]);
  });
});

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const frame = (headers: Record<string, string>, payload: unknown): Uint8Array =>
  codec.encode({
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { type: 'string', value: v }])),
    body: fromUtf8(JSON.stringify(payload)),
  });
const event = (type: string, payload: unknown) =>
  frame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, payload);

/** A ConverseStream answer in Bedrock's event order, with the `p` padding field. */
const STREAM = Buffer.concat([
  event('messageStart', { p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM', role: 'assistant' }),
  event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Let me ' }, p: 'abcdef' }),
  event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'check.' }, p: 'abcdefgh' }),
  event('contentBlockStop', { contentBlockIndex: 0, p: 'abc' }),
  event('contentBlockStart', {
    contentBlockIndex: 1,
    start: { toolUse: { name: 'get_weather', toolUseId: 'tooluse_9' } },
    p: 'ab',
  }),
  event('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } }, p: 'a' }),
  event('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } }, p: 'abcd' }),
  event('contentBlockStop', { contentBlockIndex: 1, p: 'abcdefg' }),
  event('messageStop', { p: 'abcdefghij', stopReason: 'tool_use' }),
  event('metadata', {
    metrics: { latencyMs: 1016 },
    p: 'abcdefghijklm',
    usage: { inputTokens: 412, outputTokens: 54, totalTokens: 466 },
  }),
]);

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of it) out.push(item);
  return out;
}

describe('the binary event stream', () => {
  for (const size of [1, 5, 64, 100_000]) {
    it(`decodes ConverseStream messages whatever the byte boundaries (${size}-byte reads) into canonical chunks`, async () => {
      const chunks: ChatCompletionChunk[] = await collect(
        decodeConverseStream(readEventStream(pieces(STREAM, size)), {
          id: 'chatcmpl-x',
          model: 'm',
          warn: () => undefined,
        }),
      );
      expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Let me check.');
      const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(calls).toEqual([
        { index: 0, id: 'tooluse_9', type: 'function', function: { name: 'get_weather', arguments: '' } },
        { index: 0, function: { arguments: '{"city":' } },
        { index: 0, function: { arguments: '"Paris"}' } },
      ]);
      expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason)).toEqual([
        'tool_calls',
      ]);
      expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 412, completion_tokens: 54, total_tokens: 466 });
    });
  }

  it("unwraps InvokeModel chunks into the model's own (Anthropic) events", async () => {
    const anthropicEvent = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } };
    const events: SseEvent[] = await collect(
      readEventStream(
        pieces(event('chunk', { bytes: Buffer.from(JSON.stringify(anthropicEvent)).toString('base64'), p: 'abc' }), 3),
      ),
    );
    expect(events).toEqual([{ event: 'content_block_delta', data: JSON.stringify(anthropicEvent) }]);
  });

  it('throws a throttlingException as rate limited and any other exception as a broken stream', async () => {
    const exception = (type: string) =>
      frame(
        { ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' },
        { message: `${type} happened` },
      );
    await expect(collect(readEventStream(pieces(exception('throttlingException'), 4)))).rejects.toMatchObject({
      code: 'SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED',
      message: 'Bedrock throttlingException: throttlingException happened',
    });
    await expect(
      collect(
        readEventStream(
          pieces(
            Buffer.concat([event('messageStart', { role: 'assistant' }), exception('modelStreamErrorException')]),
            9,
          ),
        ),
      ),
    ).rejects.toMatchObject({
      code: 'SWITCHYARD_ERR_UPSTREAM_FAILED',
      message: 'Bedrock modelStreamErrorException: modelStreamErrorException happened',
    });
  });

  it('fails a stream that ends before messageStop', async () => {
    const cut = Buffer.concat([
      event('messageStart', { role: 'assistant' }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } }),
    ]);
    await expect(
      collect(decodeConverseStream(readEventStream(pieces(cut, 100)), { id: 'i', model: 'm', warn: () => undefined })),
    ).rejects.toThrow('Bedrock stream ended before messageStop');
  });
});

describe('Bedrock routing and errors', () => {
  it('sends Claude to Anthropic callers through InvokeModel, everything else through Converse', () => {
    const target = (model: string) => ({ id: `b/${model}`, model, rule: 'listed', instance: {} as never });
    expect(
      [
        'anthropic.claude-3-5-haiku-20241022-v1:0',
        'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        'arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-opus-4-1-20250805-v1:0',
      ].map(isAnthropicModel),
    ).toEqual([true, true, true]);
    expect(isAnthropicModel('amazon.nova-pro-v1:0')).toBe(false);
    expect(protocolFor(target('anthropic.claude-3-5-haiku-20241022-v1:0'), 'anthropic')).toBe('anthropic');
    expect(protocolFor(target('anthropic.claude-3-5-haiku-20241022-v1:0'), 'openai')).toBe('bedrock-converse');
    expect(protocolFor(target('meta.llama3-70b-instruct-v1:0'), 'anthropic')).toBe('bedrock-converse');
  });

  it('reads the region from a runtime endpoint unless configured', () => {
    expect(regionOf('https://bedrock-runtime.eu-central-1.amazonaws.com', undefined)).toBe('eu-central-1');
    expect(regionOf('https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com', undefined)).toBe('us-gov-west-1');
    expect(regionOf('http://127.0.0.1:9000', undefined)).toBeUndefined();
    expect(regionOf('http://127.0.0.1:9000', 'ap-south-1')).toBe('ap-south-1');
  });

  it("classifies Bedrock errors: throttling rate limited, access and model errors failures, validation the caller's", () => {
    const body = (message: string) => JSON.stringify({ message });
    expect(classifyBedrockError(429, body('Too many requests, please wait before trying again.')).outcome).toBe(
      'rate_limited',
    );
    expect(
      classifyBedrockError(403, body("You don't have access to the model with the specified model ID.")),
    ).toMatchObject({ outcome: 'failure', message: "You don't have access to the model with the specified model ID." });
    expect(classifyBedrockError(424, body('The model returned an error')).outcome).toBe('failure');
    expect(classifyBedrockError(400, body('Malformed input request'))).toMatchObject({
      outcome: 'business_error',
      message: 'Malformed input request',
      type: 'invalid_request_error',
    });
    expect(classifyBedrockError(503, body('Service unavailable')).outcome).toBe('failure');
  });
});
