import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vertex } from '@switchyard/provider-vertex';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { resultRecorder } from '../support/exchange-recorder.js';
import { serviceAccountKey, startMockOAuth } from '../support/mock-oauth.js';
import type { MockOAuth, ServiceAccount } from '../support/mock-oauth.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { startMockVertex } from '../support/mock-vertex.js';
import type { MockVertex } from '../support/mock-vertex.js';
import { PNG } from '../support/clouds.js';
import { madeUpSearchAsText, madeUpSearchTurn } from '../support/made-up-search.js';

const GEMINI = 'gemini-2.5-flash';
const CLAUDE = 'claude-sonnet-4-5@20250929';
const PROJECT = 'demo-project';
const LOCATION = 'us-east5';
const BASE = `/v1/projects/${PROJECT}/locations/${LOCATION}/publishers`;

let oauth: MockOAuth & { addServiceAccount(a: ServiceAccount): void };
let vx: MockVertex;
let oa: MockOpenAI;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;
let key: Record<string, string>;
const { plugin: recorder, results, outcomes } = resultRecorder();

beforeAll(async () => {
  oauth = await startMockOAuth();
  const sa = serviceAccountKey(oauth);
  oauth.addServiceAccount(sa.account);
  key = sa.key;
  // A key the token endpoint does not know: its token exchange is refused.
  const stranger = serviceAccountKey(oauth, 'stranger@other-project.iam.gserviceaccount.com').key;
  vx = await startMockVertex({
    oauth,
    project: PROJECT,
    location: LOCATION,
    name: 'vx',
    geminiModels: [GEMINI],
    claudeModels: [CLAUDE],
  });
  oa = await startMockOpenAI({ name: 'oa' });
  const vertexEntry = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    type: 'vertex',
    baseUrl: vx.origin,
    project: PROJECT,
    location: LOCATION,
    credentials: key,
    models: [GEMINI, CLAUDE],
    ...extra,
  });
  gw = await startGateway(
    {
      plugins: { 'circuit-breaker': false, 'load-balancer': false },
      providers: [
        vertexEntry('vx'),
        vertexEntry('vx-wrong-project', { project: 'not-my-project', priority: 5 }),
        vertexEntry('vx-stranger', { credentials: stranger, priority: 5 }),
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
        { name: 'gemini-then-gpt', targets: [`vx/${GEMINI}`, 'oa/gpt-4o-mini'] },
        { name: 'gpt-then-claude', targets: ['oa/gpt-4o-mini', `vx/${CLAUDE}`] },
        { name: 'wrong-project-then-right', targets: [`vx-wrong-project/${GEMINI}`, `vx/${GEMINI}`] },
        { name: 'stranger-only', targets: [`vx-stranger/${GEMINI}`] },
      ],
    },
    { plugins: [recorder] },
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});
afterEach(() => {
  vx.reset();
  oa.reset();
  results.length = 0;
});
afterAll(async () => {
  await gw.close();
  await Promise.all([vx.close(), oa.close(), oauth.close()]);
});

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('OpenAI clients → Gemini on Vertex AI', () => {
  it('calls generateContent under the project and location with an OAuth bearer token from the service account', async () => {
    const res = await openai.chat.completions.create({
      model: GEMINI,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('vx: hello there');
    const sent = vx.requests[0]!;
    expect(sent.path).toBe(`${BASE}/google/models/${GEMINI}:generateContent`);
    expect(String(sent.headers.authorization)).toMatch(/^Bearer ya29\.mock-/);
    expect(sent.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    // The token exchange went to the key's token_uri, and nothing else was asked of it.
    expect(oauth.requests.every((r) => r.method === 'POST' && r.path === '/token')).toBe(true);
  });

  it('calls tools and takes the results back', async () => {
    const first = await openai.chat.completions.create({
      model: GEMINI,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weather],
    });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const second = await openai.chat.completions.create({
      model: GEMINI,
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        message,
        { role: 'tool', tool_call_id: message.tool_calls![0]!.id, content: '{"temp":21}' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('vx: get_weather={"temp":21}');
  });

  it('sends images inline and answers JSON mode', async () => {
    const seen = await openai.chat.completions.create({
      model: GEMINI,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'describe' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
      ],
    });
    expect(seen.choices[0]!.message.content).toBe('vx: describe');
    expect(vx.requests[0]!.body.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG } });
    const json = await openai.chat.completions.create({
      model: GEMINI,
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(json.choices[0]!.message.content!)).toEqual({ answer: 'vx: json please' });
  });

  it('streams with streamGenerateContent?alt=sse', async () => {
    const stream = await openai.chat.completions.create({
      model: GEMINI,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream this' }],
    });
    let content = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(content).toBe('vx: stream this');
    expect(usage?.total_tokens).toBeGreaterThan(0);
    expect(vx.requests[0]!.path).toBe(`${BASE}/google/models/${GEMINI}:streamGenerateContent?alt=sse`);
  });
});

describe('OpenAI clients → Claude on Vertex AI', () => {
  it('converts to a rawPredict body: anthropic_version, no model, the model percent-encoded in the URL', async () => {
    const res = await openai.chat.completions.create({
      model: CLAUDE,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello claude' },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('vx: hello claude');
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    const sent = vx.requests[0]!;
    expect(sent.path).toBe(`${BASE}/anthropic/models/claude-sonnet-4-5%4020250929:rawPredict`);
    expect(sent.body).toEqual({
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 4096,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello claude' }],
    });
  });

  it('calls tools, streams them, and answers JSON mode through the forced tool', async () => {
    const final = await openai.chat.completions
      .stream({ model: CLAUDE, messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [weather] })
      .finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)]).toEqual([
      'get_weather',
      { city: 'Paris' },
    ]);
    expect(vx.requests[0]!.path).toBe(`${BASE}/anthropic/models/claude-sonnet-4-5%4020250929:streamRawPredict`);
    const back = await openai.chat.completions.create({
      model: CLAUDE,
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        final.choices[0]!.message as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' },
      ],
    });
    expect(back.choices[0]!.message.content).toBe('vx: tool results received');
    const json = await openai.chat.completions.create({
      model: CLAUDE,
      messages: [{ role: 'user', content: 'a city' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'c', schema: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    });
    expect(JSON.parse(json.choices[0]!.message.content!)).toEqual({ city: 'Paris' });
  });

  it('sends an image to Claude as a base64 image block', async () => {
    const res = await openai.chat.completions.create({
      model: CLAUDE,
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('vx: an image');
    expect(vx.requests[0]!.body.messages[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    ]);
  });

  it('ends a Claude stream cut mid-way with an error event', async () => {
    vx.claude.queueFault({ kind: 'cut', afterEvents: 4 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLAUDE, stream: true, messages: [{ role: 'user', content: 'a long story' }] }),
    });
    const text = await res.text();
    expect(text).toContain('"error"');
    expect(text).not.toContain('[DONE]');
    expect(outcomes()).toEqual([[`vx/${CLAUDE}`, 'failure']]);
  });
});

describe('Anthropic clients → Vertex AI', () => {
  it('passes a Claude request through rawPredict: every field but model, plus anthropic_version and anthropic-beta', async () => {
    const body = {
      model: CLAUDE,
      max_tokens: 300,
      system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'hello there' }],
      temperature: 0.5,
      top_k: 3,
      metadata: { user_id: 'u-7' },
      stop_sequences: ['NEVER'],
    };
    const { data, response } = await anthropic.messages
      .create(body, { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } })
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'vx: hello there' }]);
    expect(response.headers.get('x-switchyard-warnings')).toBeNull();
    const { model: _m, ...rest } = body;
    expect(vx.requests[0]!.body).toEqual({ ...rest, anthropic_version: 'vertex-2023-10-16' });
    expect(vx.requests[0]!.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
  });

  it('passes a Claude stream through streamRawPredict', async () => {
    const stream = anthropic.messages.stream({
      model: CLAUDE,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream it' }],
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'vx: stream it' }]);
    expect(vx.requests[0]!.body).toMatchObject({ stream: true, anthropic_version: 'vertex-2023-10-16' });
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
    expect(msg.content).toEqual([{ type: 'text', text: 'vx: when?' }]);
    expect(vx.requests[0]!.body.messages[1].content).toEqual(madeUpSearchAsText);
  });

  it('converts an Anthropic request for Gemini on Vertex, streamed and not', async () => {
    const msg = await anthropic.messages.create({
      model: GEMINI,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi gemini' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'vx: hi gemini' }]);
    const final = await anthropic.messages
      .stream({ model: GEMINI, max_tokens: 100, messages: [{ role: 'user', content: 'stream gemini' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'vx: stream gemini' }]);
  });
});

describe('Vertex AI errors and failover', () => {
  it('returns a Gemini INVALID_ARGUMENT as a 400 business error', async () => {
    const err = (await openai.chat.completions
      .create({
        model: 'gemini-then-gpt',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@' } }] }],
      })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(400);
    expect(outcomes()).toEqual([[`vx/${GEMINI}`, 'business_error']]);
  });

  it('treats RESOURCE_EXHAUSTED as rate limited and a 503 as a failure, failing over to OpenAI (both protocols)', async () => {
    vx.queueFault({
      kind: 'status',
      status: 429,
      body: {
        error: {
          code: 429,
          message:
            'Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model.',
          status: 'RESOURCE_EXHAUSTED',
        },
      },
    });
    const res = await openai.chat.completions.create({
      model: 'gemini-then-gpt',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toContain('oa');
    expect(outcomes()).toEqual([
      [`vx/${GEMINI}`, 'rate_limited'],
      ['oa/gpt-4o-mini', 'success'],
    ]);
    results.length = 0;
    vx.queueFault({ kind: 'status', status: 503 });
    const msg = await anthropic.messages.create({
      model: 'gemini-then-gpt',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('oa') });
    expect(outcomes()).toEqual([
      [`vx/${GEMINI}`, 'failure'],
      ['oa/gpt-4o-mini', 'success'],
    ]);
  });

  it('fails over from OpenAI to Claude on Vertex, streaming', async () => {
    oa.queueFault({ kind: 'status', status: 500 });
    const stream = await openai.chat.completions.create({
      model: 'gpt-then-claude',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe('vx: hi');
    expect(outcomes()).toEqual([
      ['oa/gpt-4o-mini', 'failure'],
      [`vx/${CLAUDE}`, 'success'],
    ]);
  });

  it("treats PERMISSION_DENIED (a wrong project) as the gateway's failure and tries the next target", async () => {
    const res = await openai.chat.completions.create({
      model: 'wrong-project-then-right',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('vx: hi');
    expect(outcomes()).toEqual([
      [`vx-wrong-project/${GEMINI}`, 'failure'],
      [`vx/${GEMINI}`, 'success'],
    ]);
    expect(results[0]!.message).toContain("Permission 'aiplatform.endpoints.predict' denied");
  });

  it('answers 502 naming the refused token exchange when the service account is unknown, never calling Vertex', async () => {
    const err = (await openai.chat.completions
      .create({ model: 'stranger-only', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(502);
    expect(err.message).toContain('Google token exchange failed');
    expect(vx.requests).toHaveLength(0);
  });
});

describe('Vertex AI access tokens', () => {
  it('exchanges one token and reuses it, then fetches a new one before it expires (injected clock)', async () => {
    let clock = 1_000_000_000_000;
    const own = await startMockOAuth();
    const sa = serviceAccountKey(own, 'clocked@demo-project.iam.gserviceaccount.com');
    own.addServiceAccount(sa.account);
    const front = await startMockVertex({
      oauth: own,
      project: PROJECT,
      location: LOCATION,
      name: 'vt',
      geminiModels: [GEMINI],
    });
    const g = await startGateway(
      {
        providers: [
          {
            name: 'vt',
            type: 'vertex',
            baseUrl: front.origin,
            project: PROJECT,
            location: LOCATION,
            credentials: sa.key,
            models: [GEMINI],
            tokenRefreshMs: 300_000,
          },
        ],
      },
      { plugins: [vertex({ now: () => clock })] },
    );
    try {
      const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const ask = () => client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'hi' }] });
      await ask();
      await ask();
      expect(own.requests).toHaveLength(1);
      clock += (3599 - 400) * 1000; // still valid, outside the refresh window
      await ask();
      expect(own.requests).toHaveLength(1);
      clock += 200 * 1000; // 200 s before expiry: inside the 300 s window
      await ask();
      expect(own.requests).toHaveLength(2);
      const bearers = front.requests.map((r) => r.headers.authorization);
      expect(new Set(bearers.slice(0, 3)).size).toBe(1);
      expect(bearers[3]).not.toBe(bearers[0]);
      expect(bearers[3]).toBe(`Bearer ${own.issued[1]!.token}`);
    } finally {
      await g.close();
      await front.close();
      await own.close();
    }
  });
});
