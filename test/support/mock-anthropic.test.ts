import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic } from './mock-anthropic.js';
import type { MockAnthropic } from './mock-anthropic.js';

let mock: MockAnthropic;
const KEY = 'sk-ant-mock-key';

beforeAll(async () => {
  mock = await startMockAnthropic({ apiKey: KEY, name: 'm' });
});
afterEach(() => mock.reset());
afterAll(() => mock.close());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${mock.baseUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body),
  });
const base = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };

async function rejects(body: unknown, fragment: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await post(body, headers);
  expect(res.status).toBe(400);
  const json = (await res.json()) as { type: string; error: { type: string; message: string } };
  expect(json.type).toBe('error');
  expect(json.error.type).toBe('invalid_request_error');
  expect(json.error.message).toContain(fragment);
}

describe('mock Anthropic: validation like the real API', () => {
  it('answers a valid request with a message object', async () => {
    const res = await post(base);
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'm: hi' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(json.id).toMatch(/^msg_/);
    expect(mock.requests[0]!.body).toEqual(base);
  });

  it('requires model, max_tokens, messages and the anthropic-version header; refuses unknown fields', async () => {
    await rejects({ ...base, model: undefined }, 'model: Field required');
    await rejects({ ...base, max_tokens: undefined }, 'max_tokens: Field required');
    await rejects({ ...base, messages: [] }, 'messages: Field required');
    await rejects({ ...base, seed: 1 }, 'seed: Extra inputs are not permitted');
    await rejects(base, 'anthropic-version', { 'anthropic-version': '' });
  });

  it('enforces alternating roles starting with user', async () => {
    await rejects(
      { ...base, messages: [{ role: 'assistant', content: 'x' }] },
      'first message must use the "user" role',
    );
    await rejects(
      {
        ...base,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      },
      'roles must alternate',
    );
    await rejects({ ...base, messages: [{ role: 'system', content: 'a' }] }, 'first message must use the "user" role');
    await rejects(
      { ...base, messages: [{ role: 'tool', content: 'a' }] },
      "Input should be 'user', 'assistant' or 'system'",
    );
  });

  it('requires every tool_use to be answered by a tool_result in the next user turn', async () => {
    const use = { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} };
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    await rejects(
      {
        ...base,
        tools,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [use] },
          { role: 'user', content: 'no result' },
        ],
      },
      '`tool_use` ids were found without `tool_result`',
    );
    await rejects(
      {
        ...base,
        tools,
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'x' }] }],
      },
      'unexpected `tool_use_id`',
    );
    const ok = await post({
      ...base,
      tools,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [use] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'r' }] },
      ],
    });
    expect(ok.status).toBe(200);
  });

  it('checks base64 image media types, cache_control count, empty text and tool_choice without tools', async () => {
    const image = (media_type: string) => ({ type: 'image', source: { type: 'base64', media_type, data: 'AAAA' } });
    await rejects({ ...base, messages: [{ role: 'user', content: [image('image/bmp')] }] }, 'media_type');
    expect(
      (
        await post({
          ...base,
          messages: [{ role: 'user', content: [image('image/png'), { type: 'text', text: 'x' }] }],
        })
      ).status,
    ).toBe(200);
    const cached = { type: 'text', text: 'x', cache_control: { type: 'ephemeral' } };
    await rejects(
      { ...base, messages: [{ role: 'user', content: [cached, cached, cached, cached, cached] }] },
      'A maximum of 4 blocks with cache_control',
    );
    await rejects(
      { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] },
      'must be non-empty',
    );
    await rejects(
      { ...base, tool_choice: { type: 'auto' } },
      'tool_choice may only be specified while providing tools',
    );
  });

  it('refuses temperature, top_p and top_k under anthropic-version 2026-10-21 only', async () => {
    await rejects({ ...base, temperature: 0.5 }, 'temperature: is not supported', {
      'anthropic-version': '2026-10-21',
    });
    await rejects({ ...base, top_k: 5 }, 'top_k: is not supported', { 'anthropic-version': '2026-10-21' });
    expect((await post({ ...base, temperature: 0.5, top_k: 5 })).status).toBe(200);
    await rejects({ ...base, temperature: 1.5 }, 'temperature');
  });
});

describe('mock Anthropic: sampling, thinking and turn checks like the real API', () => {
  const ok = async (body: unknown): Promise<void> => expect((await post(body)).status).toBe(200);
  const thinking = { type: 'enabled', budget_tokens: 1024 };
  const tools = [{ name: 'f', input_schema: { type: 'object' } }];

  it('checks the types and ranges of temperature, top_p and top_k', async () => {
    await rejects({ ...base, temperature: -0.1 }, 'temperature: Input should be greater than or equal to 0');
    await rejects({ ...base, temperature: '0.5' }, 'temperature: Input should be a valid number');
    await rejects({ ...base, top_p: 1.5 }, 'top_p: Input should be less than or equal to 1');
    await rejects({ ...base, top_k: 2.5 }, 'top_k: Input should be a valid integer');
    await rejects({ ...base, top_k: -1 }, 'top_k: Input should be greater than or equal to 0');
    await ok({ ...base, temperature: 0, top_k: 0 });
    await ok({ ...base, top_p: 1 });
  });

  it('refuses temperature with top_p on the models that take one of them (Opus 4.1, 4.5 and later)', async () => {
    const both = { temperature: 0.5, top_p: 0.9 };
    const refused = '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
    await rejects({ ...base, model: 'claude-sonnet-4-5', ...both }, refused);
    await rejects({ ...base, model: 'claude-opus-4-1-20250805', ...both }, refused);
    await ok({ ...base, model: 'claude-sonnet-4-5', temperature: 0.5 });
    await ok({ ...base, model: 'claude-sonnet-4-20250514', ...both });
  });

  it('refuses temperature other than 1, top_k and a forced tool while thinking is on', async () => {
    const on = { ...base, max_tokens: 2048, thinking };
    await rejects({ ...on, temperature: 0.5 }, '`temperature` may only be set to 1 when thinking is enabled');
    await rejects({ ...base, thinking: { type: 'adaptive' }, temperature: 0 }, '`temperature` may only be set to 1');
    await ok({ ...on, temperature: 1 });
    await rejects({ ...on, top_k: 5 }, '`top_k` must be unset when thinking is enabled');
    const forced = 'Thinking may not be enabled when tool_choice forces tool use.';
    await rejects({ ...on, tools, tool_choice: { type: 'any' } }, forced);
    await rejects({ ...on, tools, tool_choice: { type: 'tool', name: 'f' } }, forced);
    await ok({ ...on, tools, tool_choice: { type: 'auto' } });
    await ok({ ...base, tools, tool_choice: { type: 'any' }, temperature: 0.5, top_k: 5 });
  });

  it('checks stop_sequences, metadata and system blocks', async () => {
    await rejects({ ...base, stop_sequences: 'END' }, 'stop_sequences: Input should be a valid list');
    await rejects({ ...base, stop_sequences: ['END', 1] }, 'stop_sequences.1: Input should be a valid string');
    await ok({ ...base, stop_sequences: ['END'] });
    await rejects({ ...base, metadata: { session: 'x' } }, 'metadata.session: Extra inputs are not permitted');
    await rejects({ ...base, metadata: { user_id: 'u'.repeat(257) } }, 'at most 256 characters');
    await ok({ ...base, metadata: { user_id: 'u'.repeat(256) } });
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } };
    await rejects({ ...base, system: [image] }, "system.0.type: Input should be 'text'");
    await rejects({ ...base, system: [{ type: 'text', text: '' }] }, 'system: text content blocks must be non-empty');
    await ok({ ...base, system: [{ type: 'text', text: 'be brief' }] });
  });

  it('refuses duplicate tool names and an input_schema that is not an object schema', async () => {
    await rejects({ ...base, tools: [...tools, ...tools] }, 'tools: Tool names must be unique.');
    await rejects(
      { ...base, tools: [{ name: 'f', input_schema: { type: 'string' } }] },
      "tools.0.custom.input_schema.type: Input should be 'object'",
    );
    await ok({ ...base, tools: [...tools, { name: 'g', input_schema: { type: 'object' } }] });
  });

  it('refuses empty and whitespace-only turns; a final assistant turn may be empty but not end with whitespace', async () => {
    const turns = (...messages: unknown[]) => ({ ...base, messages });
    await rejects(
      turns({ role: 'user', content: [] }),
      'messages.0: all messages must have non-empty content except for the optional final assistant message',
    );
    await rejects(
      turns({ role: 'user', content: 'a' }, { role: 'assistant', content: '' }, { role: 'user', content: 'b' }),
      'messages.1: all messages must have non-empty content',
    );
    await ok(turns({ role: 'user', content: 'a' }, { role: 'assistant', content: '' }));
    await rejects(turns({ role: 'user', content: ' \n' }), 'text content blocks must contain non-whitespace text');
    await ok(
      turns({
        role: 'user',
        content: [
          { type: 'text', text: ' ' },
          { type: 'text', text: 'a' },
        ],
      }),
    );
    await rejects(
      turns({ role: 'user', content: 'a' }, { role: 'assistant', content: 'The answer is ' }),
      'messages: final assistant content cannot end with trailing whitespace',
    );
    await ok(turns({ role: 'user', content: 'a' }, { role: 'assistant', content: 'The answer is' }));
  });

  it('refuses a final assistant turn on Claude 4.6 models and later, and without thinking first while thinking is on', async () => {
    const prefill = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: '{' },
    ];
    await rejects(
      { ...base, model: 'claude-sonnet-4-6', messages: prefill },
      'This model does not support assistant message prefill. The conversation must end with a user message.',
    );
    await ok({ ...base, messages: prefill });
    await rejects(
      { ...base, max_tokens: 2048, thinking, messages: prefill },
      'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`',
    );
  });
});

describe('mock Anthropic: errors and faults', () => {
  it('answers 401 authentication_error without the key, accepting x-api-key or Bearer', async () => {
    const res = await post(base, { 'x-api-key': 'wrong' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((await post(base, { 'x-api-key': '', authorization: `Bearer ${KEY}` })).status).toBe(200);
  });

  it('injects status faults with the real error types', async () => {
    mock.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '3' } }, { kind: 'status', status: 529 });
    const limited = await post(base);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const overloaded = await post(base);
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect((await post(base)).status).toBe(200);
  });

  it('resets the connection and hangs on request', async () => {
    mock.queueFault({ kind: 'reset' });
    await expect(post(base)).rejects.toThrow();
    mock.queueFault({ kind: 'hang' });
    const controller = new AbortController();
    const pending = fetch(`${mock.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(base),
      signal: controller.signal,
    });
    while (mock.requests.length < 2) await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});

describe('mock Anthropic: stream wire format', () => {
  const events = (text: string) =>
    [...text.matchAll(/^event: (\w+)\ndata: (.*)\n\n/gm)].map((m) => ({
      event: m[1]!,
      data: JSON.parse(m[2]!) as Record<string, any>,
    }));

  it('streams event: + data: lines with ping, text_delta and a final message_delta/message_stop', async () => {
    const text = await (await post({ ...base, stream: true })).text();
    const list = events(text);
    expect(text.split('\n\n').filter(Boolean)).toHaveLength(list.length);
    expect(list.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of list) expect(e.data.type).toBe(e.event);
    expect(
      list
        .filter((e) => e.event === 'content_block_delta')
        .map((e) => e.data.delta.text)
        .join(''),
    ).toBe('m: hi');
    expect(list[0]!.data.message).toMatchObject({ content: [], stop_reason: null, usage: { output_tokens: 1 } });
    expect(list.at(-2)!.data).toMatchObject({
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it('streams thinking_delta and input_json_delta for thinking and tool_use blocks', async () => {
    const body = {
      ...base,
      max_tokens: 3000,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'weather?' }],
    };
    const list = events(await (await post(body)).text());
    const deltas = list.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.type);
    expect(deltas).toContain('thinking_delta');
    expect(deltas).toContain('signature_delta');
    const json = list
      .filter((e) => e.data.delta?.type === 'input_json_delta')
      .map((e) => e.data.delta.partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ city: 'Paris' });
    expect(list.at(-2)!.data.delta.stop_reason).toBe('tool_use');
  });

  it('cuts a stream after N events, or ends it with an error event', async () => {
    mock.queueFault({ kind: 'cut', afterEvents: 2 });
    const cut = await post({ ...base, stream: true });
    await expect(cut.text()).rejects.toThrow();
    mock.queueFault({ kind: 'streamError', afterEvents: 3 });
    const list = events(await (await post({ ...base, stream: true })).text());
    expect(list.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'ping', 'error']);
    expect(list.at(-1)!.data).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('lists models and counts tokens', async () => {
    const models = (await (await fetch(`${mock.baseUrl}/v1/models`, { headers: { 'x-api-key': KEY } })).json()) as {
      data: Array<{ id: string; type: string }>;
      has_more: boolean;
    };
    expect(models.data.map((m) => m.id)).toEqual(['claude-sonnet-4-5', 'claude-haiku-4-5']);
    expect(models.has_more).toBe(false);
    const counted = await fetch(`${mock.baseUrl}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', messages: base.messages }),
    });
    expect(await counted.json()).toEqual({ input_tokens: expect.any(Number) });
  });
});

describe('mock Anthropic: answers and streams as the API sends them today', () => {
  type Event = { event: string; data: Record<string, any>; raw: string };
  const events = (text: string): Event[] =>
    [...text.matchAll(/^event: (\w+)\ndata: (.*)\n\n/gm)].map((m) => ({
      event: m[1]!,
      data: JSON.parse(m[2]!) as Record<string, any>,
      raw: m[2]!,
    }));
  const stream = async (body: unknown): Promise<Event[]> =>
    events(await (await post({ ...(body as object), stream: true })).text());

  it('answers with stop_details, and usage with cache breakdown, service_tier and inference_geo', async () => {
    const json = (await (await post(base)).json()) as Record<string, any>;
    expect(json.stop_details).toBeNull();
    expect(json.usage).toEqual({
      input_tokens: expect.any(Number),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: expect.any(Number),
      service_tier: 'standard',
      inference_geo: 'global',
    });
  });

  it('sends ping after the first content_block_start, its data written as the API writes it', async () => {
    const list = await stream(base);
    expect(list.slice(0, 3).map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(list[2]!.raw).toBe('{"type": "ping"}');
    expect(list.filter((e) => e.event === 'ping')).toHaveLength(1);
  });

  it('repeats the input and cache counts in message_delta usage (cumulative), with the output split', async () => {
    const list = await stream(base);
    const start = list[0]!.data.message;
    expect(start).toMatchObject({ stop_reason: null, stop_details: null, usage: { output_tokens: 1 } });
    expect(start.usage.inference_geo).toBe('global');
    const delta = list.find((e) => e.event === 'message_delta')!.data;
    expect(delta.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null, stop_details: null });
    expect(delta.usage).toEqual({
      input_tokens: start.usage.input_tokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: expect.any(Number),
      output_tokens_details: { thinking_tokens: 0 },
    });
  });

  it('ends thinking with an empty thinking_delta before signature_delta, and counts thinking tokens', async () => {
    const list = await stream({ ...base, max_tokens: 3000, thinking: { type: 'enabled', budget_tokens: 1024 } });
    const deltas = list.filter((e) => e.event === 'content_block_delta' && e.data.index === 0).map((e) => e.data.delta);
    expect(deltas.slice(-2)).toEqual([
      { type: 'thinking_delta', thinking: '' },
      { type: 'signature_delta', signature: expect.any(String) },
    ]);
    const usage = list.find((e) => e.event === 'message_delta')!.data.usage;
    expect(usage.output_tokens_details.thinking_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens_details.thinking_tokens).toBeLessThan(usage.output_tokens);
  });

  it('reports a scripted refusal with stop_details, in the answer and on message_delta', async () => {
    mock.queueAnswer({ text: 'Hello..', stopReason: 'refusal' }, { text: 'Hello..', stopReason: 'refusal' });
    const refusal = { type: 'refusal', category: 'cyber', explanation: expect.stringContaining('declined') };
    const json = (await (await post(base)).json()) as Record<string, any>;
    expect(json).toMatchObject({ stop_reason: 'refusal', stop_details: refusal });
    const list = await stream(base);
    expect(list[0]!.data.message.stop_details).toBeNull();
    expect(list.find((e) => e.event === 'message_delta')!.data.delta).toMatchObject({
      stop_reason: 'refusal',
      stop_details: refusal,
    });
  });

  it('reports scripted pause_turn and model_context_window_exceeded stops, over the default answer too', async () => {
    mock.queueAnswer({ stopReason: 'pause_turn' }, { text: 'cut', stopReason: 'model_context_window_exceeded' });
    const paused = (await (await post(base)).json()) as Record<string, any>;
    expect(paused).toMatchObject({ stop_reason: 'pause_turn', stop_details: null, content: [{ text: 'm: hi' }] });
    const list = await stream(base);
    expect(list.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('model_context_window_exceeded');
  });

  it('answers a scripted web search with server_tool_use, web_search_tool_result and cited text', async () => {
    const webSearch = { query: 'solar eclipse 2026', results: [{ title: 'Eclipses', url: 'https://example.com/e' }] };
    mock.queueAnswer({ text: 'Two eclipses.', webSearch });
    const json = (await (await post(base)).json()) as Record<string, any>;
    const [use, result, text] = json.content;
    expect(use).toEqual({
      type: 'server_tool_use',
      id: expect.stringMatching(/^srvtoolu_/),
      name: 'web_search',
      input: { query: webSearch.query },
    });
    expect(result).toEqual({
      type: 'web_search_tool_result',
      tool_use_id: use.id,
      content: [
        {
          type: 'web_search_result',
          title: 'Eclipses',
          url: 'https://example.com/e',
          encrypted_content: expect.any(String),
          page_age: null,
        },
      ],
      caller: { type: 'direct' },
    });
    expect(text).toEqual({
      type: 'text',
      text: 'Two eclipses.',
      citations: [
        {
          type: 'web_search_result_location',
          cited_text: expect.any(String),
          url: 'https://example.com/e',
          title: 'Eclipses',
          encrypted_index: expect.any(String),
        },
      ],
    });
    expect(json.usage.server_tool_use).toEqual({ web_search_requests: 1 });
  });

  it('takes its own search blocks back in the history, and refuses results and citations it did not make', async () => {
    mock.queueAnswer({ text: 'Two eclipses.', webSearch: { query: 'solar eclipse 2026' } });
    const answer = (await (await post(base)).json()) as Record<string, any>;
    const turn = (content: unknown) => ({
      ...base,
      messages: [...base.messages, { role: 'assistant', content }, { role: 'user', content: 'and the next?' }],
    });
    expect((await post(turn(answer.content))).status).toBe(200);
    const [use, result, text] = answer.content;
    const emptied = { ...result, content: [{ ...result.content[0], encrypted_content: '' }] };
    await rejects(turn([use, emptied, text]), 'Invalid `encrypted_content` in `web_search_result` block');
    const uncited = { ...text, citations: [{ ...text.citations[0], encrypted_index: '' }] };
    await rejects(turn([use, result, uncited]), 'Invalid `encrypted_index` in `web_search_result_location` citation');
  });

  it('streams a web search: partial JSON input (empty first), the result whole, then citations_delta', async () => {
    mock.queueAnswer({ text: 'Two eclipses.', webSearch: { query: 'solar eclipse 2026' } });
    const list = await stream(base);
    expect(list[0]!.data.message.usage.server_tool_use).toBeUndefined();
    const at = (index: number) => list.filter((e) => e.data.index === index).map((e) => e.data);
    expect(at(0)[0]!.content_block).toEqual({
      type: 'server_tool_use',
      id: expect.any(String),
      name: 'web_search',
      input: {},
    });
    const inputs = at(0)
      .filter((d) => d.delta?.type === 'input_json_delta')
      .map((d) => d.delta.partial_json);
    expect(inputs[0]).toBe('');
    expect(JSON.parse(inputs.join(''))).toEqual({ query: 'solar eclipse 2026' });
    expect(at(1).map((d) => d.type)).toEqual(['content_block_start', 'content_block_stop']);
    expect(at(1)[0]!.content_block.type).toBe('web_search_tool_result');
    expect(at(2)[0]!.content_block).toEqual({ type: 'text', text: '' });
    expect(at(2)[1]!.delta).toMatchObject({
      type: 'citations_delta',
      citation: { type: 'web_search_result_location' },
    });
    const delta = list.find((e) => e.event === 'message_delta')!.data;
    expect(delta.usage.server_tool_use).toEqual({ web_search_requests: 1 });
  });
});

describe('mock Anthropic: prompt cache imitation (promptCache: true)', () => {
  it('writes marked prefixes over the minimum, reads them back from a later breakpoint, ignores short ones', async () => {
    const cached = await startMockAnthropic({ promptCache: true, minCacheTokens: 100 });
    try {
      const send = async (body: unknown) => {
        const res = await fetch(`${cached.baseUrl}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify(body),
        });
        return ((await res.json()) as { usage: Record<string, number> }).usage;
      };
      const mark = { type: 'ephemeral' };
      const system = [{ type: 'text', text: 'x'.repeat(800), cache_control: mark }];
      const turn1 = {
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        system,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'one', cache_control: mark }] }],
      };
      const first = await send(turn1);
      expect(first.cache_read_input_tokens).toBe(0);
      expect(first.cache_creation_input_tokens).toBeGreaterThan(200);
      const turn2 = {
        ...turn1,
        messages: [
          { role: 'user', content: 'one' },
          { role: 'assistant', content: 'answer' },
          { role: 'user', content: [{ type: 'text', text: 'two', cache_control: mark }] },
        ],
      };
      const second = await send(turn2);
      expect(second.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
      expect(second.cache_creation_input_tokens).toBeGreaterThan(0);
      const unmarked = await send({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'one' }],
      });
      expect([unmarked.cache_read_input_tokens, unmarked.cache_creation_input_tokens]).toEqual([0, 0]);
      const short = await send({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'tiny', cache_control: mark }] }],
      });
      expect([short.cache_read_input_tokens, short.cache_creation_input_tokens]).toEqual([0, 0]);
    } finally {
      await cached.close();
    }
  });
});
