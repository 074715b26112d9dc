import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from './mock-openai.js';

let mock: MockOpenAI;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockOpenAI({ name: 'alpha' });
  client = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
});
afterEach(() => mock.reset());
afterAll(() => mock.close());

function post(body: unknown): Promise<Response> {
  return fetch(`${mock.baseUrl}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function error(body: unknown): Promise<{ status: number; error: any }> {
  const res = await post(body);
  return { status: res.status, error: ((await res.json()) as any).error };
}

/** Named SSE events (`event:` + `data:`) of a Responses stream. */
function parseNamedSse(text: string): any[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const event = JSON.parse(dataLine!.slice('data: '.length));
      expect(eventLine).toBe(`event: ${event.type}`);
      return event;
    });
}

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather',
  strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('mock OpenAI Responses API: answers', () => {
  it('answers a string input with a response object the SDK reads (output_text, usage details)', async () => {
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'hello there' });
    expect(response.output_text).toBe('alpha: hello there');
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'gpt-4o-mini',
      error: null,
      incomplete_details: null,
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'alpha: hello there' }],
      },
    ]);
    expect(response.usage).toEqual({
      input_tokens: expect.any(Number),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: expect.any(Number),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: response.usage!.input_tokens + response.usage!.output_tokens,
    });
    // Like the real API, the wire object has no output_text: the SDK computes it.
    const raw = (await (await post({ model: 'gpt-4o-mini', input: 'hi' })).json()) as any;
    expect(raw).not.toHaveProperty('output_text');
  });

  it('streams the real event sequence with sequence numbers, and the SDK assembles it', async () => {
    const res = await post({ model: 'gpt-4o-mini', input: 'hello there', stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseNamedSse(await res.text());
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0].response).toMatchObject({ status: 'in_progress', output: [], usage: null });
    expect(
      events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
    ).toBe('alpha: hello there');
    expect(events.at(-1).response.usage.total_tokens).toBeGreaterThan(0);

    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'streamed' });
    const final = await stream.finalResponse();
    expect(final.output).toMatchObject([
      { type: 'message', content: [{ type: 'output_text', text: 'alpha: streamed' }] },
    ]);
  });

  it('calls a function and answers its output; function_call and function_call_output must pair by call_id', async () => {
    const first = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'What is the weather in Paris?',
      tools: [weatherTool as any],
    });
    const call = first.output[0] as any;
    expect(call).toMatchObject({
      type: 'function_call',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
      status: 'completed',
    });
    expect(call.call_id).toMatch(/^call_/);
    const input: any[] = [
      { role: 'user', content: 'What is the weather in Paris?' },
      call,
      { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
    ];
    const second = await client.responses.create({ model: 'gpt-4o-mini', input, tools: [weatherTool as any] });
    expect(second.output_text).toBe('alpha: sunny');

    const orphanOutput = await error({
      model: 'gpt-4o-mini',
      input: [
        { role: 'user', content: 'x' },
        { type: 'function_call_output', call_id: 'call_nope', output: 'sunny' },
      ],
    });
    expect(orphanOutput).toEqual({
      status: 400,
      error: expect.objectContaining({
        message: 'No tool call found for function call output with call_id call_nope.',
        type: 'invalid_request_error',
      }),
    });
    const unanswered = await error({ model: 'gpt-4o-mini', input: input.slice(0, 2) });
    expect(unanswered.error.message).toBe(`No tool output found for function call ${call.call_id}.`);
  });

  it('streams function call arguments', async () => {
    const res = await post({ model: 'gpt-4o-mini', input: 'weather?', tools: [weatherTool], stream: true });
    const events = parseNamedSse(await res.text());
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2].item).toMatchObject({
      type: 'function_call',
      status: 'in_progress',
      arguments: '',
      name: 'get_weather',
    });
    expect(events[6]).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  });

  it('gives reasoning models a reasoning item: summary events when asked, encrypted_content that must come back unchanged', async () => {
    const body = {
      model: 'gpt-5.5',
      input: 'think',
      reasoning: { effort: 'medium', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      store: false,
    };
    const events = parseNamedSse(await (await post({ ...body, stream: true })).text());
    expect(events.map((e) => e.type).slice(2, 9)).toEqual([
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
    ]);
    const done = events.at(-1).response;
    const reasoning = done.output[0];
    expect(reasoning).toMatchObject({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: expect.any(String) }],
      encrypted_content: expect.any(String),
    });
    expect(done.usage.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);

    // The message that followed the reasoning item goes back right after it, as the API requires.
    const next = (item: unknown): unknown => ({
      ...body,
      input: [{ role: 'user', content: 'think' }, item, done.output[1], { role: 'user', content: 'again' }],
    });
    expect((await post(next(reasoning))).status).toBe(200);
    const tampered = { ...reasoning, encrypted_content: `${reasoning.encrypted_content.slice(0, -2)}AA` };
    expect(await error(next(tampered))).toMatchObject({
      status: 400,
      error: { message: `The encrypted content for item ${reasoning.id} could not be verified.` },
    });
    const { encrypted_content: _dropped, ...bare } = reasoning;
    const notStored = await error(next(bare));
    expect(notStored.status).toBe(404);
    expect(notStored.error.message).toContain('Items are not persisted when `store` is set to false');
  });

  it('keeps stored responses for previous_response_id, GET and DELETE', async () => {
    const first = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'weather please',
      tools: [weatherTool as any],
    });
    const call = first.output[0] as any;
    const second = await client.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'rain' }],
      tools: [weatherTool as any],
    });
    expect(second.output_text).toBe('alpha: rain');
    expect((await client.responses.retrieve(second.id)).id).toBe(second.id);
    expect(await error({ model: 'gpt-4o-mini', previous_response_id: 'resp_missing', input: 'x' })).toMatchObject({
      status: 400,
      error: { param: 'previous_response_id' },
    });
    const deleted = await fetch(`${mock.baseUrl}/responses/${second.id}`, { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ id: second.id, object: 'response.deleted', deleted: true });
    expect((await fetch(`${mock.baseUrl}/responses/${second.id}`)).status).toBe(404);
  });

  it('reports a repeated long prefix as cached tokens', async () => {
    const instructions = 'Follow the house rules. '.repeat(300);
    const first = await client.responses.create({ model: 'gpt-4o-mini', instructions, input: 'one' });
    const second = await client.responses.create({ model: 'gpt-4o-mini', instructions, input: 'two' });
    expect(first.usage!.input_tokens_details.cached_tokens).toBe(0);
    expect(second.usage!.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(1024);
    expect(second.usage!.input_tokens_details.cached_tokens % 128).toBe(0);
  });

  it('answers as scripted: queued answers first, then the answerer', async () => {
    mock.queueAnswer({ text: 'scripted text', reasoning: 'because' });
    mock.setAnswerer((body) =>
      body.tools ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] } : undefined,
    );
    const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'x' });
    expect(first.output_text).toBe('scripted text');
    expect(first.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'because' }] });
    const second = await client.responses.create({ model: 'gpt-4o-mini', input: 'x', tools: [weatherTool as any] });
    expect(second.output[0]).toMatchObject({ type: 'function_call', arguments: '{"city":"Oslo"}' });
    expect((await client.responses.create({ model: 'gpt-4o-mini', input: 'plain' })).output_text).toBe('alpha: plain');
  });

  it('stops at max_output_tokens with status incomplete', async () => {
    const res = await (
      await post({
        model: 'gpt-4o-mini',
        input: 'a rather long question that needs many tokens to answer in full',
        max_output_tokens: 16,
        stream: true,
      })
    ).text();
    const last = parseNamedSse(res).at(-1);
    expect(last.type).toBe('response.incomplete');
    expect(last.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});

describe('mock OpenAI Responses API: refuses what the real API refuses', () => {
  const base = { model: 'gpt-4o-mini', input: 'hi' };
  it.each([
    ['an unknown top-level field', { ...base, foo: 1 }, "Unknown parameter: 'foo'.", 'foo'],
    ['a missing model', { input: 'hi' }, "Missing required parameter: 'model'.", 'model'],
    [
      'a Chat Completions tool',
      { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] },
      "Missing required parameter: 'tools[0].name'.",
      'tools[0].name',
    ],
    [
      'an input_text part in an assistant message',
      { ...base, input: [{ role: 'assistant', content: [{ type: 'input_text', text: 'x' }] }] },
      "Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.",
      'input[0].content[0].type',
    ],
    [
      'an output_text part in a user message',
      { ...base, input: [{ type: 'message', role: 'user', content: [{ type: 'output_text', text: 'x' }] }] },
      "Invalid value: 'output_text'. Supported values are: 'input_text', 'input_image', 'input_file', and 'input_audio'.",
      'input[0].content[0].type',
    ],
    [
      'a tool role message',
      { ...base, input: [{ role: 'tool', content: 'x' }] },
      "Invalid value: 'tool'. Supported values are: 'user', 'assistant', 'system', and 'developer'.",
      'input[0].role',
    ],
    [
      'reasoning on a non-reasoning model',
      { ...base, reasoning: { effort: 'low' } },
      "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
      'reasoning.effort',
    ],
    [
      'temperature on a reasoning model',
      { model: 'gpt-5.5', input: 'hi', temperature: 0.2 },
      "Unsupported parameter: 'temperature' is not supported with this model.",
      'temperature',
    ],
    [
      'json_schema without a name',
      { ...base, text: { format: { type: 'json_schema', schema: { type: 'object' } } } },
      "Missing required parameter: 'text.format.name'.",
      'text.format.name',
    ],
    [
      'a tool_choice naming no given tool',
      { ...base, tools: [weatherTool], tool_choice: { type: 'function', name: 'other' } },
      "Tool choice 'function' not found in 'tools' parameter.",
      'tool_choice',
    ],
    [
      'max_output_tokens above the model limit',
      { ...base, max_output_tokens: 20000 },
      'max_output_tokens is too large: 20000. This model supports at most 16384 output tokens, whereas you provided 20000.',
      'max_output_tokens',
    ],
    [
      'an unknown include value',
      { ...base, include: ['reasoning.everything'] },
      expect.stringContaining("Invalid value: 'reasoning.everything'."),
      'include[0]',
    ],
  ])('refuses %s with a 400', async (_what, body, message, param) => {
    const { status, error: e } = await error(body);
    expect(status).toBe(400);
    expect(e).toMatchObject({ message, type: 'invalid_request_error', param });
    expect(e).toHaveProperty('code');
  });

  it('accepts what Codex CLI sends: developer messages, custom and tool_search tools, client_metadata, prompt_cache_key', async () => {
    const res = await post({
      model: 'gpt-5.5',
      stream: true,
      store: false,
      tool_choice: 'auto',
      parallel_tool_calls: true,
      reasoning: { effort: 'medium' },
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'k',
      text: { verbosity: 'low' },
      client_metadata: { session_id: 's' },
      input: [
        { type: 'message', id: 'msg_1', role: 'developer', content: [{ type: 'input_text', text: 'rules' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
      ],
      tools: [
        weatherTool,
        {
          type: 'custom',
          name: 'apply_patch',
          description: 'patch',
          format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' },
        },
        {
          type: 'tool_search',
          execution: 'client',
          description: 'search',
          parameters: { type: 'object', properties: {} },
        },
      ],
    });
    expect(res.status).toBe(200);
  });

  it('takes temperature from gpt-5.1 and later told not to reason, and reasoning from gpt-5-chat nowhere', async () => {
    expect(
      (await post({ model: 'gpt-5.1', input: 'hi', temperature: 0.2, reasoning: { effort: 'none' } })).status,
    ).toBe(200);
    expect((await error({ model: 'gpt-5', input: 'hi', temperature: 0.2, reasoning: { effort: 'none' } })).status).toBe(
      400,
    );
    const chat = await error({ model: 'gpt-5-chat-latest', input: 'hi', reasoning: { effort: 'low' } });
    expect(chat.error).toMatchObject({ param: 'reasoning.effort' });
  });
});

describe('mock OpenAI Responses API: limits, strict schemas and reasoning order', () => {
  const base = { model: 'gpt-4o-mini', input: 'hi' };
  const loose = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } };
  const closed = { ...loose, required: ['city', 'unit'], additionalProperties: false };
  const nested = {
    ...closed,
    properties: { ...closed.properties, days: { type: 'array', items: loose } },
    required: ['city', 'unit', 'days'],
  };
  const fn = (parameters: unknown, strict: boolean, name = 'get_weather'): unknown => ({
    type: 'function',
    name,
    parameters,
    strict,
  });
  const format = (schema: unknown, strict: boolean, name = 'answer'): unknown => ({
    format: { type: 'json_schema', name, schema, strict },
  });

  it.each([
    [
      'a metadata key over 64 characters',
      { ...base, metadata: { ['k'.repeat(65)]: 'v' } },
      { ...base, metadata: { ['k'.repeat(64)]: 'v' } },
      "Invalid 'metadata': string too long. Expected a string with maximum length 64, but got a string with length 65 instead.",
      'metadata',
      'string_above_max_length',
    ],
    [
      'a function name over 64 characters',
      { ...base, tools: [fn(closed, false, 'f'.repeat(65))] },
      { ...base, tools: [fn(closed, false, 'f'.repeat(64))] },
      "Invalid 'tools[0].name': string too long. Expected a string with maximum length 64, but got a string with length 65 instead.",
      'tools[0].name',
      'string_above_max_length',
    ],
    [
      'a json_schema name with a space',
      { ...base, text: format(closed, true, 'my answer') },
      { ...base, text: format(closed, true, 'my_answer') },
      "Invalid 'text.format.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      'text.format.name',
      'invalid_value',
    ],
    [
      'a strict function whose object allows additional properties',
      { ...base, tools: [fn({ ...loose, required: ['city', 'unit'] }, true)] },
      { ...base, tools: [fn({ ...loose, required: ['city', 'unit'] }, false)] },
      "Invalid schema for function 'get_weather': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      'tools[0].parameters',
      'invalid_function_parameters',
    ],
    [
      'a strict function with a property not in required',
      { ...base, tools: [fn({ ...closed, required: ['city'] }, true)] },
      { ...base, tools: [fn(closed, true)] },
      "Invalid schema for function 'get_weather': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'unit'.",
      'tools[0].parameters',
      'invalid_function_parameters',
    ],
    [
      'a strict json_schema with a nested open object',
      {
        ...base,
        text: format(nested, true),
      },
      {
        ...base,
        text: format(nested, false),
      },
      "Invalid schema for response_format 'answer': In context=('properties', 'days', 'items'), 'additionalProperties' is required to be supplied and to be false.",
      'text.format.schema',
      'invalid_json_schema',
    ],
    [
      'more than 128 tools',
      { ...base, tools: Array.from({ length: 129 }, (_, i) => fn(closed, false, `f${i}`)) },
      { ...base, tools: Array.from({ length: 128 }, (_, i) => fn(closed, false, `f${i}`)) },
      "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length 129 instead.",
      'tools',
      'array_above_max_length',
    ],
    [
      'a function_call item name over 128 characters',
      {
        ...base,
        input: [
          { type: 'function_call', call_id: 'call_1', name: 'f'.repeat(129), arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'x' },
        ],
      },
      {
        ...base,
        input: [
          { type: 'function_call', call_id: 'call_1', name: 'f'.repeat(128), arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'x' },
        ],
      },
      "Invalid 'input[0].name': string too long. Expected a string with maximum length 128, but got a string with length 129 instead.",
      'input[0].name',
      'string_above_max_length',
    ],
    [
      'the Chat Completions reasoning_effort',
      { model: 'gpt-5.5', input: 'hi', reasoning_effort: 'low' },
      { model: 'gpt-5.5', input: 'hi', reasoning: { effort: 'low' } },
      "Unsupported parameter: 'reasoning_effort'. In the Responses API, this parameter has moved to 'reasoning.effort'.",
      'reasoning_effort',
      'unsupported_parameter',
    ],
    [
      'top_logprobs above 20',
      { ...base, top_logprobs: 21 },
      { ...base, top_logprobs: 20 },
      "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead.",
      'top_logprobs',
      'integer_above_max_value',
    ],
    [
      'an unknown prompt_cache_retention',
      { ...base, prompt_cache_retention: '1h' },
      { ...base, prompt_cache_retention: '24h' },
      "Invalid value: '1h'. Supported values are: 'in-memory' and '24h'.",
      'prompt_cache_retention',
      'invalid_value',
    ],
    [
      'an output_text part in a function_call_output',
      {
        ...base,
        input: [
          { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'output_text', text: 'x' }] },
        ],
      },
      {
        ...base,
        input: [
          { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_text', text: 'x' }] },
        ],
      },
      "Invalid value: 'output_text'. Supported values are: 'input_text', 'input_image', 'input_file', and 'scoped_content'.",
      'input[1].output[0]',
      'invalid_value',
    ],
  ])('refuses %s, and takes its valid neighbour', async (_what, refused, accepted, message, param, code) => {
    expect(await error(refused)).toEqual({
      status: 400,
      error: { message, type: 'invalid_request_error', param, code },
    });
    expect((await post(accepted)).status).toBe(200);
  });

  it('refuses a reasoning item with a null status, and takes it without one', async () => {
    const body = { model: 'gpt-5.5', include: ['reasoning.encrypted_content'] };
    const first = (await (await post({ ...body, input: 'hi' })).json()) as any;
    const [reasoning, message] = first.output;
    const input = (item: unknown): unknown[] => [{ role: 'user', content: 'hi' }, item, message];
    expect(await error({ ...body, input: input({ ...reasoning, status: null }) })).toEqual({
      status: 400,
      error: {
        message: "Unknown parameter: 'input[1].status'.",
        type: 'invalid_request_error',
        param: 'input[1].status',
        code: 'unknown_parameter',
      },
    });
    expect((await post({ ...body, input: input(reasoning) })).status).toBe(200);
  });

  it('refuses a previous_response_id with characters an id cannot have, and takes a stored one', async () => {
    expect(await error({ ...base, previous_response_id: '@results.ress' })).toEqual({
      status: 400,
      error: {
        message:
          "Invalid 'previous_response_id': '@results.ress'. Expected an ID that contains letters, numbers, underscores, or dashes, but this value contained additional characters.",
        type: 'invalid_request_error',
        param: 'previous_response_id',
        code: null,
      },
    });
    const first = (await (await post(base)).json()) as any;
    expect((await post({ ...base, previous_response_id: first.id })).status).toBe(200);
  });

  it('refuses a reasoning item sent apart from the item that followed it, either way round', async () => {
    const body = { model: 'gpt-5.5', reasoning: { effort: 'low' }, include: ['reasoning.encrypted_content'] };
    const tools = [fn(closed, true)];
    const first = (await (
      await post({ ...body, tools, input: 'What is the weather in Paris?', tool_choice: 'required' })
    ).json()) as any;
    const [reasoning, call] = first.output;
    expect([reasoning.type, call.type]).toEqual(['reasoning', 'function_call']);
    const user = { role: 'user', content: 'What is the weather in Paris?' };
    const output = { type: 'function_call_output', call_id: call.call_id, output: 'sunny' };
    const send = (...input: unknown[]): Promise<{ status: number; error: any }> => error({ ...body, tools, input });

    // The call sent without its id is not the reasoning's follower.
    const { id: _id, ...anonymous } = call;
    expect(await send(user, reasoning, anonymous, output)).toMatchObject({
      status: 400,
      error: {
        message: `Item '${reasoning.id}' of type 'reasoning' was provided without its required following item.`,
        param: 'input',
        code: null,
      },
    });
    expect(await send(user, call, output)).toMatchObject({
      status: 400,
      error: {
        message: `Item '${call.id}' of type 'function_call' was provided without its required 'reasoning' item: '${reasoning.id}'.`,
        param: 'input',
        code: null,
      },
    });
    expect((await send(user, call, reasoning, output)).status).toBe(400);
    expect((await post({ ...body, tools, input: [user, reasoning, call, output] })).status).toBe(200);
    // Without reasoning items at all the call stands on its own, as the API takes it.
    expect((await post({ ...body, tools, input: [user, anonymous, output] })).status).toBe(200);
  });
});

describe('mock OpenAI Responses API: faults', () => {
  it('ends a broken stream with response.failed or an error event after N events, or cuts it', async () => {
    mock.queueFault({ kind: 'streamError', afterChunks: 3 }, { kind: 'cut', afterChunks: 2 });
    const events = parseNamedSse(await (await post({ model: 'gpt-4o-mini', input: 'hi', stream: true })).text());
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.failed',
    ]);
    expect(events[3]).toMatchObject({
      sequence_number: 3,
      response: { status: 'failed', error: { code: 'server_error' } },
    });
    const cut = await post({ model: 'gpt-4o-mini', input: 'hi', stream: true });
    await expect(cut.text()).rejects.toThrow();
    mock.queueFault({ kind: 'streamError', afterChunks: 2, event: 'error' });
    const errored = parseNamedSse(await (await post({ model: 'gpt-4o-mini', input: 'hi', stream: true })).text());
    expect(errored.at(-1)).toEqual({
      type: 'error',
      sequence_number: 2,
      code: 'server_error',
      message: 'mock stream error',
      param: null,
    });
  });
});

describe('mock OpenAI chat completions: output limits', () => {
  it('refuses max_tokens and max_completion_tokens above the model limit with OpenAI’s message', async () => {
    const chat = (extra: object): Promise<Response> =>
      fetch(`${mock.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra }),
      });
    const tooLarge = await chat({ max_tokens: 64000 });
    expect(tooLarge.status).toBe(400);
    expect(((await tooLarge.json()) as any).error).toEqual({
      message:
        'max_tokens is too large: 64000. This model supports at most 16384 completion tokens, whereas you provided 64000.',
      type: 'invalid_request_error',
      param: 'max_tokens',
      code: 'invalid_value',
    });
    expect(((await (await chat({ max_completion_tokens: 16385 })).json()) as any).error.param).toBe(
      'max_completion_tokens',
    );
    expect((await chat({ max_tokens: 16384 })).status).toBe(200);
  });

  it('takes its limits table from options and answers chat as scripted', async () => {
    const small = await startMockOpenAI({ outputLimits: { 'gpt-4o-mini': 100 } });
    try {
      const res = await fetch(`${small.baseUrl}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'gpt-4o-mini-2024-07-18',
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 101,
        }),
      });
      expect(res.status).toBe(400);
      small.queueAnswer({ toolCalls: [{ name: 'lookup', arguments: '{"q":1}' }] });
      const scripted = await fetch(`${small.baseUrl}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(((await scripted.json()) as any).choices[0].message.tool_calls[0].function).toEqual({
        name: 'lookup',
        arguments: '{"q":1}',
      });
    } finally {
      await small.close();
    }
  });
});

describe('hosted web search', () => {
  it('searches for the last user text when a web_search tool is offered: sources only when include asks', async () => {
    const plain = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'news',
      tools: [{ type: 'web_search' }],
    });
    expect(plain.output[0]).toMatchObject({
      type: 'web_search_call',
      status: 'completed',
      action: { type: 'search', query: 'news' },
    });
    expect((plain.output[0] as any).action.sources).toBeUndefined();
    expect((plain.output[1] as any).content[0].annotations).toEqual([
      expect.objectContaining({ type: 'url_citation', url: 'https://search-results.example/news' }),
    ]);
    const sourced = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'news',
      tools: [{ type: 'web_search' }],
      include: ['web_search_call.action.sources'],
    });
    expect((sourced.output[0] as any).action.sources).toEqual([
      { type: 'url', url: 'https://search-results.example/news' },
    ]);
    const none = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'news',
      tools: [{ type: 'web_search' }],
      tool_choice: 'none',
    });
    expect(none.output.map((i) => i.type)).toEqual(['message']);
  });

  it('streams the search call with its phases and the citation as an annotation event', async () => {
    const stream = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'news',
      tools: [{ type: 'web_search' }],
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'response.web_search_call.in_progress',
        'response.web_search_call.searching',
        'response.web_search_call.completed',
        'response.output_text.annotation.added',
      ]),
    );
    expect(types.indexOf('response.web_search_call.completed')).toBeLessThan(
      types.indexOf('response.output_text.delta'),
    );
  });
});
