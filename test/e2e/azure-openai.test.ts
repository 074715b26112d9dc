import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { azureOpenAI } from '@switchyard/provider-azure-openai';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { resultRecorder } from '../support/exchange-recorder.js';
import { startMockAzureOpenAI } from '../support/mock-azure-openai.js';
import type { MockAzureOpenAI } from '../support/mock-azure-openai.js';
import { startMockOAuth } from '../support/mock-oauth.js';
import type { MockOAuth } from '../support/mock-oauth.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { PNG } from '../support/clouds.js';

const KEY = 'azure-upstream-key-0123456789abcdef';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = {
  tenantId: TENANT,
  clientId: '11111111-2222-3333-4444-555555555555',
  clientSecret: 'entra-client-secret-0123456789',
};

let oauth: MockOAuth;
let az: MockAzureOpenAI;
let oa: MockOpenAI;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;
const { plugin: recorder, results, outcomes } = resultRecorder();

beforeAll(async () => {
  oauth = await startMockOAuth({ entraClients: [CLIENT] });
  az = await startMockAzureOpenAI({
    apiKey: KEY,
    oauth,
    name: 'az',
    deployments: {
      'gpt4o-prod': 'gpt-4o-2024-11-20',
      'mini-eu': 'gpt-4o-mini-2024-07-18',
      gpt41: 'gpt-4.1-2025-04-14',
    },
  });
  oa = await startMockOpenAI({ name: 'oa' });
  gw = await startGateway(
    {
      plugins: { 'circuit-breaker': false, 'load-balancer': false },
      providers: [
        {
          name: 'az',
          type: 'azure-openai',
          baseUrl: az.origin,
          apiKey: KEY,
          deployments: { 'gpt-4o': 'gpt4o-prod', 'gpt-4o-mini': 'mini-eu' },
        },
        {
          name: 'az-entra',
          type: 'azure-openai',
          baseUrl: az.origin,
          ...CLIENT,
          authorityHost: oauth.origin,
          apiVersion: 'v1',
          deployments: { 'gpt-4.1': 'gpt41' },
        },
        {
          name: 'az-bad-secret',
          type: 'azure-openai',
          baseUrl: az.origin,
          ...CLIENT,
          clientSecret: 'not-the-secret-0123456789',
          authorityHost: oauth.origin,
          models: ['gpt-4.1-bad'],
          deployments: { 'gpt-4.1-bad': 'gpt41' },
        },
        {
          name: 'az-badkey',
          type: 'azure-openai',
          baseUrl: az.origin,
          apiKey: 'wrong-key-0123456789',
          models: ['gpt-4o-badkey'],
          deployments: { 'gpt-4o-badkey': 'gpt4o-prod' },
          priority: 5,
        },
        {
          name: 'oa',
          type: 'openai',
          baseUrl: `${oa.origin}/v1`,
          apiKey: 'sk-upstream-openai-0123456789',
          models: ['gpt-4o-mini-oa'],
          priority: 9,
        },
      ],
      models: [
        { name: 'azure-then-openai', targets: ['az/gpt-4o', 'oa/gpt-4o-mini-oa'] },
        { name: 'openai-then-azure', targets: ['oa/gpt-4o-mini-oa', 'az/gpt-4o'] },
        { name: 'badkey-then-good', targets: ['az-badkey/gpt-4o-badkey', 'az/gpt-4o'] },
      ],
    },
    { plugins: [recorder] },
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});
afterEach(() => {
  az.reset();
  oa.reset();
  oauth.reset();
  results.length = 0;
});
afterAll(async () => {
  await gw.close();
  await Promise.all([az.close(), oa.close(), oauth.close()]);
});

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('OpenAI clients → Azure OpenAI (pass-through)', () => {
  it("sends the caller's body to the deployment with api-version and api-key, and passes the answer through", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hello there' }],
        temperature: 0.4,
        seed: 7,
        user: 'u-1',
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('az: hello there');
    expect(data.model).toBe('gpt-4o-2024-11-20');
    expect((data as unknown as { prompt_filter_results: unknown[] }).prompt_filter_results).toHaveLength(1);
    expect(response.headers.get('x-switchyard-target')).toBe('az/gpt-4o');
    const sent = az.requests[0]!;
    expect(sent.path).toBe('/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21');
    expect(sent.headers['api-key']).toBe(KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'gpt4o-prod',
      messages: [{ role: 'user', content: 'hello there' }],
      temperature: 0.4,
      seed: 7,
      user: 'u-1',
    });
  });

  it("drops xAI's search_parameters (Grok CLI sends it on every call), which Azure refuses, naming it in a warning", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hello grok' }],
        search_parameters: { mode: 'off' },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('az: hello grok');
    expect(response.headers.get('x-switchyard-warnings')).toContain('search_parameters dropped');
    expect(az.requests.at(-1)!.body).toEqual({
      model: 'gpt4o-prod',
      messages: [{ role: 'user', content: 'hello grok' }],
    });
  });

  it('serves the keys of its deployments, listed in /v1/models', async () => {
    const ids = (await openai.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1']));
    const mini = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(mini.model).toBe('gpt-4o-mini-2024-07-18');
    expect(az.requests.at(-1)!.deployment).toBe('mini-eu');
  });

  it('calls tools and takes the results back', async () => {
    const first = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weather],
    });
    const message = first.choices[0]!.message;
    const call = message.tool_calls![0]!;
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    const second = await openai.chat.completions.create({
      model: 'gpt-4o',
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        message,
        { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('az: get_weather={"temp":21}');
  });

  it('takes images and answers JSON mode', async () => {
    const seen = await openai.chat.completions.create({
      model: 'gpt-4o',
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
    expect(seen.choices[0]!.message.content).toBe('az: describe + an image');
    const json = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'answer in json' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(json.choices[0]!.message.content!)).toEqual({ answer: 'az: answer in json' });
    const bad = (await openai.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'no keyword' }],
        response_format: { type: 'json_object' },
      })
      .catch((e: unknown) => e)) as APIError;
    expect(bad.status).toBe(400);
    expect(bad.message).toContain("must contain the word 'json'");
  });

  it("streams Azure's own chunks, the prompt-filter chunk first, with usage", async () => {
    const raw = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream this' }] }),
    });
    const events = (await raw.text()).trim().split('\n\n');
    expect(JSON.parse(events[0]!.slice(6))).toMatchObject({
      choices: [],
      prompt_filter_results: [{ prompt_index: 0 }],
    });
    expect(events.at(-1)).toBe('data: [DONE]');
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
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
    expect(content).toBe('az: stream this');
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });
});

describe('Azure deployments as served models', () => {
  it('lists them in /v1/models and /ready watches them: a deployment whose only instance is ejected makes the gateway unready', async () => {
    const g = await startGateway({
      providers: [
        {
          name: 'solo',
          type: 'azure-openai',
          baseUrl: az.origin,
          apiKey: KEY,
          deployments: { 'gpt-4o-solo': 'gpt4o-prod' },
        },
      ],
    });
    try {
      const listed = (await (await fetch(`${g.url}/v1/models`)).json()) as {
        data: Array<{ id: string; owned_by: string }>;
      };
      expect(listed.data).toContainEqual(expect.objectContaining({ id: 'gpt-4o-solo', owned_by: 'azure-openai' }));
      expect((await fetch(`${g.url}/ready`)).status).toBe(200);
      const eject = await fetch(`${g.url}/admin/circuits/solo/eject`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'test' }),
      });
      expect(eject.status).toBe(200);
      const ready = await fetch(`${g.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toContain('model gpt-4o-solo: every target is unhealthy');
    } finally {
      await g.close();
    }
  });
});

describe('Anthropic clients → Azure OpenAI (converted)', () => {
  it('answers a Messages request, streamed and not, tools included', async () => {
    const msg = await anthropic.messages.create({
      model: 'gpt-4o',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi azure' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'az: hi azure' }]);
    expect(az.requests[0]!.body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    const stream = anthropic.messages.stream({
      model: 'gpt-4o',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({
      name: 'get_weather',
      input: { city: 'Paris' },
    });
  });
});

describe('Azure content filter', () => {
  it('turns a filtered prompt into a 400 content_filter error naming the categories and keeping the annotations', async () => {
    const err = (await openai.chat.completions
      .create({ model: 'azure-then-openai', messages: [{ role: 'user', content: 'something violent' }] })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('content_filter');
    expect(err.message).toContain("Azure OpenAI's content filter blocked the prompt: violence (medium)");
    const annotations = JSON.parse(
      err.message.slice(err.message.indexOf('content_filter_result=') + 'content_filter_result='.length),
    );
    expect(annotations.violence).toEqual({ filtered: true, severity: 'medium' });
    expect(outcomes()).toEqual([['az/gpt-4o', 'business_error']]);
    const anth = (await anthropic.messages
      .create({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'something violent' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(anth).toBeInstanceOf(Anthropic.BadRequestError);
    expect(anth.error).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringContaining('violence (medium)') },
    });
  });

  it('keeps an answer cut by the output filter: annotations for OpenAI callers, a warning for converted ones', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'please filter-output now' }],
    });
    expect(res.choices[0]!.finish_reason).toBe('content_filter');
    expect(
      (res.choices[0] as unknown as { content_filter_results: Record<string, unknown> }).content_filter_results
        .violence,
    ).toEqual({ filtered: true, severity: 'high' });
    const { data, response } = await anthropic.messages
      .create({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'please filter-output now' }] })
      .withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'az: plea' });
    expect(data.stop_reason).toBe('refusal');
    expect(response.headers.get('x-switchyard-warnings')).toContain(
      "Azure OpenAI's content filter cut the answer short: violence (high)",
    );
  });
});

describe('Azure errors and failover', () => {
  it('honours retry-after-ms on 429: failover, then Retry-After rounded up to seconds', async () => {
    const throttled = {
      kind: 'status' as const,
      status: 429,
      body: {
        error: {
          code: '429',
          message:
            'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier.',
        },
      },
      headers: { 'retry-after-ms': '2500' },
    };
    az.queueFault(throttled);
    const res = await openai.chat.completions.create({
      model: 'azure-then-openai',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toContain('oa');
    expect(outcomes()).toEqual([
      ['az/gpt-4o', 'rate_limited'],
      ['oa/gpt-4o-mini-oa', 'success'],
    ]);
    expect(results[0]!.retryAfter).toBe('3');
    az.queueFault(throttled);
    const raw = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('3');
  });

  it("treats a refused api-key as the gateway's failure and tries the next target", async () => {
    const res = await openai.chat.completions.create({
      model: 'badkey-then-good',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('az: hi');
    expect(outcomes()).toEqual([
      ['az-badkey/gpt-4o-badkey', 'failure'],
      ['az/gpt-4o', 'success'],
    ]);
    expect(results[0]!.status).toBe(401);
  });

  it('fails over from OpenAI to Azure, streaming, and from Azure to OpenAI on a reset', async () => {
    oa.queueFault({ kind: 'status', status: 503 });
    const stream = await openai.chat.completions.create({
      model: 'openai-then-azure',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe('az: hi');
    results.length = 0;
    az.queueFault({ kind: 'reset' });
    const msg = await anthropic.messages.create({
      model: 'azure-then-openai',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content[0]).toMatchObject({ type: 'text' });
    expect(outcomes()).toEqual([
      ['az/gpt-4o', 'failure'],
      ['oa/gpt-4o-mini-oa', 'success'],
    ]);
  });

  it('ends a stream cut mid-way with an error event', async () => {
    az.queueFault({ kind: 'cut', afterChunks: 3 });
    const raw = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'a long answer' }] }),
    });
    const text = await raw.text();
    expect(text).toContain('"error"');
    expect(text).not.toContain('[DONE]');
  });
});

describe('Microsoft Entra ID', () => {
  it('sends a client-credentials bearer token (v1 API) and reuses it; nothing but the token endpoint is called', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'hello entra' }],
    });
    expect(res.choices[0]!.message.content).toBe('az: hello entra');
    await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'again' }] });
    const sent = az.requests.filter((r) => r.deployment === 'gpt41');
    expect(sent[0]!.path).toBe('/openai/v1/chat/completions');
    expect(sent[0]!.body.model).toBe('gpt41');
    expect(sent[0]!.headers['api-key']).toBeUndefined();
    expect(sent[0]!.headers.authorization).toBe(sent[1]!.headers.authorization);
    expect(String(sent[0]!.headers.authorization)).toMatch(/^Bearer eyJ0eXAi\.mock-entra-/);
    // One token for both requests (it may have been fetched by an earlier test's model listing).
    expect(oauth.issued.map((t) => `Bearer ${t.token}`)).toContain(sent[0]!.headers.authorization);
    expect(oauth.requests.length).toBeLessThanOrEqual(1);
    for (const r of oauth.requests) {
      expect(`${r.method} ${r.path.split('?')[0]}`).toBe(`POST /${TENANT}/oauth2/v2.0/token`);
      expect(r.form).toMatchObject({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        scope: 'https://cognitiveservices.azure.com/.default',
      });
    }
  });

  it("answers 502 naming Entra's refusal when the client secret is wrong, never calling Azure", async () => {
    const err = (await openai.chat.completions
      .create({ model: 'gpt-4.1-bad', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(502);
    expect(err.message).toContain('Entra ID token request failed');
    expect(err.message).toContain('AADSTS7000215');
    expect(err.message).not.toContain('not-the-secret');
    expect(az.requests).toHaveLength(0);
  });

  it('fetches a new token before the current one expires (injected clock)', async () => {
    let clock = 2_000_000_000_000;
    const own = await startMockOAuth({ entraClients: [CLIENT], expiresIn: 3600 });
    const front = await startMockAzureOpenAI({ oauth: own, name: 'ent', deployments: { d1: 'gpt-4o-2024-11-20' } });
    const g = await startGateway(
      {
        providers: [
          {
            name: 'ent',
            type: 'azure-openai',
            baseUrl: front.origin,
            ...CLIENT,
            authorityHost: own.origin,
            deployments: { 'gpt-4o': 'd1' },
            tokenRefreshMs: 120_000,
          },
        ],
      },
      { plugins: [azureOpenAI({ now: () => clock })] },
    );
    try {
      const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const ask = () =>
        client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      await ask();
      clock += (3600 - 150) * 1000; // outside the 120 s refresh window
      await ask();
      expect(own.requests).toHaveLength(1);
      clock += 60 * 1000; // 90 s before expiry
      await ask();
      expect(own.requests).toHaveLength(2);
      const bearers = front.requests.map((r) => r.headers.authorization);
      expect(bearers[1]).toBe(bearers[0]);
      expect(bearers[2]).toBe(`Bearer ${own.issued[1]!.token}`);
      // No instance discovery, no OpenID metadata: the token endpoint is all MSAL asked for.
      expect(new Set(own.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`))).toEqual(
        new Set([`POST /${TENANT}/oauth2/v2.0/token`]),
      );
    } finally {
      await g.close();
      await front.close();
      await own.close();
    }
  });

  it('refuses an instance without credentials, or sending its client secret over plain http, at start', async () => {
    const failed = await startGateway({
      providers: [{ name: 'x', type: 'azure-openai', baseUrl: az.origin, deployments: { a: 'b' } }],
    }).catch((e: unknown) => e);
    expect(String((failed as Error).message)).toContain(
      'providers[0]: an azure-openai instance needs apiKey, or tenantId, clientId and clientSecret',
    );
    const plain = await startGateway({
      providers: [
        {
          name: 'x',
          type: 'azure-openai',
          baseUrl: az.origin,
          ...CLIENT,
          authorityHost: 'http://login.example.com',
          deployments: { a: 'b' },
        },
      ],
    }).catch((e: unknown) => e);
    expect(String((plain as Error).message)).toContain('providers[0].authorityHost: must be https');
  });
});

describe('Azure OpenAI: the reasoning fields a deployment’s model takes', () => {
  it('sends max_completion_tokens and no refused sampling to a reasoning model, and no reasoning_effort to one that does not (Azure refuses them)', async () => {
    const mock = await startMockAzureOpenAI({
      apiKey: KEY,
      name: 'az',
      deployments: { 'o3-eu': 'o3-mini-2025-01-31', 'gpt4o-prod': 'gpt-4o-2024-11-20' },
    });
    const gateway = await startGateway({
      providers: [
        {
          name: 'az',
          type: 'azure-openai',
          baseUrl: mock.origin,
          apiKey: KEY,
          // Azure serves o3-mini from api-version 2024-12-01-preview on.
          apiVersion: '2025-01-01-preview',
          deployments: { 'o3-mini': 'o3-eu', 'gpt-4o': 'gpt4o-prod' },
        },
      ],
    });
    try {
      const ask = (body: Record<string, unknown>) =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
        });
      const toO3 = await ask({ model: 'o3-mini', max_tokens: 50, temperature: 0.3 });
      expect(toO3.status, await toO3.clone().text()).toBe(200);
      expect(toO3.headers.get('x-switchyard-warnings')).toContain('max_tokens sent as max_completion_tokens');
      expect(toO3.headers.get('x-switchyard-warnings')).toContain('temperature 0.3 dropped');
      const toGpt4o = await ask({ model: 'gpt-4o', reasoning_effort: 'low' });
      expect(toGpt4o.status, await toGpt4o.clone().text()).toBe(200);
      const [o3, gpt4o] = mock.requests.map((r) => r.body);
      expect(o3).toMatchObject({ max_completion_tokens: 50 });
      expect(o3).not.toHaveProperty('max_tokens');
      expect(o3).not.toHaveProperty('temperature');
      expect(gpt4o).not.toHaveProperty('reasoning_effort');
    } finally {
      await gateway.close();
      await mock.close();
    }
  });
});

describe('Azure OpenAI: an api-version before 2024-09-01-preview', () => {
  let mock: MockAzureOpenAI;
  let gateway: RunningGateway;
  beforeAll(async () => {
    mock = await startMockAzureOpenAI({ apiKey: KEY, name: 'az', deployments: { 'gpt4o-prod': 'gpt-4o-2024-11-20' } });
    gateway = await startGateway({
      providers: [
        {
          name: 'az',
          type: 'azure-openai',
          baseUrl: mock.origin,
          apiKey: KEY,
          apiVersion: '2024-06-01',
          deployments: { 'gpt-4o': 'gpt4o-prod' },
        },
      ],
    });
  });
  afterEach(() => mock.reset());
  afterAll(async () => {
    await gateway.close();
    await mock.close();
  });

  it('streams to an Anthropic caller without the stream_options its conversion adds (Azure refuses them there)', async () => {
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'gpt-4o',
        max_tokens: 20,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.text()).toContain('event: message_stop');
    expect(mock.requests[0]!.body).not.toHaveProperty('stream_options');
    expect(res.headers.get('x-switchyard-warnings')).toBeNull();
  });

  it('sends an OpenAI caller’s max_completion_tokens as max_tokens and drops its stream_options, each named', async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o',
        stream: true,
        stream_options: { include_usage: true },
        max_completion_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    await res.text();
    const sent = mock.requests[0]!.body;
    expect(sent).toMatchObject({ max_tokens: 20 });
    expect(sent).not.toHaveProperty('max_completion_tokens');
    expect(sent).not.toHaveProperty('stream_options');
    expect(res.headers.get('x-switchyard-warnings')).toBe(
      'stream_options dropped (api-version 2024-06-01 does not take it); max_completion_tokens sent as max_tokens (api-version 2024-06-01 does not take it)',
    );
  });
});
