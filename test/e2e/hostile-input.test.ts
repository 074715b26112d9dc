import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { sendHttp, sendRaw } from '../support/raw-http.js';
import type { HttpAnswer } from '../support/raw-http.js';

/**
 * One case per class of hostile input. Each asserts the status, the error shape of the caller's
 * protocol, that no upstream was called, and that the gateway still serves a normal request
 * afterwards (checked after every case).
 */
const KEY = 'sk-gw-hostile-0123456789abcdef';
const NARROW_KEY = 'sk-gw-narrow-0123456789abcdef';

let upA: MockOpenAI;
let upB: MockOpenAI;
let gw: RunningGateway;
let port: number;

beforeAll(async () => {
  upA = await startMockOpenAI({ name: 'up-a' });
  upB = await startMockOpenAI({ name: 'up-b' });
  gw = await startGateway(
    {
      server: { bodyLimit: '64kb', headersTimeoutMs: 2000, requestTimeoutMs: 3000 },
      providers: [
        mockProvider('up-a', upA.baseUrl, { models: ['cheap-model'] }),
        // Serves only the model the 429 case uses, so that its cooldown touches no other case.
        mockProvider('up-b', upB.baseUrl, { models: ['limited-model'] }),
      ],
      models: [{ name: 'cheap-alias', targets: ['up-a/expensive-model'] }],
    },
    {
      plugins: [
        withOptions(auth(), {
          keys: [
            { name: 'hostile', key: KEY },
            { name: 'narrow', key: NARROW_KEY, models: ['cheap-*'] },
          ],
        }),
      ],
    },
  );
  port = Number(new URL(gw.url).port);
});

afterAll(async () => {
  await gw.close();
  await upA.close();
  await upB.close();
});

const upstreamCalls = (): number => upA.requests.length + upB.requests.length;

afterEach(async () => {
  // Whatever the case sent, nothing reached an upstream, and the gateway still serves.
  const calls = upstreamCalls();
  upA.reset();
  upB.reset();
  const normal = await send({ body: chat() });
  upA.reset();
  expect(calls, 'upstream calls').toBe(0);
  expect(normal.status).toBe(200);
  expect(normal.json.choices[0].message.content).toBe('up-a: hi');
});

interface Sent {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

function send({ method = 'POST', path = '/v1/chat/completions', headers = {}, body }: Sent): Promise<HttpAnswer> {
  const all = {
    host: `127.0.0.1:${port}`,
    authorization: `Bearer ${KEY}`,
    'content-type': 'application/json',
    ...headers,
  };
  return sendHttp(port, { method, path, headers: all, body });
}

const raw = (bytes: string | Buffer, trickleEveryMs?: number): Promise<string> => sendRaw(port, bytes, trickleEveryMs);

const chat = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'cheap-model', messages: [{ role: 'user', content: 'hi' }], ...extra });
const messages = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'cheap-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...extra });

/** The OpenAI error shape, with what the case expects of it. */
function openaiError(
  res: HttpAnswer,
  status: number,
  expected: { type?: string; code?: string; param?: string; message?: RegExp } = {},
): void {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.json)).toEqual(['error']);
  expect(res.json.error).toEqual(expect.objectContaining({ message: expect.any(String), type: expect.any(String) }));
  expect(res.json.error).toHaveProperty('code');
  expect(res.json.error).toHaveProperty('param');
  if (expected.type) expect(res.json.error.type).toBe(expected.type);
  if (expected.code) expect(res.json.error.code).toBe(expected.code);
  if (expected.param) expect(res.json.error.param).toBe(expected.param);
  if (expected.message) expect(res.json.error.message).toMatch(expected.message);
}

/** The Anthropic error shape. */
function anthropicError(res: HttpAnswer, status: number, type: string, message?: RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(res.json).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
  if (message) expect(res.json.error.message).toMatch(message);
}

describe('hostile input: the body', () => {
  it('invalid JSON → 400 invalid_json', async () => {
    openaiError(await send({ body: '{"model":"cheap-model","messages":[' }), 400, {
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
    anthropicError(
      await send({ path: '/v1/messages', body: '{"model":' }),
      400,
      'invalid_request_error',
      /not valid JSON/,
    );
  });

  it('a JSON value that is not an object → 400', async () => {
    openaiError(await send({ body: '[]' }), 400, { code: 'invalid_request', message: /must be a JSON object/ });
  });

  it('invalid UTF-8 → 400, never passed on with replacement characters', async () => {
    const body = Buffer.concat([
      Buffer.from('{"model":"cheap-model","messages":[{"role":"user","content":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}]}'),
    ]);
    openaiError(await send({ body }), 400, { code: 'invalid_json', message: /not valid UTF-8/ });
  });

  it('a body over server.bodyLimit → 413', async () => {
    openaiError(await send({ body: chat({ padding: 'x'.repeat(70 * 1024) }) }), 413, { code: 'request_too_large' });
    anthropicError(
      await send({ path: '/v1/messages', body: messages({ padding: 'x'.repeat(70 * 1024) }) }),
      413,
      'request_too_large',
    );
    // Without a Content-Length (chunked), refused once the bytes read pass the limit.
    const chunked = { headers: { 'transfer-encoding': 'chunked' }, body: chat({ padding: 'x'.repeat(70 * 1024) }) };
    openaiError(await send(chunked), 413, { code: 'request_too_large' });
  });

  it('deep nesting → 400 before parsing', async () => {
    openaiError(
      await send({
        body: `{"model":"cheap-model","messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      }),
      400,
      { message: /nests deeper than/ },
    );
  });

  it('wrong types → 400 naming the field', async () => {
    openaiError(await send({ body: chat({ model: 123 }) }), 400, { param: 'model' });
    openaiError(await send({ body: chat({ messages: [{ role: 'robot', content: 'x' }] }) }), 400, {
      param: 'messages[0].role',
    });
  });

  it('a number JSON reads as Infinity (1e309) → 400 naming the field, wherever it is', async () => {
    openaiError(
      await send({ body: '{"model":"cheap-model","max_tokens":1e309,"messages":[{"role":"user","content":"hi"}]}' }),
      400,
      { param: 'max_tokens', message: /finite/ },
    );
    openaiError(
      await send({ body: '{"model":"cheap-model","messages":[{"role":"user","content":"hi","x":-1e400}]}' }),
      400,
      { param: 'messages[0].x' },
    );
    anthropicError(
      await send({
        path: '/v1/messages',
        body: '{"model":"cheap-model","max_tokens":1e999,"messages":[{"role":"user","content":"hi"}]}',
      }),
      400,
      'invalid_request_error',
      /max_tokens: must be a finite number/,
    );
  });

  it('numbers out of range → 400 naming the field', async () => {
    openaiError(await send({ body: chat({ n: 1e9 }) }), 400, { param: 'n' });
    openaiError(await send({ body: chat({ max_tokens: 2_000_000 }) }), 400, { param: 'max_tokens' });
    openaiError(await send({ body: chat({ max_completion_tokens: 0 }) }), 400, { param: 'max_completion_tokens' });
    openaiError(await send({ body: chat({ temperature: 3 }) }), 400, { param: 'temperature' });
    openaiError(await send({ body: chat({ presence_penalty: -9 }) }), 400, { param: 'presence_penalty' });
  });

  it('/v1/messages max_tokens 0 → 400, as Anthropic answers', async () => {
    anthropicError(
      await send({ path: '/v1/messages', body: messages({ max_tokens: 0 }) }),
      400,
      'invalid_request_error',
      /max_tokens/,
    );
  });
});

describe('hostile input: model names', () => {
  it('CR/LF in a model name → 400 naming model', async () => {
    openaiError(await send({ body: chat({ model: 'cheap-model\r\nX-Injected: 1' }) }), 400, {
      param: 'model',
      message: /control characters/,
    });
  });

  it('other control characters (NUL) → 400', async () => {
    anthropicError(
      await send({ path: '/v1/messages', body: messages({ model: 'cheap\u0000model' }) }),
      400,
      'invalid_request_error',
      /model: must not contain control characters/,
    );
  });

  it('path traversal in a model name → 400 naming model', async () => {
    openaiError(await send({ body: chat({ model: 'up-a/../../admin/config' }) }), 400, {
      param: 'model',
      message: /"\.\." path segments/,
    });
  });

  it('a model name over 256 characters → 400', async () => {
    openaiError(await send({ body: chat({ model: 'm'.repeat(300) }) }), 400, {
      param: 'model',
      message: /at most 256/,
    });
  });

  it('instance/model for a model the instance does not list → 404, as the bare name', async () => {
    openaiError(await send({ body: chat({ model: 'up-a/expensive-model' }) }), 404, {
      code: 'model_not_found',
      param: 'model',
    });
    openaiError(await send({ body: chat({ model: 'expensive-model' }) }), 404, { code: 'model_not_found' });
  });

  it("a key's allow-list reached around through an alias → 403", async () => {
    openaiError(
      await send({ headers: { authorization: `Bearer ${NARROW_KEY}` }, body: chat({ model: 'cheap-alias' }) }),
      403,
      { type: 'permission_error', code: 'model_not_allowed', param: 'model' },
    );
  });
});

describe('hostile input: keys and protocols', () => {
  it('a key in the query string → 401, even beside a valid header', async () => {
    openaiError(await send({ path: `/v1/chat/completions?key=${KEY}`, body: chat() }), 401, { code: 'key_in_query' });
  });

  it('a missing or unknown key → 401 in the caller protocol', async () => {
    openaiError(await send({ headers: { authorization: '' }, body: chat() }), 401, {
      type: 'authentication_error',
      code: 'missing_api_key',
    });
    anthropicError(
      await send({ path: '/v1/messages', headers: { authorization: '', 'x-api-key': 'sk-nope' }, body: messages() }),
      401,
      'authentication_error',
    );
  });

  it('an unknown anthropic-version → 400, as Anthropic answers', async () => {
    anthropicError(
      await send({ path: '/v1/messages', headers: { 'anthropic-version': '1999-01-01' }, body: messages() }),
      400,
      'invalid_request_error',
      /anthropic-version/,
    );
  });

  it('the wrong protocol on the wrong endpoint → 400 in the endpoint protocol', async () => {
    // An OpenAI body on the Messages endpoint has no max_tokens.
    anthropicError(await send({ path: '/v1/messages', body: chat() }), 400, 'invalid_request_error', /max_tokens/);
    // A chat body on the embeddings endpoint has no input.
    openaiError(await send({ path: '/v1/embeddings', body: chat() }), 400, { param: 'input' });
  });

  it('the wrong method or an unknown path → 405 / 404', async () => {
    openaiError(await send({ method: 'GET', path: '/v1/chat/completions' }), 405, { code: 'method_not_allowed' });
    openaiError(await send({ method: 'GET', path: '/v1/../admin/config' }), 404);
  });
});

describe('hostile input: browsers', () => {
  it('a foreign Host (DNS rebinding) → 421, /admin/* included', async () => {
    openaiError(await send({ headers: { host: 'evil.example' }, body: chat() }), 421, { code: 'host_not_allowed' });
    openaiError(await send({ method: 'GET', path: '/admin/config', headers: { host: 'evil.example:8080' } }), 421, {
      code: 'host_not_allowed',
    });
  });

  it('a foreign Origin → 403, /admin/* included', async () => {
    openaiError(await send({ headers: { origin: 'https://evil.example' }, body: chat() }), 403, {
      type: 'permission_error',
      code: 'origin_not_allowed',
    });
    openaiError(
      await send({
        path: '/admin/reload',
        headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
        body: '{}',
      }),
      403,
      { code: 'origin_not_allowed' },
    );
  });

  it('a text/plain body (a CSRF "simple request") → 415', async () => {
    openaiError(await send({ headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: chat() }), 415, {
      code: 'unsupported_media_type',
    });
    anthropicError(
      await send({ path: '/v1/messages', headers: { 'content-type': 'text/plain' }, body: messages() }),
      415,
      'invalid_request_error',
    );
  });

  it('a form body → 415', async () => {
    openaiError(await send({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: chat() }), 415, {
      code: 'unsupported_media_type',
    });
  });
});

describe('hostile input: the connection', () => {
  it('oversized headers → 431 (Node)', async () => {
    expect(await raw(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 431 /,
    );
  });

  it('Content-Length with Transfer-Encoding (request smuggling) → 400 (Node)', async () => {
    const body = chat();
    expect(
      await raw(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      ),
    ).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('a body cut short (the client leaves) → no answer, no upstream call', async () => {
    const answer = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":"cheap-model"`,
    );
    expect(answer === '' || /^HTTP\/1\.1 400 /.test(answer), answer).toBe(true);
  });

  it('a body sent at a trickle → 408 once server.requestTimeoutMs passes', async () => {
    const body = chat();
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    expect(await raw(head + body, 25)).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('hostile timing: upstream rate limits', () => {
  it('after an upstream 429, while its target cools down → 429 with Retry-After, without calling it', async () => {
    upB.queueFault({
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '30', 'x-ratelimit-remaining-requests': '0' },
    });
    const first = await send({ body: chat({ model: 'limited-model' }) });
    expect(first.status).toBe(429);
    expect(upB.requests).toHaveLength(1);
    upB.reset();
    const cooling = await send({ body: chat({ model: 'limited-model' }) });
    openaiError(cooling, 429, { type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(Number(cooling.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(cooling.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect(cooling.headers['x-ratelimit-remaining-requests']).toBe('0');
  });
});
