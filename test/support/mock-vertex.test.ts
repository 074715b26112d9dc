import { createSign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GOOGLE_AUDIENCE, serviceAccountKey, startMockOAuth } from './mock-oauth.js';
import type { MockOAuth, ServiceAccount } from './mock-oauth.js';
import { startMockVertex } from './mock-vertex.js';
import type { MockVertex } from './mock-vertex.js';

let oauth: MockOAuth & { addServiceAccount(a: ServiceAccount): void };
let vx: MockVertex;
let key: Record<string, string>;
const BASE = '/v1/projects/demo-project/locations/us-east5/publishers';

beforeAll(async () => {
  oauth = await startMockOAuth();
  const sa = serviceAccountKey(oauth);
  oauth.addServiceAccount(sa.account);
  key = sa.key;
  vx = await startMockVertex({
    oauth,
    project: 'demo-project',
    location: 'us-east5',
    name: 'vx',
    geminiModels: ['gemini-2.5-flash'],
    claudeModels: ['claude-sonnet-4-5@20250929'],
  });
});
afterEach(() => {
  vx.reset();
  oauth.reset();
});
afterAll(async () => {
  await vx.close();
  await oauth.close();
});

/** A JWT-bearer assertion signed with the key, as a service account sends it. */
function assertion(claims: Record<string, unknown>, privateKey = key.private_key!): string {
  const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}

async function token(claims: Record<string, unknown> = {}): Promise<Response> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = assertion({
    iss: key.client_email,
    scope: 'https://www.googleapis.com/auth/cloud-platform',
    aud: GOOGLE_AUDIENCE,
    iat: now,
    exp: now + 3600,
    ...claims,
  });
  return fetch(`${oauth.origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }),
  });
}

async function bearer(): Promise<string> {
  return ((await (await token()).json()) as { access_token: string }).access_token;
}

const post = (path: string, body: unknown, auth?: string, headers: Record<string, string> = {}) =>
  fetch(`${vx.origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers },
    body: JSON.stringify(body),
  });

describe('mock OAuth: Google JWT bearer grant', () => {
  it('issues a token for a correctly signed assertion', async () => {
    const res = await token();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      access_token: expect.stringMatching(/^ya29\.mock-/),
      expires_in: 3599,
      token_type: 'Bearer',
    });
  });

  it("refuses a bad signature, a wrong audience and an expired assertion with Google's errors", async () => {
    const other = serviceAccountKey(oauth).key.private_key!;
    const now = Math.floor(Date.now() / 1000);
    const forged = assertion(
      { iss: key.client_email, scope: 's', aud: GOOGLE_AUDIENCE, iat: now, exp: now + 60 },
      other,
    );
    const bad = await fetch(`${oauth.origin}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: forged }),
    });
    expect([bad.status, await bad.json()]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    ]);
    expect(((await (await token({ aud: 'https://example.com' })).json()) as { error: string }).error).toBe(
      'invalid_grant',
    );
    expect(
      ((await (await token({ iat: now - 7200, exp: now - 3600 })).json()) as { error_description: string })
        .error_description,
    ).toContain('Check your iat and exp values');
  });
});

describe('mock Vertex AI', () => {
  it('wants a valid bearer token: none, unknown → 401 UNAUTHENTICATED', async () => {
    for (const auth of [undefined, 'ya29.forged']) {
      const res = await post(
        `${BASE}/google/models/gemini-2.5-flash:generateContent`,
        { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
        auth,
      );
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    }
  });

  it('serves Gemini models under the project and location, refusing another project, a roleless content and unknown fields', async () => {
    const auth = await bearer();
    const ok = await post(
      `${BASE}/google/models/gemini-2.5-flash:generateContent`,
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      auth,
    );
    expect(await ok.json()).toMatchObject({ candidates: [{ content: { parts: [{ text: 'vx: hi' }] } }] });
    const other = await post(
      '/v1/projects/someone-else/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent',
      { contents: [] },
      auth,
    );
    expect([other.status, ((await other.json()) as { error: { status: string } }).error.status]).toEqual([
      403,
      'PERMISSION_DENIED',
    ]);
    const roleless = await post(
      `${BASE}/google/models/gemini-2.5-flash:generateContent`,
      { contents: [{ parts: [{ text: 'hi' }] }] },
      auth,
    );
    expect(((await roleless.json()) as { error: { message: string } }).error.message).toBe(
      'Please use a valid role: user, model.',
    );
    const unknown = await post(
      `${BASE}/google/models/gemini-2.5-flash:generateContent`,
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], foo: 1 },
      auth,
    );
    expect(unknown.status).toBe(400);
    const missing = await post(
      `${BASE}/google/models/gemini-9:generateContent`,
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      auth,
    );
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain(
      'Publisher Model `projects/demo-project/locations/us-east5/publishers/google/models/gemini-9` not found.',
    );
  });

  it('streams Gemini as SSE with alt=sse', async () => {
    const res = await post(
      `${BASE}/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      { contents: [{ role: 'user', parts: [{ text: 'stream' }] }] },
      await bearer(),
    );
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(
      text
        .split('\r\n\r\n')
        .filter(Boolean)
        .every((e) => e.startsWith('data: {')),
    ).toBe(true);
  });

  it('serves Claude through rawPredict: anthropic_version vertex-2023-10-16 in the body, no model, stream matching the method', async () => {
    const auth = await bearer();
    const path = `${BASE}/anthropic/models/claude-sonnet-4-5%4020250929`;
    const ok = await post(
      `${path}:rawPredict`,
      { anthropic_version: 'vertex-2023-10-16', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      auth,
    );
    expect(await ok.json()).toMatchObject({
      type: 'message',
      model: 'claude-sonnet-4-5@20250929',
      content: [{ type: 'text', text: 'vx: hi' }],
    });
    const problems: Array<[string, unknown, string]> = [
      [
        ':rawPredict',
        { max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
        "anthropic_version: Input should be 'vertex-2023-10-16'",
      ],
      [
        ':rawPredict',
        {
          anthropic_version: 'vertex-2023-10-16',
          model: 'claude',
          max_tokens: 20,
          messages: [{ role: 'user', content: 'hi' }],
        },
        'model: Extra inputs are not permitted',
      ],
      [
        ':streamRawPredict',
        { anthropic_version: 'vertex-2023-10-16', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
        'stream: must be true for streamRawPredict',
      ],
      [
        ':rawPredict',
        {
          anthropic_version: 'vertex-2023-10-16',
          max_tokens: 20,
          messages: [{ role: 'user', content: 'hi' }],
          surprise: true,
        },
        'surprise: Extra inputs are not permitted',
      ],
    ];
    for (const [method, body, message] of problems) {
      const res = await post(`${path}${method}`, body, auth);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } });
    }
    const stream = await post(
      `${path}:streamRawPredict`,
      {
        anthropic_version: 'vertex-2023-10-16',
        stream: true,
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      },
      auth,
      { 'anthropic-beta': 'context-1m-2025-08-07' },
    );
    expect(await stream.text()).toMatch(/^event: message_start\ndata: /);
    expect(vx.claude.requests.at(-1)!.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
  });

  it("injects statuses with Google's error body", async () => {
    vx.queueFault({ kind: 'status', status: 429 });
    const res = await post(`${BASE}/google/models/gemini-2.5-flash:generateContent`, {}, await bearer());
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
  });
});
