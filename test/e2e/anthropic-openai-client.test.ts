import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/** OpenAI SDK → Switchyard → Anthropic upstream (the mock validates like the real API). */
let a: MockAnthropic;
let b: MockAnthropic;
let gw: RunningGateway;
let client: OpenAI;

const KEY_A = 'ant-test-upstream-a-0123456789';
const KEY_B = 'ant-test-upstream-b-0123456789';
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

beforeAll(async () => {
  a = await startMockAnthropic({ name: 'a', apiKey: KEY_A });
  b = await startMockAnthropic({ name: 'b', apiKey: KEY_B });
  // Core failover alone: the breaker and balancer would carry state from one fault test to the next.
  gw = await startGateway(
    {
      plugins: { 'circuit-breaker': false, 'load-balancer': false },
      providers: [
        {
          name: 'a',
          type: 'anthropic',
          baseUrl: a.baseUrl,
          apiKey: KEY_A,
          models: ['claude-sonnet-4-5'],
          priority: 1,
          modelMaxTokens: { 'claude-sonnet-4-5': 2048 },
        },
        { name: 'b', type: 'anthropic', baseUrl: b.baseUrl, apiKey: KEY_B, models: ['claude-sonnet-4-5'], priority: 2 },
        {
          name: 'new',
          type: 'anthropic',
          baseUrl: a.baseUrl,
          apiKey: KEY_A,
          models: ['claude-haiku-4-5'],
          anthropicVersion: '2026-10-21',
        },
      ],
    },
    {},
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
});

afterEach(() => {
  a.reset();
  b.reset();
});

afterAll(async () => {
  await gw.close();
  await a.close();
  await b.close();
});

const sent = (m: MockAnthropic) => m.requests.filter((r) => r.path === '/v1/messages');
const MODEL = 'claude-sonnet-4-5';

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('OpenAI clients → Anthropic upstreams', () => {
  it('converts a text request with system prompt; headers, max_tokens default, usage and finish reason', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there' },
        ],
        user: 'u-42',
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('a: hello there');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(response.headers.get('x-switchyard-target')).toBe('a/claude-sonnet-4-5');
    const [req] = sent(a);
    expect(req!.headers['x-api-key']).toBe(KEY_A);
    expect(req!.headers['anthropic-version']).toBe('2023-06-01');
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.body).toEqual({
      model: MODEL,
      max_tokens: 2048,
      messages: [{ role: 'user', content: 'hello there' }],
      system: 'Be brief.',
      metadata: { user_id: 'u-42' },
    });
  });

  it('clamps temperature, keeps one of temperature and top_p, maps stop, and names dropped parameters in x-switchyard-warnings', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        messages: [{ role: 'user', content: 'say hello STOP now' }],
        temperature: 1.5,
        top_p: 0.9,
        stop: 'STOP',
        seed: 7,
        logit_bias: { '1': 2 },
        max_tokens: 100,
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('a: say hello ');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    const body = sent(a)[0]!.body;
    expect(body).toMatchObject({ temperature: 1, stop_sequences: ['STOP'], max_tokens: 100 });
    expect(body.seed).toBeUndefined();
    // Claude Sonnet 4.5 refuses temperature and top_p together: temperature is kept.
    expect(body.top_p).toBeUndefined();
    const warnings = response.headers.get('x-switchyard-warnings') ?? '';
    expect(warnings).toContain('top_p dropped (claude-sonnet-4-5 takes temperature or top_p, not both)');
    expect(warnings).toContain('temperature 1.5 clamped to 1');
    expect(warnings).toContain('seed dropped');
    expect(warnings).toContain('logit_bias dropped');
  });

  it('reports max_tokens as finish_reason length', async () => {
    const data = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'x'.repeat(200) }],
      max_tokens: 5,
    });
    expect(data.choices[0]!.finish_reason).toBe('length');
  });

  it('drops sampling fields for an instance configured with anthropic-version 2026-10-21', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], temperature: 0.3, top_p: 0.5 })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('a: hi');
    const req = sent(a)[0]!;
    expect(req.headers['anthropic-version']).toBe('2026-10-21');
    expect(req.body.temperature).toBeUndefined();
    expect(response.headers.get('x-switchyard-warnings')).toContain(
      'temperature dropped (anthropic-version 2026-10-21',
    );
  });

  it('runs a multi-turn tool conversation: tool_calls out, grouped tool_result blocks back', async () => {
    const first = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'what is the weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(sent(a)[0]!.body.tools).toEqual([
      { name: 'get_weather', description: 'Weather for a city', input_schema: weatherTool.function.parameters },
    ]);
    expect(sent(a)[0]!.body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });

    const second = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'user', content: 'what is the weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            call,
            { ...call, id: 'call_2', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: 'rainy' },
        { role: 'user', content: 'thanks, summarize' },
      ],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(second.choices[0]!.finish_reason).toBe('tool_calls');
    const body = sent(a)[1]!.body;
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(body.messages).toHaveLength(3);
    expect(body.messages[1].content.map((b: { type: string }) => b.type)).toEqual(['tool_use', 'tool_use']);
    expect(body.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: call.id, content: 'sunny' },
        { type: 'tool_result', tool_use_id: 'call_2', content: 'rainy' },
        { type: 'text', text: 'thanks, summarize' },
      ],
    });
  });

  it('streams tool calls that the SDK stream helper reassembles', async () => {
    const runner = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weatherTool],
    });
    const final = await runner.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.message.content).toBe('Let me check.');
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(call.id).toMatch(/^toolu_/);
  });

  it('streams text with the usage chunk when include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello stream' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('a: hello stream');
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    expect(usage!.prompt_tokens).toBe(sentUsagePrompt(sent(a)[0]!.body));
    expect(sent(a)[0]!.body.stream).toBe(true);
  });

  it('converts images: data URLs to base64 sources, http URLs to url sources', async () => {
    const data = await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(data.choices[0]!.message.content).toBe('a: what is this?');
    expect(sent(a)[0]!.body.messages[0].content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('answers JSON mode through a forced tool, as message content with finish_reason stop', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city', 'days'],
    };
    const data = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'plan a trip' }],
      response_format: { type: 'json_schema', json_schema: { name: 'trip', schema } },
    });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.choices[0]!.message.tool_calls).toBeUndefined();
    expect(JSON.parse(data.choices[0]!.message.content!)).toEqual({ city: 'Paris', days: 1 });
    const body = sent(a)[0]!.body;
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'json_response' });
    expect(body.tools[0].input_schema).toEqual(schema);

    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' },
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      expect(chunk.choices[0]?.delta.tool_calls).toBeUndefined();
    }
    expect(JSON.parse(text)).toEqual({});
    expect(finish).toBe('stop');
  });

  it('tool_choice "none" with JSON mode: the upstream gets the tools with tool_choice none and no forced JSON tool; the caller is told', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        messages: [{ role: 'user', content: 'no tools now' }],
        tools: [weatherTool],
        tool_choice: 'none',
        response_format: { type: 'json_object' },
      })
      .withResponse();
    const body = sent(a)[0]!.body;
    expect(body.tool_choice).toEqual({ type: 'none' });
    expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['get_weather']);
    expect(data.choices[0]!.message.tool_calls).toBeUndefined();
    expect(data.choices[0]!.message.content).toBe('a: no tools now');
    expect(response.headers.get('x-switchyard-warnings')).toContain(
      'response_format json_object dropped (tool_choice "none"',
    );
  });

  it('maps reasoning_effort to an extended thinking budget and returns reasoning_content', async () => {
    const data = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'think' }],
      reasoning_effort: 'low',
    });
    expect((data.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe(
      'Let me think about this.',
    );
    expect(sent(a)[0]!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(sent(a)[0]!.body.max_tokens).toBeGreaterThan(2048);
  });

  it('passes a 400 on in the OpenAI shape, without failover', async () => {
    a.queueFault({
      kind: 'status',
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'messages: bad thing' } },
    });
    const err = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as OpenAI.APIError).message).toContain('messages: bad thing');
    expect((err as OpenAI.APIError).type).toBe('invalid_request_error');
    expect(sent(b)).toHaveLength(0);
  });

  it('fails over to the second instance on 529 overloaded and on 429', async () => {
    a.queueFault({ kind: 'status', status: 529 });
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('b: hi');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');

    a.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    b.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '9' } });
    const err = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as OpenAI.APIError).headers?.get('retry-after')).toBe('9');
  });

  it('fails over when a stream errors before its first event, and ends a broken stream with an error', async () => {
    a.queueFault({ kind: 'streamError', afterEvents: 0 });
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('b: hi');

    a.queueFault({ kind: 'streamError', afterEvents: 4 });
    const broken = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    const err = await (async () => {
      for await (const _ of broken) {
        /* read until the error */
      }
    })().catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain('overloaded_error');
  });
});

function sentUsagePrompt(body: unknown): number {
  const b = body as { system?: unknown; messages: unknown; tools?: unknown };
  return Math.max(
    1,
    Math.ceil((JSON.stringify(b.system ?? '') + JSON.stringify(b.messages) + JSON.stringify(b.tools ?? [])).length / 4),
  );
}
