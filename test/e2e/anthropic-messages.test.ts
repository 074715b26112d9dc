import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropicAdapter } from '@switchyard/provider-anthropic';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/** @anthropic-ai/sdk → Switchyard's POST /v1/messages → Anthropic (pass-through) or OpenAI (converted). */
let ant: MockAnthropic;
let oai: MockOpenAI;
let gw: RunningGateway;
let client: Anthropic;

const ANT_KEY = 'ant-test-upstream-0123456789';

beforeAll(async () => {
  ant = await startMockAnthropic({ name: 'ant', apiKey: ANT_KEY });
  oai = await startMockOpenAI({ name: 'oai', apiKey: 'sk-upstream-secret-oai-0123456789' });
  gw = await startGateway(
    {
      providers: [
        {
          name: 'ant',
          type: 'anthropic',
          baseUrl: ant.baseUrl,
          apiKey: ANT_KEY,
          models: ['claude-sonnet-4-5'],
          anthropicVersion: '2026-10-21',
        },
        { name: 'old', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: ANT_KEY, models: ['claude-3-5-haiku'] },
        mockProvider('oai', oai.baseUrl, { models: ['gpt-4o-mini'] }),
      ],
    },
    {},
  );
  client = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});

afterEach(() => {
  ant.reset();
  oai.reset();
});

afterAll(async () => {
  await gw.close();
  await ant.close();
  await oai.close();
});

const antSent = () => ant.requests.filter((r) => r.path === '/v1/messages');
const oaiSent = () => oai.requests.filter((r) => r.path.endsWith('/chat/completions'));
const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' } } },
};

describe('Anthropic → Anthropic pass-through', () => {
  it('forwards every field byte-identical except model, with the instance credentials and beta header', async () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 2000,
      system: [{ type: 'text' as const, text: 'You are terse.', cache_control: { type: 'ephemeral' as const } }],
      messages: [
        {
          role: 'user' as const,
          content: [{ type: 'text' as const, text: 'hello there', cache_control: { type: 'ephemeral' as const } }],
        },
      ],
      metadata: { user_id: 'u-1' },
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      stop_sequences: ['END'],
    };
    const { data, response } = await client.messages
      .create(request, { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } })
      .withResponse();
    expect(data.content.at(-1)).toMatchObject({ type: 'text', text: 'ant: hello there' });
    expect(data.content[0]!.type).toBe('thinking');
    expect(data.usage.cache_read_input_tokens).toBe(100);
    expect(response.headers.get('x-switchyard-target')).toBe('ant/claude-sonnet-4-5');
    expect(response.headers.get('x-switchyard-warnings')).toBeNull();
    const [req] = antSent();
    expect(req!.rawBody).toBe(JSON.stringify(request));
    expect(req!.headers['x-api-key']).toBe(ANT_KEY);
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.headers['anthropic-version']).toBe('2026-10-21');
    expect(req!.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
  });

  it('changes only the model for an alias-free instance/model reference and streams events unchanged', async () => {
    const stream = client.messages.stream({
      model: 'ant/claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream me' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'ant: stream me' }]);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(antSent()[0]!.body.model).toBe('claude-sonnet-4-5');

    const rawRequest = {
      model: 'ant/claude-sonnet-4-5',
      max_tokens: 100,
      stream: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'raw', cache_control: { type: 'ephemeral', ttl: '5m' } }] },
      ],
      metadata: { user_id: 'u-raw' },
    };
    const raw = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        authorization: 'Bearer caller-key',
      },
      body: JSON.stringify(rawRequest),
    });
    const text = await raw.text();
    expect(antSent()[1]!.rawBody).toBe(JSON.stringify({ ...rawRequest, model: 'claude-sonnet-4-5' }));
    const names = [...text.matchAll(/^event: (\w+)\ndata: \{"type": ?"(\w+)"/gm)].map((m) =>
      m[1] === m[2] ? m[1] : `mismatch:${m[1]}`,
    );
    expect(names).toEqual([
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
    const deltas = [...text.matchAll(/"delta":\{"type":"text_delta","text":"([^"]*)"\}/g)].map((m) => m[1]).join('');
    expect(deltas).toBe('ant: raw');
  });

  it('drops temperature for a 2026-10-21 upstream (with a warning) and keeps it for 2023-06-01', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      messages: [{ role: 'user' as const, content: 'hi' }],
      temperature: 0.5,
      top_k: 5,
    };
    const old = new Anthropic({
      baseURL: gw.url,
      apiKey: 'caller-key',
      maxRetries: 0,
      defaultHeaders: { 'anthropic-version': '2023-06-01' },
    });
    const { response } = await old.messages.create(body as never).withResponse();
    expect(response.headers.get('x-switchyard-warnings')).toContain(
      'temperature dropped (anthropic-version 2026-10-21',
    );
    expect(antSent()[0]!.body.temperature).toBeUndefined();
    expect(antSent()[0]!.body.top_k).toBeUndefined();
    await old.messages.create({ ...body, model: 'claude-3-5-haiku' } as never);
    expect(antSent()[1]!.body).toMatchObject({ temperature: 0.5, top_k: 5 });
    expect(antSent()[1]!.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('passes upstream errors on in Anthropic shape with their status and type', async () => {
    const err = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'assistant', content: 'first' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Anthropic.APIError).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    expect((err as Anthropic.APIError).message).toContain('first message must use the');
  });

  it('fails over to the next Anthropic instance on 529, streaming, and ends a stream broken mid-way with event: error', async () => {
    const both = await startGateway(
      {
        providers: [
          {
            name: 'p1',
            type: 'anthropic',
            baseUrl: ant.baseUrl,
            apiKey: ANT_KEY,
            models: ['claude-sonnet-4-5'],
            priority: 1,
          },
          {
            name: 'p2',
            type: 'anthropic',
            baseUrl: ant.baseUrl,
            apiKey: ANT_KEY,
            models: ['claude-sonnet-4-5'],
            priority: 2,
          },
        ],
      },
      {},
    );
    try {
      const c = new Anthropic({ baseURL: both.url, apiKey: 'k', maxRetries: 0 });
      ant.queueFault({ kind: 'status', status: 529 });
      const { data, response } = await c.messages
        .create({
          model: 'claude-sonnet-4-5',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'again' }],
          stream: true,
        })
        .withResponse();
      let text = '';
      for await (const event of data)
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      expect(text).toBe('ant: again');
      expect(response.headers.get('x-switchyard-target')).toBe('p2/claude-sonnet-4-5');

      ant.queueFault({ kind: 'streamError', afterEvents: 0 });
      const second = await c.messages
        .create({
          model: 'claude-sonnet-4-5',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'once more' }],
          stream: true,
        })
        .withResponse();
      text = '';
      for await (const event of second.data)
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      expect(text).toBe('ant: once more');
      expect(second.response.headers.get('x-switchyard-attempts')).toBe('2');

      ant.queueFault({ kind: 'cut', afterEvents: 4 });
      const raw = await fetch(`${both.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 10,
          stream: true,
          messages: [{ role: 'user', content: 'cut me' }],
        }),
      });
      const body = await raw.text();
      expect(body).toMatch(
        /event: content_block_delta\n[^]*event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"[^"]*stream/,
      );
      expect(body).not.toContain('message_stop');

      // Both overloaded: the caller gets Anthropic's 529 overloaded_error (clients retry it, then fall back), not a 502.
      ant.queueFault({ kind: 'status', status: 529 }, { kind: 'status', status: 529 });
      const overloaded = await c.messages
        .create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'busy' }] })
        .catch((e: unknown) => e);
      expect(overloaded).toBeInstanceOf(Anthropic.APIError);
      expect(overloaded).toMatchObject({ status: 529, error: { error: { type: 'overloaded_error' } } });
      expect((overloaded as Anthropic.APIError).message).toContain('all 2 attempts failed');
    } finally {
      await both.close();
    }
  });

  it("lists an instance's models with GET /v1/models and its credentials", async () => {
    const instance = gw.gateway.instances.find((i) => i.name === 'ant')!;
    expect(await anthropicAdapter.listModels!(instance, gw.gateway.http)).toEqual([
      'claude-sonnet-4-5',
      'claude-haiku-4-5',
    ]);
    const [req] = ant.requests;
    expect(req!.path).toBe('/v1/models?limit=1000');
    expect(req!.headers).toMatchObject({ 'x-api-key': ANT_KEY, 'anthropic-version': '2026-10-21' });
  });

  it('accepts the caller key as x-api-key too', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'caller-key', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hey' }],
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: Array<{ text: string }> }).content[0]!.text).toBe('ant: hey');
  });
});

describe('Anthropic callers → OpenAI upstreams', () => {
  it('converts a text request and answers with an Anthropic message', async () => {
    const data = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      system: 'Be kind.',
      messages: [{ role: 'user', content: 'hello openai' }],
      stop_sequences: ['zzz'],
      metadata: { user_id: 'u-9' },
    });
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'oai: hello openai' }],
      stop_reason: 'end_turn',
    });
    expect(data.id).toMatch(/^msg_/);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(oaiSent()[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'hello openai' },
      ],
      max_tokens: 64,
      stop: ['zzz'],
      user: 'u-9',
      // The user binds the request (load balancer's default sticky sources), and its hashed key groups the user's prompts in OpenAI's cache.
      prompt_cache_key: expect.stringMatching(/^user:[A-Za-z0-9_-]{22}$/),
    });
    expect(oaiSent()[0]!.body.prompt_cache_key).not.toContain('u-9');
  });

  it('converts tools both ways, including a tool_result history', async () => {
    const first = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weather],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use')!;
    expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    expect(oaiSent()[0]!.body).toMatchObject({
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather', parameters: weather.input_schema },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });

    const second = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: use.id, content: 'sunny' },
            { type: 'text', text: 'and so?' },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'oai: and so?' }]);
    const messages = oaiSent()[1]!.body.messages;
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(messages[1].tool_calls[0]).toEqual({
      id: use.id,
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: use.id, content: 'sunny' });
  });

  it('streams text in Anthropic event order, with usage in message_delta', async () => {
    const stream = client.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'stream please' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'oai: stream please' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(final.usage.input_tokens).toBeGreaterThan(0);
    expect(types[0]).toBe('message_start');
    expect(types[1]).toBe('content_block_start');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(oaiSent()[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  it('streams tool_use blocks with input_json_delta that the SDK reassembles', async () => {
    const stream = client.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weather],
    });
    const types: string[] = [];
    stream.on('streamEvent', (event) =>
      types.push(event.type === 'content_block_delta' ? event.delta.type : event.type),
    );
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual(
      [
        {
          type: 'tool_use',
          id: expect.stringMatching(/^call_/),
          name: 'get_weather',
          input: { city: 'Paris' },
          caller: undefined,
        },
      ].map(({ caller: _c, ...b }) => expect.objectContaining(b)),
    );
    expect(types).toContain('input_json_delta');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
  });

  it('converts images and output_config.format JSON output', async () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
      additionalProperties: false,
    };
    await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'QUJD' } },
            { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
            { type: 'text', text: 'what?' },
          ],
        },
      ],
      output_config: { format: { type: 'json_schema', schema } },
    });
    expect(oaiSent()[0]!.body.messages[0].content).toEqual([
      { type: 'image_url', image_url: { url: 'data:image/png;base64,QUJD' } },
      { type: 'image_url', image_url: { url: 'https://x.test/a.png' } },
      { type: 'text', text: 'what?' },
    ]);
    expect(oaiSent()[0]!.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: true },
    });
  });

  it('passes OpenAI upstream errors on in Anthropic shape, status kept; a stream broken mid-way ends with event: error', async () => {
    oai.queueFault({
      kind: 'status',
      status: 422,
      body: { error: { message: 'bad field', type: 'invalid_request_error', code: null, param: null } },
    });
    const err = await client.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect((err as Anthropic.APIError).status).toBe(422);
    expect((err as Anthropic.APIError).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'bad field' },
    });

    oai.queueFault({ kind: 'cut', afterChunks: 2 });
    const stream = client.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hello there' }],
    });
    const broken = await stream.finalMessage().catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(Error);
    expect(String((broken as Error).message)).toMatch(/stream|api_error/);
  });

  it('answers 413 in Anthropic shape for an oversized body', async () => {
    const small = await startGateway(
      { server: { bodyLimit: '1kb' }, providers: [mockProvider('oai', oai.baseUrl, { models: ['gpt-4o-mini'] })] },
      {},
    );
    try {
      const res = await fetch(`${small.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'x'.repeat(4000) }],
        }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    } finally {
      await small.close();
    }
  });

  it('names what the conversion dropped in x-switchyard-warnings', async () => {
    const { response } = await client.messages
      .create({
        model: 'gpt-4o-mini',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
        top_k: 3,
        service_tier: 'auto',
      } as never)
      .withResponse();
    const warnings = response.headers.get('x-switchyard-warnings') ?? '';
    expect(warnings).toContain('top_k dropped');
    expect(warnings).toContain('service_tier dropped');
  });

  it('answers gateway errors in Anthropic shape: 404 unknown model, 400 validation, 404 unknown route', async () => {
    const unknown = await client.messages
      .create({ model: 'nope-1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as Anthropic.APIError).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });

    const invalid = await client.messages
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } as never)
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(Anthropic.BadRequestError);
    expect((invalid as Anthropic.APIError).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') },
    });

    const route = await fetch(`${gw.url}/v1/messages/batches`);
    expect(route.status).toBe(404);
    expect(await route.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const other = await fetch(`${gw.url}/v1/nothing`);
    expect(await other.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('counts tokens with an estimate for a served model', async () => {
    const counted = await client.messages.countTokens({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'a'.repeat(400) }],
    });
    expect(counted.input_tokens).toBe(103);
    const err = await client.messages
      .countTokens({ model: 'nope-1', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });
});
