import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from './mock-openai.js';
import { until } from './wait.js';

let mock: MockOpenAI;

beforeEach(async () => {
  mock = await startMockOpenAI({ name: 'alpha' });
});

afterEach(async () => {
  await mock.close();
});

// --- helpers ---------------------------------------------------------------

function chatBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }], ...extra };
}

function post(path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${mock.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
}

/** Posts a chat request and aborts it once the mock holds `nth` requests (not after a fixed time: under load it might not have arrived). */
async function postThenLeave(nth: number): Promise<Response> {
  const controller = new AbortController();
  const pending = post('/chat/completions', chatBody(), { signal: controller.signal });
  await until(() => mock.requests.length >= nth, { what: `request ${nth} at the mock` });
  controller.abort();
  return pending;
}

/** Response JSON, loosely typed so tests can poke at nested fields. */
async function json(res: Response): Promise<any> {
  return res.json();
}

/** Parses an SSE body into its `data:` payloads (JSON-decoded, except `[DONE]`). */
function parseSse(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : (JSON.parse(data) as unknown)));
}

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{ index: number; delta: Record<string, any>; finish_reason: string | null }>;
  usage?: unknown;
}

/** Reads a stream until it ends or fails; returns the text received and the failure, if any. */
async function drain(res: Response): Promise<{ text: string; error: unknown }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

const weatherTools = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } },
];

// --- tests -----------------------------------------------------------------

describe('chat completions', () => {
  it('returns a chat.completion object naming the instance', async () => {
    const res = await post('/chat/completions', chatBody());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = await json(res);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      system_fingerprint: expect.any(String),
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'alpha: hello there', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.created).toEqual(expect.any(Number));
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('answers as OpenAI does today: annotations, service_tier and usage details with their zeros', async () => {
    const body = await json(await post('/chat/completions', chatBody()));
    expect(body.choices[0].message).toEqual({
      role: 'assistant',
      content: 'alpha: hello there',
      refusal: null,
      annotations: [],
    });
    expect(body.service_tier).toBe('default');
    expect(body.usage).toEqual({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    const weather = [{ role: 'user', content: 'What is the weather like?' }];
    const call = await json(await post('/chat/completions', chatBody({ messages: weather, tools: weatherTools })));
    expect(call.choices[0].message).toMatchObject({ content: null, refusal: null, annotations: [] });
  });

  it('reports the service tier that served the request: flex and priority as asked, else default', async () => {
    const tiers = [];
    for (const service_tier of ['flex', 'priority', 'auto', 'default'])
      tiers.push((await json(await post('/chat/completions', chatBody({ service_tier })))).service_tier);
    expect(tiers).toEqual(['flex', 'priority', 'default', 'default']);
  });

  it('uses the text parts of array content of the last user message', async () => {
    const messages = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'foo ' },
          { type: 'text', text: 'bar' },
        ],
      },
    ];
    const body = await json(await post('/chat/completions', chatBody({ messages })));
    expect(body.choices[0].message.content).toBe('alpha: foo bar');
  });

  it('answers with a tool call when tools are given and the user asks about the weather', async () => {
    const messages = [{ role: 'user', content: 'What is the weather like?' }];
    const body = await json(await post('/chat/completions', chatBody({ messages, tools: weatherTools })));
    const choice = body.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
  });

  it('calls the function tool_choice forces, with arguments of its parameters’ shape, and none with tool_choice none', async () => {
    const report = {
      type: 'function',
      function: {
        name: 'weather_report',
        parameters: { type: 'object', properties: { city: { type: 'string' }, sunny: { type: 'boolean' } } },
      },
    };
    const messages = [{ role: 'user', content: 'Report.' }];
    const forced = { type: 'function', function: { name: 'weather_report' } };
    const called = await json(
      await post('/chat/completions', chatBody({ messages, tools: [report], tool_choice: forced })),
    );
    expect(called.choices[0].message.tool_calls[0].function).toEqual({
      name: 'weather_report',
      arguments: '{"city":"Paris","sunny":true}',
    });
    const weather = [{ role: 'user', content: 'What is the weather like?' }];
    const none = await json(
      await post('/chat/completions', chatBody({ messages: weather, tools: weatherTools, tool_choice: 'none' })),
    );
    expect(none.choices[0].message.tool_calls).toBeUndefined();
  });

  it("refuses the fields OpenAI's models refuse, and takes them from other models", async () => {
    const refused = async (extra: Record<string, unknown>): Promise<unknown> => {
      const res = await post('/chat/completions', chatBody(extra));
      return res.status === 400 ? (await json(res)).error.param : res.status;
    };
    expect(await refused({ model: 'o3-mini', max_tokens: 10 })).toBe('max_tokens');
    expect(await refused({ model: 'gpt-5.5', max_tokens: 10 })).toBe('max_tokens');
    expect(await refused({ model: 'gpt-4o', reasoning_effort: 'low' })).toBe('reasoning_effort');
    expect(await refused({ model: 'o3-mini', max_completion_tokens: 10, reasoning_effort: 'low' })).toBe(200);
    expect(await refused({ model: 'gpt-4o', max_tokens: 10 })).toBe(200);
    expect(await refused({ model: 'llama-3.1-8b', max_tokens: 10, reasoning_effort: 'low' })).toBe(200);
  });

  it('refuses sampling fields away from their defaults for reasoning models, as OpenAI does', async () => {
    const answer = async (extra: Record<string, unknown>): Promise<unknown> => {
      const res = await post('/chat/completions', chatBody(extra));
      if (res.status !== 400) return res.status;
      const { error } = await json(res);
      return `${error.code}:${error.param}`;
    };
    expect(await answer({ model: 'o3', temperature: 0.2 })).toBe('unsupported_value:temperature');
    expect(await answer({ model: 'gpt-5-mini', top_p: 0.9 })).toBe('unsupported_value:top_p');
    expect(await answer({ model: 'o4-mini', presence_penalty: 0.5 })).toBe('unsupported_value:presence_penalty');
    expect(await answer({ model: 'gpt-5', frequency_penalty: 1 })).toBe('unsupported_value:frequency_penalty');
    const res = await post('/chat/completions', chatBody({ model: 'o3', temperature: 0.2 }));
    expect((await json(res)).error.message).toBe(
      "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
    );
    // The defaults are taken; gpt-5.1 and later sample when told not to reason; other models sample.
    expect(await answer({ model: 'o3', temperature: 1, top_p: 1, presence_penalty: 0, frequency_penalty: 0 })).toBe(
      200,
    );
    expect(await answer({ model: 'gpt-5.1', reasoning_effort: 'none', temperature: 0.2, top_p: 0.9 })).toBe(200);
    expect(await answer({ model: 'gpt-5.1', reasoning_effort: 'low', temperature: 0.2 })).toBe(
      'unsupported_value:temperature',
    );
    expect(await answer({ model: 'gpt-5', reasoning_effort: 'none', temperature: 0.2 })).toBe(
      'unsupported_value:temperature',
    );
    expect(await answer({ model: 'gpt-4o', temperature: 0.2, presence_penalty: 0.5 })).toBe(200);
  });

  it('refuses strict schemas OpenAI cannot enforce, in tools and in response_format, and takes strict ones that it can', async () => {
    const open = { type: 'object', properties: { city: { type: 'string' } } };
    const closed = { ...open, required: ['city'], additionalProperties: false };
    const tool = (parameters: object) => [{ type: 'function', function: { name: 'f', strict: true, parameters } }];
    const refusedTool = await post('/chat/completions', chatBody({ tools: tool(open) }));
    expect(refusedTool.status).toBe(400);
    expect((await json(refusedTool)).error).toMatchObject({
      message:
        "Invalid schema for function 'f': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      param: 'tools[0].function.parameters',
      code: 'invalid_function_parameters',
    });
    const format = (schema: object) => ({ type: 'json_schema', json_schema: { name: 'r', strict: true, schema } });
    const refusedFormat = await post(
      '/chat/completions',
      chatBody({ response_format: format({ ...open, additionalProperties: false }) }),
    );
    expect((await json(refusedFormat)).error.message).toBe(
      "Invalid schema for response_format 'r': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'city'.",
    );
    expect((await post('/chat/completions', chatBody({ tools: tool(closed) }))).status).toBe(200);
    expect((await post('/chat/completions', chatBody({ response_format: format(closed) }))).status).toBe(200);
  });

  it('takes gpt-5-chat as a model that does not reason', async () => {
    const res = await post('/chat/completions', chatBody({ model: 'gpt-5-chat-latest', reasoning_effort: 'low' }));
    expect(res.status).toBe(400);
    expect((await json(res)).error.param).toBe('reasoning_effort');
    expect((await post('/chat/completions', chatBody({ model: 'gpt-5-chat-latest', temperature: 0.2 }))).status).toBe(
      200,
    );
  });

  it('refuses unknown fields as OpenAI does, and takes them as a compatible server (strictChat: false)', async () => {
    const refused = await post('/chat/completions', chatBody({ some_future_field: 1 }));
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.param).toBe('some_future_field');
    const compatible = await startMockOpenAI({ name: 'compat', strictChat: false });
    try {
      const res = await fetch(`${compatible.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatBody({ some_future_field: 1 })),
      });
      expect(res.status).toBe(200);
    } finally {
      await compatible.close();
    }
  });

  it('rejects a body that is not JSON', async () => {
    const res = await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(400);
    expect((await json(res)).error.type).toBe('invalid_request_error');
  });
});

describe('streaming', () => {
  it('streams role, content pieces, finish and [DONE] without usage', async () => {
    const res = await post('/chat/completions', chatBody({ stream: true }));
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const events = parseSse(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    expect(chunks).toHaveLength(1 + 3 + 1);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const content = chunks.slice(1, 4).map((c) => c.choices[0]!.delta.content as string);
    expect(content.join('')).toBe('alpha: hello there');
    expect(chunks.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: chunks[0]!.id, created: chunks[0]!.created, model: 'gpt-4o-mini' });
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk).not.toHaveProperty('usage');
    }
  });

  it('adds usage: null to every chunk and a final usage chunk with include_usage', async () => {
    const res = await post('/chat/completions', chatBody({ stream: true, stream_options: { include_usage: true } }));
    const events = parseSse(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: expect.objectContaining({ reasoning_tokens: 0 }),
    });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it('pads every chunk, the usage chunk included, with an obfuscation string unless include_obfuscation is false', async () => {
    const options = { include_usage: true };
    const padded = parseSse(
      await (await post('/chat/completions', chatBody({ stream: true, stream_options: options }))).text(),
    );
    const chunks = padded.slice(0, -1) as Array<Chunk & { obfuscation?: string; service_tier?: string }>;
    for (const chunk of chunks) {
      expect(chunk.obfuscation).toMatch(/^[A-Za-z0-9]+$/);
      expect(chunk.service_tier).toBe('default');
    }
    expect(new Set(chunks.map((c) => c.obfuscation!.length)).size).toBeGreaterThan(1);
    const plain = await post(
      '/chat/completions',
      chatBody({ stream: true, stream_options: { ...options, include_obfuscation: false } }),
    );
    for (const chunk of parseSse(await plain.text()).slice(0, -1)) expect(chunk).not.toHaveProperty('obfuscation');
  });

  it('honours the chunks option', async () => {
    const custom = await startMockOpenAI({ chunks: 5 });
    try {
      const res = await fetch(`${custom.baseUrl}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(chatBody({ stream: true })),
      });
      const chunks = parseSse(await res.text()).slice(0, -1) as Chunk[];
      expect(chunks).toHaveLength(1 + 5 + 1);
      expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('mock: hello there');
    } finally {
      await custom.close();
    }
  });

  it('streams tool-call arguments in two chunks with the same index', async () => {
    const messages = [{ role: 'user', content: 'weather in Paris?' }];
    const res = await post('/chat/completions', chatBody({ messages, tools: weatherTools, stream: true }));
    const chunks = parseSse(await res.text()).slice(0, -1) as Chunk[];
    const calls = chunks.flatMap((c) => (c.choices[0]?.delta.tool_calls ?? []) as Array<Record<string, any>>);
    expect(calls[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/), type: 'function' });
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: null, refusal: null });
    expect(calls.slice(1).every((call) => !('id' in call) && !('type' in call))).toBe(true);
    expect(calls[0]!.function.name).toBe('get_weather');
    const argumentPieces = calls.slice(1).map((call) => call.function.arguments as string);
    expect(argumentPieces).toHaveLength(2);
    expect(calls.every((call) => call.index === 0)).toBe(true);
    expect(calls.map((call) => call.function.arguments).join('')).toBe('{"city":"Paris"}');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('streams scripted parallel tool calls one after the other, each under its own index', async () => {
    mock.setAnswerer(() => ({
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris' } },
        { name: 'get_weather', arguments: { city: 'Rome' } },
      ],
    }));
    const res = await post('/chat/completions', chatBody({ tools: weatherTools, stream: true }));
    const chunks = parseSse(await res.text()).slice(0, -1) as Chunk[];
    const calls = chunks.flatMap((c) => (c.choices[0]?.delta.tool_calls ?? []) as Array<Record<string, any>>);
    expect(calls.map((call) => call.index)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(calls.filter((call) => call.id).map((call) => call.index)).toEqual([0, 1]);
    const args = (index: number): string =>
      calls
        .filter((call) => call.index === index)
        .map((call) => call.function.arguments)
        .join('');
    expect([args(0), args(1)]).toEqual(['{"city":"Paris"}', '{"city":"Rome"}']);
    const whole = await json(await post('/chat/completions', chatBody({ tools: weatherTools })));
    expect(whole.choices[0].message.tool_calls.map((c: any) => c.function.arguments)).toEqual([
      '{"city":"Paris"}',
      '{"city":"Rome"}',
    ]);
  });
});

describe('embeddings and models', () => {
  it('returns one embedding per input', async () => {
    const body = await json(await post('/embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'] }));
    expect(body).toMatchObject({ object: 'list', model: 'text-embedding-3-small' });
    expect(body.data).toHaveLength(2);
    expect(body.data[1]).toMatchObject({ object: 'embedding', index: 1 });
    expect(body.data[0].embedding).toHaveLength(8);
    expect(body.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });

    const single = await json(await post('/embeddings', { model: 'text-embedding-3-small', input: 'a' }));
    expect(single.data[0].embedding).toEqual(body.data[0].embedding);
  });

  it('supports encoding_format base64 as the openai SDK requests it', async () => {
    const input = { model: 'text-embedding-3-small', input: 'a' };
    const floats = (await json(await post('/embeddings', input))).data[0].embedding as number[];
    const encoded = await json(await post('/embeddings', { ...input, encoding_format: 'base64' }));
    const bytes = Buffer.from(encoded.data[0].embedding as string, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    decoded.forEach((value, i) => expect(value).toBeCloseTo(floats[i]!, 5));
  });

  it('lists the configured models', async () => {
    const body = await json(await fetch(`${mock.baseUrl}/models`));
    expect(body.object).toBe('list');
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']);
    expect(body.data[0]).toEqual({ id: 'gpt-4o-mini', object: 'model', created: expect.any(Number), owned_by: 'mock' });
  });

  it('answers unknown paths with a 404 OpenAI error', async () => {
    const res = await fetch(`${mock.origin}/v1/nope`);
    expect(res.status).toBe(404);
    expect((await json(res)).error).toMatchObject({ type: 'invalid_request_error', code: null, param: null });
  });
});

describe('api key', () => {
  it('rejects requests without the right bearer token', async () => {
    const secured = await startMockOpenAI({ apiKey: 'sk-test-123456' });
    try {
      const url = `${secured.baseUrl}/models`;
      for (const headers of [{}, { authorization: 'Bearer wrong-key-0000' }] as Array<Record<string, string>>) {
        const res = await fetch(url, { headers });
        expect(res.status).toBe(401);
        expect((await json(res)).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
      }
      const ok = await fetch(url, { headers: { authorization: 'Bearer sk-test-123456' } });
      expect(ok.status).toBe(200);
    } finally {
      await secured.close();
    }
  });
});

describe('faults', () => {
  it('status: default OpenAI error body', async () => {
    mock.queueFault({ kind: 'status', status: 503 }, { kind: 'status', status: 400 });
    const first = await post('/chat/completions', chatBody());
    expect(first.status).toBe(503);
    expect(await json(first)).toEqual({
      error: { message: 'mock error 503', type: 'server_error', code: null, param: null },
    });
    const second = await post('/chat/completions', chatBody());
    expect(second.status).toBe(400);
    expect((await json(second)).error.type).toBe('invalid_request_error');
  });

  it('status: custom body and headers', async () => {
    mock.queueFault({ kind: 'status', status: 429, body: { custom: true }, headers: { 'retry-after': '2' } });
    const res = await post('/chat/completions', chatBody());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await json(res)).toEqual({ custom: true });
  });

  it('delay: responds normally after the delay', async () => {
    mock.queueFault({ kind: 'delay', ms: 150 });
    const started = Date.now();
    const res = await post('/chat/completions', chatBody());
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
  });

  it('hang: never responds; the client abort is recorded', async () => {
    mock.queueFault({ kind: 'hang' });
    await expect(postThenLeave(1)).rejects.toThrow();
    const aborted = await mock.waitForAbort();
    expect(aborted).toBe(mock.requests[0]);
    expect(aborted.aborted).toBe(true);
  });

  it('reset: destroys the socket without a response (not counted as an abort)', async () => {
    mock.queueFault({ kind: 'reset' });
    await expect(post('/chat/completions', chatBody())).rejects.toThrow(/fetch failed/);
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]!.aborted).toBe(false);
  });

  it('cut: sends N chunks and then destroys the socket without [DONE]', async () => {
    mock.queueFault({ kind: 'cut', afterChunks: 2 });
    const res = await post('/chat/completions', chatBody({ stream: true }));
    expect(res.status).toBe(200);
    const { text, error } = await drain(res);
    expect(error).toBeDefined();
    expect(parseSse(text)).toHaveLength(2);
    expect(text).not.toContain('[DONE]');
    expect(mock.requests[0]!.aborted).toBe(false);
  });

  it('streamDelay: sends the head at once and the first event later', async () => {
    // The delay is long enough that a head arriving before it ends was sent at once, however slow the machine.
    mock.queueFault({ kind: 'streamDelay', firstChunkMs: 2000 });
    const started = Date.now();
    const res = await post('/chat/completions', chatBody({ stream: true }));
    expect(Date.now() - started).toBeLessThan(2000);
    const reader = res.body!.getReader();
    await reader.read();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1990);
    await reader.cancel();
  });

  it('streamError: sends an error event after N chunks and ends cleanly', async () => {
    mock.queueFault({ kind: 'streamError', afterChunks: 1 });
    const res = await post('/chat/completions', chatBody({ stream: true }));
    const { text, error } = await drain(res);
    expect(error).toBeUndefined();
    const events = parseSse(text);
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({
      error: expect.objectContaining({ type: 'server_error', message: expect.any(String) }),
    });
    expect(text).not.toContain('[DONE]');
  });

  it('queued faults apply in order and take precedence over setFault', async () => {
    mock.setFault({ kind: 'status', status: 502 });
    mock.queueFault({ kind: 'status', status: 500 });
    expect((await post('/chat/completions', chatBody())).status).toBe(500);
    expect((await post('/chat/completions', chatBody())).status).toBe(502);
    expect((await post('/chat/completions', chatBody())).status).toBe(502);
    mock.setFault(null);
    expect((await post('/chat/completions', chatBody())).status).toBe(200);
  });

  it('behaves normally once the queue is empty', async () => {
    mock.queueFault({ kind: 'status', status: 500 });
    expect((await post('/chat/completions', chatBody())).status).toBe(500);
    expect((await post('/chat/completions', chatBody())).status).toBe(200);
  });
});

describe('request recording', () => {
  it('records method, path with query, headers and body in order', async () => {
    await post('/chat/completions?trace=1', chatBody(), {
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
    });
    await fetch(`${mock.baseUrl}/models`);
    await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: '{broken' });

    const [chat, models, broken] = mock.requests;
    expect(mock.requests).toHaveLength(3);
    expect(chat).toMatchObject({ method: 'POST', path: '/v1/chat/completions?trace=1', aborted: false });
    expect(chat!.headers['x-test']).toBe('yes');
    expect(chat!.body).toEqual(chatBody());
    expect(chat!.rawBody).toBe(JSON.stringify(chatBody()));
    expect(models).toMatchObject({ method: 'GET', path: '/v1/models', body: undefined, rawBody: '' });
    expect(broken).toMatchObject({ body: undefined, rawBody: '{broken' });
  });

  it('reset() clears requests and faults', async () => {
    mock.setFault({ kind: 'status', status: 500 });
    mock.queueFault({ kind: 'status', status: 500 });
    await fetch(`${mock.baseUrl}/models`);
    mock.reset();
    expect(mock.requests).toHaveLength(0);
    expect((await fetch(`${mock.baseUrl}/models`)).status).toBe(200);
  });
});

describe('abort detection', () => {
  it('marks a stream aborted when the client goes away mid-stream', async () => {
    // The first event would come long after the client left, however slow the machine.
    mock.queueFault({ kind: 'streamDelay', firstChunkMs: 60_000 });
    const controller = new AbortController();
    const res = await post('/chat/completions', chatBody({ stream: true }), { signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
    const aborted = await mock.waitForAbort();
    expect(aborted.path).toBe('/v1/chat/completions');
    expect(mock.requests[0]!.aborted).toBe(true);
  });

  it('hands out each aborted request once, including aborts that happened earlier', async () => {
    mock.queueFault({ kind: 'hang' }, { kind: 'hang' });
    for (let i = 0; i < 2; i++) await expect(postThenLeave(i + 1)).rejects.toThrow();
    await until(() => mock.requests.length === 2 && mock.requests.every((r) => r.aborted), {
      what: 'both requests marked aborted',
    });
    expect(await mock.waitForAbort()).toBe(mock.requests[0]);
    expect(await mock.waitForAbort()).toBe(mock.requests[1]);
    await expect(mock.waitForAbort(50)).rejects.toThrow(/no aborted request/);
  });

  it('does not mark completed requests aborted', async () => {
    await (await post('/chat/completions', chatBody({ stream: true }))).text();
    await (await post('/chat/completions', chatBody())).text();
    expect(mock.requests.map((r) => r.aborted)).toEqual([false, false]);
    await expect(mock.waitForAbort(50)).rejects.toThrow();
  });
});

describe('close', () => {
  it('closes promptly with a hung request and an idle keep-alive connection', async () => {
    const other = await startMockOpenAI();
    await (await fetch(`${other.baseUrl}/models`)).text(); // leaves a keep-alive socket open
    other.queueFault({ kind: 'hang' });
    const hung = fetch(`${other.baseUrl}/models`).catch((error: unknown) => error);
    await until(() => other.requests.length === 2, { what: 'the hung request at the mock' });
    const started = Date.now();
    await other.close();
    // Waiting for the hung request or the idle socket's keep-alive timeout (5 s) would take far longer.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await hung).toBeInstanceOf(Error);
    expect(other.requests[1]!.aborted).toBe(false);
  });
});
