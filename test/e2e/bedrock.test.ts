import Anthropic from '@anthropic-ai/sdk';
import type { APIError } from 'openai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { resultRecorder } from '../support/exchange-recorder.js';
import { startMockBedrock } from '../support/mock-bedrock.js';
import type { MockBedrock } from '../support/mock-bedrock.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { AWS_KEY, bedrockProvider, PDF, PNG } from '../support/clouds.js';
import { madeUpSearchAsText, madeUpSearchTurn } from '../support/made-up-search.js';

const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const DENIED = 'anthropic.claude-opus-4-1-20250805-v1:0';

let br: MockBedrock;
let oa: MockOpenAI;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;
const { plugin: recorder, results, outcomes } = resultRecorder();

beforeAll(async () => {
  br = await startMockBedrock({ keys: [AWS_KEY], name: 'br', models: [CLAUDE, NOVA, DENIED], deniedModels: [DENIED] });
  oa = await startMockOpenAI({ name: 'oa', apiKey: 'sk-upstream-openai-0123456789' });
  gw = await startGateway(
    {
      plugins: { 'circuit-breaker': false, 'load-balancer': false },
      providers: [
        bedrockProvider('br', br.origin, { models: [CLAUDE, NOVA, DENIED] }),
        bedrockProvider('br-badkey', br.origin, {
          models: [CLAUDE],
          secretAccessKey: 'not-the-right-secret-0123456789',
          priority: 5,
        }),
        {
          name: 'oa',
          type: 'openai',
          baseUrl: `${oa.origin}/v1`,
          apiKey: 'sk-upstream-openai-0123456789',
          models: ['gpt-4o-mini'],
          priority: 9,
        },
      ],
      models: [
        { name: 'claude-then-gpt', targets: [`br/${CLAUDE}`, 'oa/gpt-4o-mini'] },
        { name: 'gpt-then-claude', targets: ['oa/gpt-4o-mini', `br/${CLAUDE}`] },
        { name: 'denied-then-gpt', targets: [`br/${DENIED}`, 'oa/gpt-4o-mini'] },
        { name: 'badkey-then-claude', targets: [`br-badkey/${CLAUDE}`, `br/${CLAUDE}`] },
      ],
    },
    { plugins: [recorder] },
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});
afterEach(() => {
  br.reset();
  oa.reset();
  results.length = 0;
});
afterAll(async () => {
  await gw.close();
  await Promise.all([br.close(), oa.close()]);
});

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('OpenAI clients → Bedrock Converse', () => {
  it('answers through a SigV4-signed Converse call, with the system prompt, inference config and usage', async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: CLAUDE,
        max_tokens: 300,
        temperature: 0.2,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there' },
        ],
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('br: hello there');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(response.headers.get('x-switchyard-target')).toBe(`br/${CLAUDE}`);
    const sent = br.requests[0]!;
    expect(sent.path).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    expect(String(sent.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=TESTSWITCHYARDKEY001\/\d{8}\/us-east-1\/bedrock\/aws4_request/,
    );
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'hello there' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 300, temperature: 0.2 },
    });
  });

  it('calls a tool and takes its result back: a full round trip', async () => {
    const first = await openai.chat.completions.create({
      model: NOVA,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weather],
    });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const call = message.tool_calls![0]!;
    expect(call.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)]).toEqual([
      'get_weather',
      { city: 'Paris' },
    ]);
    expect(br.requests[0]!.body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Current weather',
            inputSchema: { json: weather.function.parameters },
          },
        },
      ],
    });

    const second = await openai.chat.completions.create({
      model: NOVA,
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        message,
        { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('br: get_weather={"temp":21}');
    expect(br.requests[1]!.body.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: call.id, content: [{ json: { temp: 21 } }] } }],
    });
  });

  it('sends images and documents as bytes', async () => {
    const res = await openai.chat.completions.create({
      model: CLAUDE,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'compare' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'file', file: { filename: 'q3 report.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
          ],
        },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('br: compare + an image + a document q3 report');
    expect(br.requests[0]!.body.messages[0].content.slice(1)).toEqual([
      { image: { format: 'png', source: { bytes: PNG } } },
      { document: { format: 'pdf', name: 'q3 report', source: { bytes: PDF } } },
    ]);
  });

  it('answers JSON mode through a forced tool, returned as the message content', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const res = await openai.chat.completions.create({
      model: CLAUDE,
      messages: [{ role: 'user', content: 'a city' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema } },
    });
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ city: 'Paris' });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(br.requests[0]!.body.toolConfig.toolChoice).toEqual({ tool: { name: 'json_response' } });
  });

  it('maps max_tokens and stop sequences to finish reasons', async () => {
    const long = await openai.chat.completions.create({
      model: NOVA,
      max_tokens: 2,
      messages: [{ role: 'user', content: 'a rather long sentence indeed' }],
    });
    expect(long.choices[0]!.finish_reason).toBe('length');
    const stopped = await openai.chat.completions.create({
      model: NOVA,
      stop: ['STOP'],
      messages: [{ role: 'user', content: 'hello STOP world' }],
    });
    expect(stopped.choices[0]!.message.content).toBe('br: hello ');
    expect(br.requests[1]!.body.inferenceConfig).toEqual({ stopSequences: ['STOP'] });
  });

  it('turns cache_control marks into cachePoints and reports cache reads and writes', async () => {
    const ask = () =>
      openai.chat.completions.create({
        model: CLAUDE,
        messages: [
          {
            role: 'system',
            content: [
              {
                type: 'text',
                text: 'A long shared preamble. '.repeat(20),
                cache_control: { type: 'ephemeral' },
              } as OpenAI.ChatCompletionContentPartText,
            ],
          },
          { role: 'user', content: 'hi' },
        ],
      });
    const first = await ask();
    expect(br.requests[0]!.body.system).toEqual([
      { text: 'A long shared preamble. '.repeat(20) },
      { cachePoint: { type: 'default' } },
    ]);
    expect(first.usage!.prompt_tokens_details).toMatchObject({
      cached_tokens: 0,
      cache_write_tokens: expect.any(Number),
    });
    const second = await ask();
    expect(second.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThan(0);
  });

  it('streams text from the binary event stream, with the usage chunk', async () => {
    const stream = await openai.chat.completions.create({
      model: CLAUDE,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream this' }],
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('br: stream this');
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason)).toEqual(['stop']);
    expect(chunks.at(-1)!.usage!.total_tokens).toBeGreaterThan(0);
    expect(br.requests[0]!.path).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream');
  });

  it('streams tool calls that the SDK stream helper reassembles', async () => {
    const final = await openai.chat.completions
      .stream({ model: CLAUDE, messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [weather] })
      .finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
  });
});

describe('Anthropic clients → Bedrock', () => {
  it('passes a Claude request through InvokeModel: every field but model and stream reaches Bedrock', async () => {
    const body = {
      model: CLAUDE,
      max_tokens: 200,
      system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'hello there' }],
      temperature: 0.3,
      top_k: 5,
      stop_sequences: ['NEVER'],
      metadata: { user_id: 'u-1' },
      tools: [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: {} } }],
      tool_choice: { type: 'auto' as const },
    };
    const { data, response } = await anthropic.messages
      .create(body, { headers: { 'anthropic-beta': 'token-efficient-tools-2025-02-19' } })
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'br: hello there' }]);
    expect(data.model).toBe(CLAUDE);
    expect(response.headers.get('x-switchyard-warnings')).toBeNull();
    const sent = br.requests[0]!;
    expect(sent.path).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke');
    const { model: _m, ...rest } = body;
    expect(sent.body).toEqual({
      ...rest,
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: ['token-efficient-tools-2025-02-19'],
    });
  });

  it('sends Claude a web search another upstream ran (empty encrypted fields) as text of its turn', async () => {
    const msg = await anthropic.messages.create({
      model: CLAUDE,
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'search the release' },
        { role: 'assistant', content: madeUpSearchTurn },
        { role: 'user', content: 'when?' },
      ],
    } as never);
    expect(msg.content).toEqual([{ type: 'text', text: 'br: when?' }]);
    expect(br.requests[0]!.body.messages[1].content).toEqual(madeUpSearchAsText);
  });

  it('passes a Claude stream through InvokeModelWithResponseStream, re-framed as Anthropic SSE', async () => {
    const stream = anthropic.messages.stream({
      model: CLAUDE,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({
      name: 'get_weather',
      input: { city: 'Paris' },
    });
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(br.requests[0]!.path).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream');
    expect(br.requests[0]!.body.stream).toBeUndefined();
    expect(results[0]!.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('converts an Anthropic request for a non-Claude model to Converse and the answer back', async () => {
    const msg = await anthropic.messages.create({
      model: NOVA,
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi nova' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'br: hi nova' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(br.requests[0]!.path).toBe('/model/amazon.nova-lite-v1%3A0/converse');
    const stream = anthropic.messages.stream({
      model: NOVA,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream nova' }],
    });
    expect((await stream.finalMessage()).content).toEqual([{ type: 'text', text: 'br: stream nova' }]);
  });

  it('converts an Anthropic tool round trip and an image for a non-Claude model', async () => {
    const tools = [
      { name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
    ];
    const first = await anthropic.messages.create({
      model: NOVA,
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    const use = first.content.find((b) => b.type === 'tool_use')!;
    expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    const second = await anthropic.messages.create({
      model: NOVA,
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: use.type === 'tool_use' ? use.id : '', content: '{"temp":21}' },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'br: get_weather={"temp":21}' }]);
    const seen = await anthropic.messages.create({
      model: NOVA,
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'text', text: 'what is it?' },
          ],
        },
      ],
    });
    expect(seen.content).toEqual([{ type: 'text', text: 'br: what is it? + an image' }]);
    expect(br.requests.at(-1)!.body.messages[0].content[0]).toEqual({
      image: { format: 'png', source: { bytes: PNG } },
    });
  });

  it('answers a Bedrock validation error in Anthropic shape with its status', async () => {
    br.queueFault({ kind: 'status', status: 400, type: 'ValidationException', message: 'messages.0: bad input' });
    const err = (await anthropic.messages
      .create({ model: CLAUDE, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toMatchObject({ type: 'error', error: { message: 'messages.0: bad input' } });
  });
});

describe('Bedrock errors and failover', () => {
  it('returns a ValidationException as a 400 with its message, trying no other target', async () => {
    const err = (await openai.chat.completions
      .create({
        model: 'claude-then-gpt',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@' } }] }],
      })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(400);
    expect(err.message).toContain('image.source.bytes: invalid base64');
    expect(outcomes()).toEqual([[`br/${CLAUDE}`, 'business_error']]);
  });

  it('treats ThrottlingException as rate limited: fails over, and answers 429 when nothing is left', async () => {
    br.queueFault({
      kind: 'status',
      status: 429,
      type: 'ThrottlingException',
      message: 'Too many requests, please wait before trying again.',
    });
    const res = await openai.chat.completions.create({
      model: 'claude-then-gpt',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toContain('oa');
    expect(outcomes()).toEqual([
      [`br/${CLAUDE}`, 'rate_limited'],
      ['oa/gpt-4o-mini', 'success'],
    ]);
    results.length = 0;
    br.queueFault({
      kind: 'status',
      status: 429,
      type: 'ThrottlingException',
      message: 'Too many requests, please wait before trying again.',
    });
    const err = (await openai.chat.completions
      .create({ model: NOVA, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(429);
    expect(err.message).toContain('Too many requests');
  });

  it('treats a throttlingException as the first stream message as rate limited, and fails over', async () => {
    br.queueFault({
      kind: 'exception',
      afterEvents: 0,
      type: 'throttlingException',
      message: 'Too many tokens, please wait before trying again.',
    });
    const stream = await openai.chat.completions.create({
      model: 'claude-then-gpt',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toContain('oa');
    expect(outcomes()).toEqual([
      [`br/${CLAUDE}`, 'rate_limited'],
      ['oa/gpt-4o-mini', 'success'],
    ]);
  });

  it('ends a stream broken by modelStreamErrorException with an error event, in both protocols', async () => {
    br.queueFault({
      kind: 'exception',
      afterEvents: 3,
      type: 'modelStreamErrorException',
      message: 'The model stream failed.',
    });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLAUDE, stream: true, messages: [{ role: 'user', content: 'long answer' }] }),
    });
    const text = await res.text();
    expect(text).toContain('modelStreamErrorException: The model stream failed.');
    expect(text).not.toContain('[DONE]');
    expect(outcomes()).toEqual([[`br/${CLAUDE}`, 'failure']]);

    br.queueFault({
      kind: 'exception',
      afterEvents: 3,
      type: 'modelStreamErrorException',
      message: 'The model stream failed.',
    });
    const raw = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: CLAUDE,
        max_tokens: 50,
        stream: true,
        messages: [{ role: 'user', content: 'long answer' }],
      }),
    });
    const events = await raw.text();
    expect(events).toContain('event: message_start');
    expect(events).toMatch(/event: error\ndata: .*modelStreamErrorException/);
    expect(events).not.toContain('message_stop');
  });

  it("treats model access denied as the gateway's failure: the next target serves, else a 502 naming it", async () => {
    const res = await openai.chat.completions.create({
      model: 'denied-then-gpt',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toContain('oa');
    expect(outcomes()).toEqual([
      [`br/${DENIED}`, 'failure'],
      ['oa/gpt-4o-mini', 'success'],
    ]);
    const err = (await openai.chat.completions
      .create({ model: DENIED, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(502);
    expect(err.message).toContain("You don't have access to the model");
  });

  it('fails over when the mock refuses the signature of an instance with the wrong secret', async () => {
    const res = await openai.chat.completions.create({
      model: 'badkey-then-claude',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('br: hi');
    expect(outcomes()).toEqual([
      [`br-badkey/${CLAUDE}`, 'failure'],
      [`br/${CLAUDE}`, 'success'],
    ]);
    expect(results[0]!.message).toContain('The request signature we calculated does not match');
    expect(results[0]!.status).toBe(403);
  });

  it('fails over from OpenAI to Bedrock, streaming, when OpenAI is down', async () => {
    oa.queueFault({ kind: 'status', status: 503 });
    const stream = await openai.chat.completions.create({
      model: 'gpt-then-claude',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe('br: hi');
    expect(outcomes()).toEqual([
      ['oa/gpt-4o-mini', 'failure'],
      [`br/${CLAUDE}`, 'success'],
    ]);
  });

  it('fails over from Bedrock to OpenAI when the connection is reset, for Anthropic callers too', async () => {
    br.queueFault({ kind: 'reset' });
    const msg = await anthropic.messages.create({
      model: 'claude-then-gpt',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content[0]).toMatchObject({ type: 'text' });
    expect(outcomes()).toEqual([
      [`br/${CLAUDE}`, 'failure'],
      ['oa/gpt-4o-mini', 'success'],
    ]);
  });
});
