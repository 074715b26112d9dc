import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

/** Per-attempt timeout: the hang tests wait this long; a healthy mock answers far within it, even on a loaded machine. */
const TIMEOUT_MS = 3000;

let a: MockOpenAI;
let b: MockOpenAI;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  // OpenAI-compatible servers, which take fields they do not know (one test passes such a field through).
  a = await startMockOpenAI({ name: 'a', apiKey: 'sk-upstream-secret-a-0123456789', strictChat: false });
  b = await startMockOpenAI({ name: 'b', apiKey: 'sk-upstream-secret-b-0123456789', strictChat: false });
  // Core failover alone: the breaker and balancer would carry state from one fault test to the next.
  gw = await startGateway({
    plugins: { 'circuit-breaker': false, 'load-balancer': false },
    providers: [
      mockProvider('a', a.baseUrl, {
        models: ['gpt-4o-mini', 'text-embedding-3-small'],
        priority: 1,
        timeoutMs: TIMEOUT_MS,
      }),
      mockProvider('b', b.baseUrl, {
        models: ['gpt-4o-mini', 'text-embedding-3-small'],
        priority: 2,
        timeoutMs: TIMEOUT_MS,
      }),
    ],
    models: [{ name: 'smart', targets: ['b/gpt-4o-mini', 'a/gpt-4o-mini'] }],
  });
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

const ask = (model = 'gpt-4o-mini') => ({ model, messages: [{ role: 'user' as const, content: 'hello there' }] });
const chats = (m: MockOpenAI) => m.requests.filter((r) => r.path.endsWith('/chat/completions'));

describe('OpenAI clients through Switchyard', () => {
  it('serves a non-streaming completion from the preferred instance, passing unknown fields through', async () => {
    const { data, response } = await client.chat.completions
      .create({ ...ask(), temperature: 0.2, some_future_field: { keep: true } } as never)
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('a: hello there');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    const [sent] = chats(a);
    expect(sent!.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, some_future_field: { keep: true } });
    expect(sent!.headers.authorization).toBe('Bearer sk-upstream-secret-a-0123456789');
    expect(chats(b)).toHaveLength(0);
  });

  it('streams, with the usage chunk when stream_options.include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      ...ask(),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('a: hello there');
    expect(finish).toBe('stop');
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });

  it('resolves an alias to its ordered targets', async () => {
    const { data, response } = await client.chat.completions.create(ask('smart')).withResponse();
    expect(data.choices[0]!.message.content).toBe('b: hello there');
    expect(response.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
    expect(chats(b)[0]!.body.model).toBe('gpt-4o-mini');
  });

  it('lists each public model once, aliases included', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id).sort();
    expect(ids).toEqual(['gpt-4o-mini', 'smart', 'text-embedding-3-small']);
  });

  it('passes embeddings through', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0]!.embedding.length).toBeGreaterThan(0);
    expect(a.requests.at(-1)!.path).toBe('/v1/embeddings');
  });

  it('fails over to the next instance when the first answers 500', async () => {
    a.queueFault({ kind: 'status', status: 500 });
    const { data, response } = await client.chat.completions.create(ask()).withResponse();
    expect(data.choices[0]!.message.content).toBe('b: hello there');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(response.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
  });

  it('fails over when the first instance hangs past timeoutMs', async () => {
    a.queueFault({ kind: 'hang' });
    const { data } = await client.chat.completions.create(ask()).withResponse();
    expect(data.choices[0]!.message.content).toBe('b: hello there');
    const hung = await a.waitForAbort();
    expect(hung.path).toBe('/v1/chat/completions');
  });

  it('fails over when a stream sends no first event within timeoutMs', async () => {
    a.queueFault({ kind: 'streamDelay', firstChunkMs: 4 * TIMEOUT_MS });
    const stream = await client.chat.completions.create({ ...ask(), stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('b: hello there');
  });

  it('fails over when the first instance resets the connection', async () => {
    a.queueFault({ kind: 'reset' });
    const { data } = await client.chat.completions.create(ask()).withResponse();
    expect(data.choices[0]!.message.content).toBe('b: hello there');
  });

  it('fails over a stream cut before its first event', async () => {
    a.queueFault({ kind: 'cut', afterChunks: 0 });
    const stream = await client.chat.completions.create({ ...ask(), stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('b: hello there');
  });

  it('fails over on 429 and answers 429 with Retry-After when every instance is limited', async () => {
    a.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const served = await client.chat.completions.create(ask()).withResponse();
    expect(served.response.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');

    a.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    b.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '9' } });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask()),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('9');
    expect((await res.json()).error.type).toBe('rate_limit_error');
  });

  it('treats an upstream 401 as the gateway credential failing: next instance, never passed to the caller', async () => {
    a.queueFault({
      kind: 'status',
      status: 401,
      body: {
        error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
      },
    });
    const served = await client.chat.completions.create(ask()).withResponse();
    expect(served.response.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');

    a.queueFault({ kind: 'status', status: 401 });
    b.queueFault({ kind: 'status', status: 401 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask()),
    });
    expect(res.status).toBe(502);
  });

  it('returns a 400 from the upstream as is, without trying another instance', async () => {
    a.queueFault({
      kind: 'status',
      status: 400,
      body: {
        error: { message: 'max_tokens is too large', type: 'invalid_request_error', param: 'max_tokens', code: null },
      },
    });
    const err = await client.chat.completions.create(ask()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('max_tokens is too large');
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).headers?.get('x-switchyard-attempts')).toBe('1');
    expect(chats(b)).toHaveLength(0);
  });

  it('answers 502 naming each failed attempt when every instance fails, 504 when the last timed out', async () => {
    a.queueFault({ kind: 'status', status: 503 });
    b.queueFault({ kind: 'reset' });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask()),
    });
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error.message).toContain('a/gpt-4o-mini');
    expect(body.error.message).toContain('b/gpt-4o-mini');

    a.queueFault({ kind: 'status', status: 500 });
    b.queueFault({ kind: 'hang' });
    const timedOut = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask()),
    });
    expect(timedOut.status).toBe(504);
  });

  it('ends a stream that breaks after its first chunk with an error event, not a clean finish', async () => {
    a.queueFault({ kind: 'cut', afterChunks: 2 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask(), stream: true }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const events = text.trim().split('\n\n');
    expect(events.length).toBe(3);
    expect(events.at(-1)).toMatch(/^data: \{"error":\{/);
    expect(text).not.toContain('[DONE]');
    expect(chats(b)).toHaveLength(0);
  });

  it('cancels the upstream request when the client hangs up', async () => {
    a.queueFault({ kind: 'streamDelay', firstChunkMs: 4 * TIMEOUT_MS });
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask(), stream: true }),
      signal: controller.signal,
    });
    await until(() => chats(a).length === 1, { what: 'the request at a' });
    controller.abort();
    await expect(pending).rejects.toThrow();
    const aborted = await a.waitForAbort();
    expect(aborted.path).toBe('/v1/chat/completions');
    expect(chats(b)).toHaveLength(0);
  });

  it('cancels the upstream stream when the client hangs up mid-stream', async () => {
    const slow = await startMockOpenAI({ name: 'slow', chunks: 200 });
    const res0 = await fetch(`${gw.url}/health`);
    expect(res0.status).toBe(200);
    const local = await startGateway({ providers: [mockProvider('slow', slow.baseUrl, { models: ['gpt-4o-mini'] })] });
    try {
      const controller = new AbortController();
      const res = await fetch(`${local.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...ask(), stream: true }),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      const aborted = await slow.waitForAbort();
      expect(aborted.aborted).toBe(true);
    } finally {
      await local.close();
      await slow.close();
    }
  });

  it('answers 404 model_not_found for an unknown model without calling any upstream', async () => {
    const err = await client.chat.completions.create(ask('no-such-model')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect(a.requests).toHaveLength(0);
    expect(b.requests).toHaveLength(0);
  });

  it('answers 400 in the OpenAI shape for malformed JSON and for a body that breaks the schema', async () => {
    const bad = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "gpt-4o-mini", "messages": [',
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });

    const wrong = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'x' }] }),
    });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.param).toBe('messages[0].role');

    const missing = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini' }),
    });
    expect((await missing.json()).error.message).toContain('messages');
    expect(a.requests).toHaveLength(0);
  });

  it('answers unknown routes and wrong methods in the OpenAI error shape', async () => {
    const missing = await fetch(`${gw.url}/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
    const wrongMethod = await fetch(`${gw.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    expect((await wrongMethod.json()).error.message).toContain('allowed: POST');
  });

  it('a client whose base URL lacks /v1 is told where the route is, in the protocol it speaks', async () => {
    const noV1 = new OpenAI({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
    const err = await noV1.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).message).toContain(
      'no route for POST /chat/completions: it is served at /v1/chat/completions (does the client',
    );
    const models = await noV1.models.list().catch((e: unknown) => e);
    expect((models as Error).message).toContain('served at /v1/models');
    // Anthropic's path gets Anthropic's error shape.
    const messages = await fetch(`${gw.url}/messages`, { method: 'POST', body: '{}' });
    expect(messages.status).toBe(404);
    expect(await messages.json()).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error', message: expect.stringContaining('served at /v1/messages') },
    });
    // No hint where /v1 has no such route either, nor for a path under /v1 already.
    expect((await (await fetch(`${gw.url}/nothing-here`)).json()).error.message).toBe('no route for GET /nothing-here');
    expect(a.requests).toHaveLength(0);
  });

  it('echoes a sane incoming x-request-id and replaces an unsafe one', async () => {
    const echoed = await fetch(`${gw.url}/health`, { headers: { 'x-request-id': 'req-123.abc' } });
    expect(echoed.headers.get('x-request-id')).toBe('req-123.abc');
    const replaced = await fetch(`${gw.url}/health`, { headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id <script>');
  });

  it('never lets an upstream key reach a response, even when the upstream echoes it', async () => {
    a.queueFault({
      kind: 'status',
      status: 422,
      body: { error: { message: 'key sk-upstream-secret-a-0123456789 lacks access', type: 'invalid_request_error' } },
    });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask()),
    });
    const text = await res.text();
    expect(res.status).toBe(422);
    expect(text).toContain('lacks access');
    expect(text).not.toContain('sk-upstream-secret');
    const headers = JSON.stringify([...res.headers]);
    expect(headers).not.toContain('sk-upstream-secret');
  });
});

describe('request size', () => {
  it('answers 413 for a body over server.bodyLimit, in the OpenAI shape', async () => {
    const up = await startMockOpenAI();
    const small = await startGateway({
      server: { bodyLimit: '1kb' },
      providers: [mockProvider('a', up.baseUrl, { models: ['gpt-4o-mini'] })],
    });
    try {
      const big = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(4096) }] };
      const res = await fetch(`${small.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(big),
      });
      expect(res.status).toBe(413);
      expect((await res.json()).error.type).toBe('invalid_request_error');
      expect(up.requests).toHaveLength(0);
    } finally {
      await small.close();
      await up.close();
    }
  });
});
