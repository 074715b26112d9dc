import type { APIError } from 'openai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockGemini } from '../support/mock-gemini.js';
import type { MockGemini } from '../support/mock-gemini.js';
import { geminiProvider, PNG } from '../support/gemini.js';

const KEY = 'AIza-upstream-secret-g-0123456789';
let g: MockGemini;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  g = await startMockGemini({ apiKey: KEY, name: 'g', cachedTokens: 3 });
  gw = await startGateway({
    providers: [
      geminiProvider('g', g.origin, { apiKey: KEY }),
      geminiProvider('think', g.origin, { apiKey: KEY, models: ['gemini-2.5-pro'], includeThoughts: true }),
    ],
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
});
afterEach(() => g.reset());
afterAll(async () => {
  await gw.close();
  await g.close();
});

const MODEL = 'gemini-2.5-flash';
const generate = () =>
  g.requests.filter((r) => r.path.includes(':generateContent') || r.path.includes(':streamGenerateContent'));
const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};
const timeTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('OpenAI clients → Gemini upstream: non-streaming', () => {
  it('answers text, with usage (cached tokens too), the key only in x-goog-api-key, and the system prompt in systemInstruction', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there' },
        ],
      })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'g: hello there' });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(data.usage!.prompt_tokens_details?.cached_tokens).toBe(3);
    expect(response.headers.get('x-switchyard-target')).toBe(`g/${MODEL}`);
    const [sent] = generate();
    expect(sent!.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(sent!.headers['x-goog-api-key']).toBe(KEY);
    expect(sent!.headers.authorization).toBeUndefined();
    expect(sent!.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
  });

  it('keeps a multi-turn history in order with roles user/model', async () => {
    await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two' },
        { role: 'user', content: 'three' },
      ],
    });
    expect(generate()[0]!.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'one' }] },
      { role: 'model', parts: [{ text: 'two' }] },
      { role: 'user', parts: [{ text: 'three' }] },
    ]);
  });

  it('calls tools and takes the results back, names recovered, through a full round trip', async () => {
    const first = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'weather in both cities?' }],
      tools: [weatherTool, timeTool],
    });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(
      message.tool_calls!.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)]),
    ).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', { city: 'Tokyo' }],
    ]);
    const ids = message.tool_calls!.map((c) => c.id);
    expect(new Set(ids).size).toBe(2);
    const decl = generate()[0]!.body.tools[0].functionDeclarations[0];
    expect(decl.parameters).toEqual({ type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] });

    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        tools: [weatherTool, timeTool],
        messages: [
          { role: 'user', content: 'weather in both cities?' },
          message,
          { role: 'tool', tool_call_id: ids[0]!, content: '{"temp":21}' },
          { role: 'tool', tool_call_id: ids[1]!, content: "nine o'clock" },
        ],
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('g: get_weather={"temp":21}; get_time={"result":"nine o\'clock"}');
    expect(response.headers.get('x-switchyard-warnings')).toContain('additionalProperties');
  });

  it('forces a named tool with tool_choice', async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'anything' }],
      tools: [weatherTool, timeTool],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    expect(
      res.choices[0]!.message.tool_calls![0]!.type === 'function' &&
        res.choices[0]!.message.tool_calls![0]!.function.name,
    ).toBe('get_time');
    expect(generate()[0]!.body.toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] },
    });
  });

  it('sends images as inlineData (data URL) and fileData (https URL)', async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'describe' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('g: describe');
    expect(generate()[0]!.body.contents[0].parts.slice(1)).toEqual([
      { inlineData: { mimeType: 'image/png', data: PNG } },
      { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cat.png' } },
    ]);
  });

  it('refuses a broken image with the upstream 400 and message', async () => {
    const err = await client.chat.completions
      .create({
        model: MODEL,
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@' } }] }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).message).toMatch(/Base64 decoding failed/);
    expect((err as APIError).code).toBe('INVALID_ARGUMENT');
  });

  it('returns JSON for json_object and for json_schema (schema converted, property order kept)', async () => {
    const obj = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(obj.choices[0]!.message.content!)).toEqual({ answer: 'g: json please' });
    expect(generate()[0]!.body.generationConfig).toEqual({ responseMimeType: 'application/json' });
    g.reset();
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['name', 'age', 'tags'],
      additionalProperties: false,
    };
    const typed = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'a person' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
    });
    expect(typed.choices[0]!.message.content).toBe('{"name":"text","age":1,"tags":["text"]}');
    expect(generate()[0]!.body.generationConfig.responseSchema.propertyOrdering).toEqual(['name', 'age', 'tags']);
  });

  it('maps stop sequences, max tokens (length), safety (content_filter) and n', async () => {
    const stopped = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello STOP world' }],
      stop: ['STOP'],
    });
    expect(stopped.choices[0]!.message.content).toBe('g: hello ');
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    const long = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'a rather long sentence indeed' }],
      max_tokens: 2,
    });
    expect(long.choices[0]!.finish_reason).toBe('length');
    expect(long.choices[0]!.message.content).toBe('g: a rat');
    const unsafe = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'something unsafe' }],
    });
    expect(unsafe.choices[0]!.finish_reason).toBe('content_filter');
    const many = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      n: 2,
    });
    expect(many.choices.map((c) => c.message.content)).toEqual(['g: hi', 'g: hi (#2)']);
  });

  it('names dropped parameters in x-switchyard-warnings', async () => {
    const { response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], logit_bias: { '5': 1 }, user: 'u-9' })
      .withResponse();
    const warnings = response.headers.get('x-switchyard-warnings') ?? '';
    expect(warnings).toContain('logit_bias has no Gemini equivalent');
    expect(warnings).toContain('user has no Gemini equivalent');
  });
});

describe('OpenAI clients → Gemini upstream: streaming', () => {
  it('streams text with a role chunk first, a finish chunk and the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello there' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('g: hello there');
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason)).toEqual(['stop']);
    expect(chunks.at(-1)!.usage?.total_tokens).toBeGreaterThan(0);
    const [sent] = generate();
    expect(sent!.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
    expect(sent!.path).not.toContain('key=');
  });

  it('streams tool calls that the SDK stream helper reassembles', async () => {
    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'weather in both places' }],
      tools: [weatherTool, timeTool],
    });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls!;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(calls.map((c) => c.type === 'function' && c.function.name)).toEqual(['get_weather', 'get_time']);
    expect(calls.map((c) => c.type === 'function' && JSON.parse(c.function.arguments))).toEqual([
      { city: 'Paris' },
      { city: 'Tokyo' },
    ]);
    expect(calls.every((c) => c.id.startsWith('call_'))).toBe(true);
  });

  it('streams a JSON-mode answer', async () => {
    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'json' }],
      response_format: { type: 'json_object' },
    });
    const final = await stream.finalChatCompletion();
    expect(JSON.parse(final.choices[0]!.message.content!)).toEqual({ answer: 'g: json' });
  });
});

describe('Gemini instance options', () => {
  it('returns thought summaries as reasoning_content with includeThoughts, streamed and not', async () => {
    const res = await client.chat.completions.create({
      model: 'gemini-2.5-pro',
      messages: [{ role: 'user', content: 'think' }],
      reasoning_effort: 'low',
    });
    const message = res.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(message.content).toBe('g: think');
    expect(message.reasoning_content).toBe('Thinking it over.');
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(12);
    expect(generate()[0]!.body.generationConfig.thinkingConfig).toEqual({
      thinkingBudget: 1024,
      includeThoughts: true,
    });
    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-pro',
      messages: [{ role: 'user', content: 'think' }],
      reasoning_effort: 'low',
      stream: true,
    });
    let reasoning = '';
    for await (const chunk of stream)
      reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
    expect(reasoning).toBe('Thinking it over.');
  });

  it('refuses an instance option outside its schema at startup', async () => {
    const failed = await startGateway({
      providers: [geminiProvider('x', g.origin, { jsonSchema: 'sometimes' })],
    }).catch((e: unknown) => e);
    expect(String((failed as Error).message)).toMatch(/providers\[0\]\.jsonSchema/);
  });
});
