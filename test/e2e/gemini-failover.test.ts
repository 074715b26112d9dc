import OpenAI, { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockGemini } from '../support/mock-gemini.js';
import type { MockGemini } from '../support/mock-gemini.js';
import { geminiProvider } from '../support/gemini.js';

const KEY_A = 'AIza-upstream-secret-a-0123456789';
const KEY_B = 'AIza-upstream-secret-b-0123456789';
let a: MockGemini;
let b: MockGemini;
let signed: MockGemini;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  a = await startMockGemini({ apiKey: KEY_A, name: 'a' });
  b = await startMockGemini({ apiKey: KEY_B, name: 'b' });
  signed = await startMockGemini({
    apiKey: KEY_A,
    name: 's',
    models: ['gemini-3-pro-preview'],
    thoughtSignatures: true,
  });
  // Core failover alone: the breaker and balancer would carry state from one fault test to the next.
  gw = await startGateway({
    plugins: { 'circuit-breaker': false, 'load-balancer': false },
    providers: [
      geminiProvider('a', a.origin, { apiKey: KEY_A, priority: 1, timeoutMs: 3000 }),
      geminiProvider('b', b.origin, { apiKey: KEY_B, priority: 2, timeoutMs: 3000 }),
      geminiProvider('s', signed.origin, { apiKey: KEY_A, models: ['gemini-3-pro-preview'] }),
      geminiProvider('bad-key', a.origin, {
        apiKey: 'AIza-wrong-key-0123456789',
        models: ['gemini-2.5-pro'],
        priority: 9,
      }),
    ],
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
});
afterEach(() => {
  a.reset();
  b.reset();
  signed.reset();
});
afterAll(async () => {
  await gw.close();
  await Promise.all([a.close(), b.close(), signed.close()]);
});

const MODEL = 'gemini-2.5-flash';
const ask = { model: MODEL, messages: [{ role: 'user' as const, content: 'hello' }] };

describe('Gemini upstream errors and failover', () => {
  it('returns a 400 business error with Gemini status and message, without trying elsewhere', async () => {
    const err = (await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'system', content: 'only a system prompt' }] })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(400);
    expect(err.message).toContain('contents is not specified');
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(b.requests).toHaveLength(0);
  });

  for (const status of [429, 503]) {
    it(`fails over to the second instance on ${status}`, async () => {
      a.queueFault({ kind: 'status', status });
      const { data, response } = await client.chat.completions.create(ask).withResponse();
      expect(data.choices[0]!.message.content).toBe('b: hello');
      expect(response.headers.get('x-switchyard-target')).toBe(`b/${MODEL}`);
      expect(response.headers.get('x-switchyard-attempts')).toBe('2');
      expect(b.requests[0]!.headers['x-goog-api-key']).toBe(KEY_B);
    });
  }

  it('fails over when the first instance never answers within its timeout', async () => {
    a.queueFault({ kind: 'hang' });
    const { data, response } = await client.chat.completions.create(ask).withResponse();
    expect(data.choices[0]!.message.content).toBe('b: hello');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect((await a.waitForAbort()).aborted).toBe(true);
  });

  it("treats an instance's own refused key is refused (400 API_KEY_INVALID) as a failure: 502, not a caller 400", async () => {
    const err = (await client.chat.completions
      .create({ ...ask, model: 'bad-key/gemini-2.5-pro' })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(502);
    expect(err.message).toContain('API key not valid');
    expect(err.message).not.toContain('AIza-wrong');
  });

  it('answers 429 when every instance is rate limited', async () => {
    a.queueFault({ kind: 'status', status: 429 });
    b.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const err = (await client.chat.completions.create(ask).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('7');
  });

  it('fails over when a stream breaks before its first event', async () => {
    a.queueFault({ kind: 'reset' });
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('b: hello');
  });

  it('ends a stream cut mid-way with an error event, never a clean finish', async () => {
    a.queueFault({ kind: 'cut', afterEvents: 1 });
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(String((err as Error).message)).toMatch(/upstream/);
    expect(seen.join('')).toBe('a:');
    expect(b.requests).toHaveLength(0);
  });

  it('ends a stream that closes without a finishReason with an error event', async () => {
    a.queueFault({ kind: 'end', afterEvents: 2 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask, stream: true }),
    });
    const text = await res.text();
    expect(text).toContain('"error"');
    expect(text).toContain('ended before a finishReason');
    expect(text).not.toContain('"finish_reason":"stop"');
    expect(text).not.toContain('[DONE]');
  });
});

describe('Gemini 3 thought signatures', () => {
  it('carries the function call signature through the tool-call id into the next turn', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const first = await client.chat.completions.create({
      model: 'gemini-3-pro-preview',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
    });
    const message = first.choices[0]!.message;
    const call = message.tool_calls![0]!;
    const second = await client.chat.completions.create({
      model: 'gemini-3-pro-preview',
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        message,
        { role: 'tool', tool_call_id: call.id, content: '{"temp":3}' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('s: get_weather={"temp":3}');
    const callPart = (i: number): any =>
      signed.requests[i]!.body.contents[1].parts.find((p: { functionCall?: unknown }) => p.functionCall);
    expect(callPart(1).thoughtSignature).toBe(Buffer.from('mock-thought-signature-0123456789').toString('base64'));
    // A call with no signature (another model made it, or the client rewrote its id): Gemini 3 would
    // refuse it as is; it goes with the bypass signature Google documents for calls Gemini did not make.
    const stripped = { ...message, tool_calls: [{ ...call, id: 'call_plain' }] };
    const third = await client.chat.completions.create({
      model: 'gemini-3-pro-preview',
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        stripped,
        { role: 'tool', tool_call_id: 'call_plain', content: '{}' },
      ],
    });
    expect(third.choices[0]!.message.content).toBe('s: get_weather={}');
    expect(callPart(2).thoughtSignature).toBe('skip_thought_signature_validator');
  });
});

describe('Gemini embeddings and model listing', () => {
  it('embeds one input via embedContent and a list via batchEmbedContents, in the OpenAI list shape', async () => {
    const one = await client.embeddings.create({
      model: 'gemini-embedding-001',
      input: 'hello',
      dimensions: 4,
      encoding_format: 'float',
    });
    expect(one.object).toBe('list');
    expect(one.data).toHaveLength(1);
    expect(one.data[0]!.embedding).toHaveLength(4);
    expect(a.requests[0]!.path).toBe('/v1beta/models/gemini-embedding-001:embedContent');
    const many = await client.embeddings.create({
      model: 'gemini-embedding-001',
      input: ['x', 'y', 'z'],
      encoding_format: 'float',
    });
    expect(many.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(many.data[0]!.embedding).toHaveLength(8);
    expect(a.requests[1]!.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(a.requests[1]!.body.requests[2]).toEqual({
      model: 'models/gemini-embedding-001',
      content: { parts: [{ text: 'z' }] },
    });
  });

  it('answers base64 embeddings as little-endian float32, which the SDK decodes by default', async () => {
    const res = await client.embeddings.create({ model: 'gemini-embedding-001', input: 'hello' });
    const direct = await client.embeddings.create({
      model: 'gemini-embedding-001',
      input: 'hello',
      encoding_format: 'float',
    });
    expect(res.data[0]!.embedding).toEqual(direct.data[0]!.embedding.map((v) => Math.fround(v)));
  });

  it('lists the models instances report, without the models/ prefix', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-embedding-001', 'gemini-3-pro-preview']),
    );
    const listing = a.requests.find((r) => r.path.startsWith('/v1beta/models?'));
    expect(listing?.headers['x-goog-api-key']).toBe(KEY_A);
    expect(listing?.path).not.toContain('key=');
  });
});
