import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAzureOpenAI } from './mock-azure-openai.js';
import type { MockAzureOpenAI } from './mock-azure-openai.js';
import { AZURE_SCOPE, startMockOAuth } from './mock-oauth.js';
import type { MockOAuth } from './mock-oauth.js';

const KEY = 'azure-key-0123456789';
const CLIENT = { tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'secret-1' };
let oauth: MockOAuth;
let az: MockAzureOpenAI;

beforeAll(async () => {
  oauth = await startMockOAuth({ entraClients: [CLIENT] });
  az = await startMockAzureOpenAI({ apiKey: KEY, oauth, name: 'az', deployments: { prod: 'gpt-4o-2024-11-20' } });
});
afterEach(() => {
  az.reset();
  oauth.reset();
});
afterAll(async () => {
  await az.close();
  await oauth.close();
});

const chat = (
  body: unknown,
  headers: Record<string, string> = { 'api-key': KEY },
  path = '/openai/deployments/prod/chat/completions?api-version=2024-10-21',
) =>
  fetch(`${az.origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const hi = { messages: [{ role: 'user', content: 'hi' }] };

async function entraToken(form: Record<string, string>): Promise<Response> {
  return fetch(`${oauth.origin}/${CLIENT.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams(form),
  });
}

describe('mock OAuth: Entra client credentials', () => {
  it('issues a token for the right secret and scope, and refuses others with AADSTS errors', async () => {
    const ok = await entraToken({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      scope: AZURE_SCOPE,
    });
    expect(await ok.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3599, access_token: expect.any(String) });
    const secret = await entraToken({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: 'nope',
      scope: AZURE_SCOPE,
    });
    expect(secret.status).toBe(401);
    expect(((await secret.json()) as { error_description: string }).error_description).toMatch(/^AADSTS7000215/);
    const scope = await entraToken({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(((await scope.json()) as { error: string }).error).toBe('invalid_scope');
    const discovery = await fetch(`${oauth.origin}/common/discovery/instance`);
    expect(discovery.status).toBe(404);
    expect(oauth.requests.at(-1)!.path).toBe('/common/discovery/instance');
  });
});

describe('mock Azure OpenAI', () => {
  it("takes the api-key or an Entra bearer token, and refuses others with Azure's 401 bodies", async () => {
    expect((await chat(hi)).status).toBe(200);
    const wrong = await chat(hi, { 'api-key': 'nope' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toMatch(
      /^Access denied due to invalid subscription key/,
    );
    const token = (
      (await (
        await entraToken({
          grant_type: 'client_credentials',
          client_id: CLIENT.clientId,
          client_secret: CLIENT.clientSecret,
          scope: AZURE_SCOPE,
        })
      ).json()) as { access_token: string }
    ).access_token;
    expect((await chat(hi, { authorization: `Bearer ${token}` })).status).toBe(200);
    const forged = await chat(hi, { authorization: 'Bearer forged' });
    expect([forged.status, await forged.json()]).toEqual([
      401,
      {
        statusCode: 401,
        message:
          'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.',
      },
    ]);
    const none = await chat(hi, {});
    expect([none.status, await none.json()]).toEqual([
      401,
      {
        statusCode: 401,
        message:
          'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
      },
    ]);
  });

  it('wants a known api-version and deployment, and refuses unknown arguments', async () => {
    const unversioned = await chat(hi, { 'api-key': KEY }, '/openai/deployments/prod/chat/completions');
    expect([unversioned.status, await unversioned.json()]).toEqual([
      404,
      { error: { code: '404', message: 'Resource not found' } },
    ]);
    const unknownVersion = await chat(
      hi,
      { 'api-key': KEY },
      '/openai/deployments/prod/chat/completions?api-version=1999-01-01',
    );
    expect([unknownVersion.status, await unknownVersion.json()]).toEqual([
      400,
      { error: { code: 'BadRequest', message: 'API version not supported' } },
    ]);
    const missing = await chat(
      hi,
      { 'api-key': KEY },
      '/openai/deployments/nope/chat/completions?api-version=2024-10-21',
    );
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('DeploymentNotFound');
    const unknown = await chat({ ...hi, surprise: 1 });
    expect([unknown.status, ((await unknown.json()) as { error: { message: string } }).error.message]).toEqual([
      400,
      'Unrecognized request argument supplied: surprise',
    ]);
    expect((await chat({ ...hi, model: 'prod' }, { 'api-key': KEY }, '/openai/v1/chat/completions')).status).toBe(200);
  });

  it('serves o3-mini only from api-version 2024-12-01-preview on, as Azure does', async () => {
    const mini = await startMockAzureOpenAI({ apiKey: KEY, name: 'mini', deployments: { o3: 'o3-mini-2025-01-31' } });
    try {
      const ask = (version: string) =>
        fetch(`${mini.origin}/openai/deployments/o3/chat/completions?api-version=${version}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'api-key': KEY },
          body: JSON.stringify(hi),
        });
      const old = await ask('2024-10-21');
      expect([old.status, ((await old.json()) as { error: { message: string } }).error.message]).toEqual([
        400,
        'Model {modelName} is enabled only for api versions 2024-12-01-preview and later',
      ]);
      expect((await ask('2025-01-01-preview')).status).toBe(200);
    } finally {
      await mini.close();
    }
  });

  it('refuses stream_options and max_completion_tokens on an api-version before 2024-09-01-preview', async () => {
    const old = '/openai/deployments/prod/chat/completions?api-version=2024-06-01';
    for (const [field, value] of [
      ['stream_options', { include_usage: true }],
      ['max_completion_tokens', 10],
    ] as const) {
      const body = { ...hi, stream: true, [field]: value };
      const refused = await chat(body, { 'api-key': KEY }, old);
      expect([refused.status, ((await refused.json()) as { error: { message: string } }).error.message]).toEqual([
        400,
        `Unrecognized request argument supplied: ${field}`,
      ]);
      expect((await chat(body)).status).toBe(200);
      expect((await chat({ ...hi, stream: true }, { 'api-key': KEY }, old)).status).toBe(200);
    }
  });

  it('serves the Responses API from api-version 2025-03-01-preview on, and says so before', async () => {
    const body = { model: 'prod', input: 'hi' };
    const early = await chat(body, { 'api-key': KEY }, '/openai/responses?api-version=2024-10-21');
    expect([early.status, await early.json()]).toEqual([
      400,
      {
        error: {
          code: 'BadRequest',
          message: 'Azure OpenAI Responses API is enabled only for api-version 2025-03-01-preview and later',
        },
      },
    ]);
    expect((await chat(body, { 'api-key': KEY }, '/openai/responses?api-version=2025-04-01-preview')).status).toBe(200);
  });

  it('answers with prompt and content filter results, and refuses a violent prompt with content_filter', async () => {
    const ok = (await (await chat(hi)).json()) as Record<string, any>;
    expect(ok.prompt_filter_results[0].content_filter_results.violence).toEqual({ filtered: false, severity: 'safe' });
    expect(ok.choices[0].content_filter_results).toBeDefined();
    const blocked = await chat({ messages: [{ role: 'user', content: 'a violent story' }] });
    const body = (await blocked.json()) as { error: Record<string, any> };
    expect(blocked.status).toBe(400);
    expect(body.error).toMatchObject({
      type: null,
      code: 'content_filter',
      param: 'prompt',
      innererror: {
        code: 'ResponsibleAIPolicyViolation',
        content_filter_result: { violence: { filtered: true, severity: 'medium' } },
      },
    });
  });

  it('streams a prompt-filter chunk first, then chunks with content_filter_results, then [DONE]', async () => {
    const text = await (await chat({ ...hi, stream: true })).text();
    const events = text
      .trim()
      .split('\n\n')
      .map((e) => e.slice('data: '.length));
    expect(JSON.parse(events[0]!)).toMatchObject({ choices: [], id: '', prompt_filter_results: [{ prompt_index: 0 }] });
    expect(JSON.parse(events[1]!).choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(events.at(-1)).toBe('[DONE]');
  });

  it('injects a 429 with retry-after-ms', async () => {
    az.queueFault({ kind: 'status', status: 429, headers: { 'retry-after-ms': '1200' } });
    const res = await chat(hi);
    expect([res.status, res.headers.get('retry-after-ms')]).toEqual([429, '1200']);
  });
});
