import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plugin } from '@switchyard/core';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import type { GatedUpstream } from '../support/gated-upstream.js';
import { HUNG_MS, until } from '../support/wait.js';
import { sendHttp, sendRaw } from '../support/raw-http.js';
import { startHangingUpstream } from '../support/hanging-upstream.js';
import type { HangingUpstream } from '../support/hanging-upstream.js';
import type { HttpAnswer } from '../support/raw-http.js';

/**
 * Attacks on Switchyard's rules — keys, model lists, budgets and limits, hosts — each asserting
 * that the rule holds: the refusal in the caller's protocol, and no upstream called.
 */
const FULL = 'sk-gw-bypass-full-0123456789abcdef';
const NARROW = 'sk-gw-bypass-narrow-0123456789abcdef';
const ONLY_A = 'sk-gw-bypass-only-a-0123456789abcdef';
const ADMIN = 'sk-gw-bypass-admin-0123456789abcdef';
const OFF = 'sk-gw-bypass-off-0123456789abcdef';
const OLD = 'sk-gw-bypass-old-0123456789abcdef';

let upA: MockOpenAI;
let upB: MockOpenAI;
let ant: MockAnthropic;
let gw: RunningGateway;
let port: number;

beforeAll(async () => {
  upA = await startMockOpenAI({ name: 'up-a' });
  upB = await startMockOpenAI({ name: 'up-b' });
  ant = await startMockAnthropic({ name: 'ant' });
  gw = await startGateway({
    plugins: {
      'circuit-breaker': false,
      auth: {
        keys: [
          { name: 'full', key: FULL },
          { name: 'narrow', key: NARROW, models: ['cheap-*'] },
          { name: 'only-a', key: ONLY_A, providers: ['up-a'] },
          { name: 'ops', key: ADMIN, admin: true, models: [] },
          { name: 'off', key: OFF, enabled: false },
          { name: 'old', key: OLD, expiresAt: '2020-01-01T00:00:00Z' },
        ],
      },
    },
    providers: [
      mockProvider('up-a', upA.baseUrl, { models: ['cheap-model', 'expensive-model', 'text-embedding-3-small'] }),
      mockProvider('up-b', upB.baseUrl, { models: ['cheap-model', 'expensive-model'], priority: 2 }),
      // An instance whose name the narrow key's glob matches, serving a model it does not.
      mockProvider('cheap-pool', upB.baseUrl, { models: ['expensive-model'], priority: 3 }),
      {
        name: 'ant',
        type: 'anthropic',
        baseUrl: ant.baseUrl,
        apiKey: 'ant-upstream-secret-0123456789',
        models: ['claude-sonnet-4-5'],
      },
    ],
    models: [
      { name: 'cheap-alias', targets: ['up-a/expensive-model'] },
      { name: 'cheap-claude', targets: ['ant/claude-sonnet-4-5'] },
    ],
  });
  port = Number(new URL(gw.url).port);
});

afterAll(async () => {
  await gw.close();
  await upA.close();
  await upB.close();
  await ant.close();
});

afterEach(() => {
  upA.reset();
  upB.reset();
  ant.reset();
});

/** What the upstreams were sent (model listing probes aside). */
const upstreamCalls = (): string[] =>
  [...upA.requests, ...upB.requests, ...ant.requests]
    .filter((r) => r.method === 'POST')
    .map((r) => `${r.path} ${String(r.body?.model)}`);

interface Sent {
  method?: string;
  path?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  /** The gateway key sent as Bearer; null: no Authorization header. */
  key?: string | null;
}

function send({
  method = 'POST',
  path = '/v1/chat/completions',
  headers = {},
  body,
  key = FULL,
}: Sent): Promise<HttpAnswer> {
  const all: Record<string, string | string[]> = {
    host: `127.0.0.1:${port}`,
    'content-type': 'application/json',
    ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    ...headers,
  };
  return sendHttp(port, { method, path, headers: all, body });
}

const raw = (bytes: string): Promise<string> => sendRaw(port, bytes);

const chat = (model: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
const messages = (model: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...extra });
const responses = (model: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model, input: 'hi', ...extra });
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

function openaiError(res: HttpAnswer, status: number, expected: { type?: string; code?: string; param?: string } = {}) {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.json)).toEqual(['error']);
  expect(res.json.error).toMatchObject(expected);
}

function anthropicError(res: HttpAnswer, status: number, type: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.json).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
}

const refusedModel = { type: 'permission_error', code: 'model_not_allowed', param: 'model' };

describe('model lists: every way to name a model the key may not use', () => {
  it('case variants of a model name are not the model: refused, never resolved to it', async () => {
    for (const model of ['EXPENSIVE-MODEL', 'Expensive-Model', 'CHEAP-ALIAS']) {
      const res = await send({ key: NARROW, body: chat(model) });
      expect([403, 404], `${model}: ${res.text}`).toContain(res.status);
    }
    // A variant the key's glob matches is looked up as written: not found, not served as expensive-model.
    openaiError(await send({ key: NARROW, body: chat('cheap-ALIAS') }), 404, { code: 'model_not_found' });
    expect(upstreamCalls()).toEqual([]);
  });

  it('whitespace around or inside a model name does not reach another model', async () => {
    for (const model of [
      ' expensive-model',
      'expensive-model ',
      'cheap-model expensive-model',
      '\u00a0expensive-model',
    ]) {
      const res = await send({ key: NARROW, body: chat(model) });
      expect([400, 403, 404], `${JSON.stringify(model)}: ${res.text}`).toContain(res.status);
    }
    expect(upstreamCalls()).toEqual([]);
  });

  it('unicode lookalikes of an allowed prefix match nothing', async () => {
    // Cyrillic "с" and "е", a fullwidth hyphen, a zero-width space: none is `cheap-`.
    for (const model of ['\u0441heap-model', 'ch\u0435ap-model', 'cheap\uff0dmodel', 'cheap-\u200bmodel']) {
      const res = await send({ key: NARROW, body: chat(model) });
      expect([403, 404], `${JSON.stringify(model)}: ${res.text}`).toContain(res.status);
    }
    expect(upstreamCalls()).toEqual([]);
  });

  it('an instance whose name the key glob matches does not grant the models it serves', async () => {
    // `cheap-*` matches the string "cheap-pool/expensive-model", but the model sent would be expensive-model.
    openaiError(await send({ key: NARROW, body: chat('cheap-pool/expensive-model') }), 403, refusedModel);
    expect(upstreamCalls()).toEqual([]);
  });

  it('the same model through another inbound protocol: Anthropic Messages and Responses refuse it too', async () => {
    anthropicError(
      await send({ path: '/v1/messages', key: NARROW, headers: ANTHROPIC, body: messages('cheap-alias') }),
      403,
      'permission_error',
    );
    anthropicError(
      await send({
        path: '/v1/messages',
        key: null,
        headers: { ...ANTHROPIC, 'x-api-key': NARROW },
        body: messages('up-a/expensive-model'),
      }),
      403,
      'permission_error',
    );
    openaiError(await send({ path: '/v1/responses', key: NARROW, body: responses('cheap-alias') }), 403, refusedModel);
    openaiError(
      await send({ path: '/v1/responses', key: NARROW, body: responses('expensive-model', { stream: true }) }),
      403,
      refusedModel,
    );
    expect(upstreamCalls()).toEqual([]);
  });

  it('embeddings obey the model list', async () => {
    openaiError(
      await send({
        path: '/v1/embeddings',
        key: NARROW,
        body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }),
      }),
      403,
      refusedModel,
    );
    expect(upstreamCalls()).toEqual([]);
  });

  it('count_tokens obeys the model list, for a model counted upstream and one estimated', async () => {
    const count = (model: string) =>
      send({
        path: '/v1/messages/count_tokens',
        key: NARROW,
        headers: ANTHROPIC,
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    anthropicError(await count('claude-sonnet-4-5'), 403, 'permission_error');
    anthropicError(await count('expensive-model'), 403, 'permission_error');
    expect(upstreamCalls()).toEqual([]);
  });

  it('a duplicate "model" key in the JSON body is read once, the same way for the check and the upstream', async () => {
    const body = '{"model":"cheap-model","model":"expensive-model","messages":[{"role":"user","content":"hi"}]}';
    const res = await send({ key: NARROW, body });
    openaiError(res, 403, refusedModel);
    const reversed = '{"model":"expensive-model","model":"cheap-model","messages":[{"role":"user","content":"hi"}]}';
    const ok = await send({ key: NARROW, body: reversed });
    expect(ok.status, ok.text).toBe(200);
    expect(upstreamCalls()).toEqual(['/v1/chat/completions cheap-model']);
  });

  it('a model in the body `switchyard` object, or in headers, does not replace the checked model', async () => {
    const res = await send({
      key: NARROW,
      headers: { 'x-switchyard-model': 'expensive-model', 'x-switchyard-target': 'up-a/expensive-model' },
      body: chat('cheap-model'),
    });
    expect(res.status, res.text).toBe(200);
    expect(upstreamCalls()).toEqual(['/v1/chat/completions cheap-model']);
    upA.reset();
    const inBody = await send({ key: NARROW, body: chat('cheap-model', { switchyard: { model: 'expensive-model' } }) });
    openaiError(inBody, 400, { param: 'switchyard.model' });
    expect(upstreamCalls()).toEqual([]);
  });

  it('previous_response_id does not carry a model the key may not use, nor does leaving the model out', async () => {
    const first = await send({ path: '/v1/responses', key: NARROW, body: responses('cheap-model') });
    expect(first.status, first.text).toBe(200);
    upA.reset();
    upB.reset();
    openaiError(
      await send({
        path: '/v1/responses',
        key: NARROW,
        body: responses('expensive-model', { previous_response_id: first.json.id }),
      }),
      403,
      refusedModel,
    );
    const noModel = await send({
      path: '/v1/responses',
      key: NARROW,
      body: JSON.stringify({ input: 'again', previous_response_id: first.json.id }),
    });
    openaiError(noModel, 400, { param: 'model' });
    expect(upstreamCalls()).toEqual([]);
  });
});

describe('keys: presenting two, in odd places, or one the key table does not hold', () => {
  it('two auth headers that disagree: Authorization decides, a bad one is not rescued by a good x-api-key', async () => {
    openaiError(
      await send({ key: NARROW, headers: { 'x-api-key': FULL }, body: chat('expensive-model') }),
      403,
      refusedModel,
    );
    openaiError(await send({ key: 'sk-unknown', headers: { 'x-api-key': FULL }, body: chat('cheap-model') }), 401, {
      code: 'invalid_api_key',
    });
    anthropicError(
      await send({
        path: '/v1/messages',
        key: OFF,
        headers: { ...ANTHROPIC, 'x-api-key': FULL },
        body: messages('cheap-model'),
      }),
      401,
      'authentication_error',
    );
    expect(upstreamCalls()).toEqual([]);
  });

  it("two Authorization headers: the first is read, a second cannot lift the first key's model list", async () => {
    const body = chat('expensive-model');
    const answer = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${NARROW}\r\nAuthorization: Bearer ${FULL}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toContain('model_not_allowed');
    expect(upstreamCalls()).toEqual([]);
  });

  it('two x-api-key headers are not a key', async () => {
    const body = messages('cheap-model');
    const answer = await raw(
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${FULL}\r\nx-api-key: ${NARROW}\r\nanthropic-version: 2023-06-01\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toContain('"authentication_error"');
    expect(upstreamCalls()).toEqual([]);
  });

  it('disabled and expired keys are refused on the hook-less /v1 routes too (models listing, kept responses)', async () => {
    for (const key of [OFF, OLD]) {
      openaiError(await send({ method: 'GET', path: '/v1/models', key }), 401, { type: 'authentication_error' });
      openaiError(await send({ method: 'GET', path: '/v1/responses/resp_0123', key }), 401, {
        type: 'authentication_error',
      });
      openaiError(await send({ method: 'DELETE', path: '/v1/responses/resp_0123', key }), 401, {
        type: 'authentication_error',
      });
    }
    openaiError(await send({ method: 'GET', path: '/v1/models', key: null }), 401, { code: 'missing_api_key' });
  });

  it('a key in the query string is refused on the hook-less /v1 routes, and is not an admin key on /admin/*', async () => {
    openaiError(await send({ method: 'GET', path: `/v1/models?api_key=${FULL}`, key: null }), 401, {
      code: 'key_in_query',
    });
    openaiError(await send({ method: 'GET', path: `/v1/models?Token=${FULL}` }), 401, { code: 'key_in_query' });
    const admin = await send({ method: 'GET', path: `/admin/config?key=${ADMIN}`, key: null });
    openaiError(admin, 401, { code: 'invalid_admin_key' });
    expect(admin.text).not.toContain(ADMIN);
  });

  it('an admin key is not a caller key beyond its model list: `models: []` reaches no model', async () => {
    openaiError(await send({ key: ADMIN, body: chat('cheap-model') }), 403, refusedModel);
    anthropicError(
      await send({ path: '/v1/messages', key: ADMIN, headers: ANTHROPIC, body: messages('claude-sonnet-4-5') }),
      403,
      'permission_error',
    );
    expect(upstreamCalls()).toEqual([]);
  });

  it('every admin route: 401 without a key, 403 for a caller key, whatever the method', async () => {
    const admin = gw.gateway.routes.list().filter((r) => r.path.startsWith('/admin/'));
    expect(admin.length).toBeGreaterThan(10);
    for (const route of admin) {
      const path = route.path.replace(/:[a-z]+/g, 'up-a');
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
      const none = await send({ method: route.method, path, key: null, body });
      expect(none.status, `${route.method} ${path} without a key: ${none.text}`).toBe(401);
      const caller = await send({ method: route.method, path, key: FULL, body });
      expect(caller.status, `${route.method} ${path} with a caller key: ${caller.text}`).toBe(403);
      expect(caller.json.error.code).toBe('admin_forbidden');
    }
    expect(gw.gateway.reloads.ok).toBe(0);
  });
});

describe('routing headers and body constraints only narrow what a key may use', () => {
  it("excluding the key's only provider leaves nothing: no other provider is tried", async () => {
    const byHeader = await send({
      key: ONLY_A,
      headers: { 'x-switchyard-exclude-providers': 'up-a' },
      body: chat('expensive-model'),
    });
    expect([400, 503], byHeader.text).toContain(byHeader.status);
    expect(byHeader.json.error.message).toMatch(/up-a|provider/);
    const byBody = await send({
      key: ONLY_A,
      body: chat('expensive-model', {
        switchyard: { excludeProviders: ['up-a'], strategy: 'cost', preferLocal: true },
      }),
    });
    expect([400, 503], byBody.text).toContain(byBody.status);
    expect(upstreamCalls()).toEqual([]);
  });

  it('a failing allowed provider is not failed over to a provider the key may not use', async () => {
    upA.queueFault({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const res = await send({ key: ONLY_A, body: chat('expensive-model') });
    openaiError(res, 502);
    expect(upB.requests).toEqual([]);
    expect(upA.requests.length).toBeGreaterThanOrEqual(1);
  });

  it('instance/model naming a provider the key may not use is refused, not routed', async () => {
    for (const model of ['up-b/expensive-model', 'cheap-pool/expensive-model', 'ant/claude-sonnet-4-5']) {
      const res = await send({ key: ONLY_A, body: chat(model) });
      expect([403, 503], `${model}: ${res.text}`).toContain(res.status);
    }
    expect(upstreamCalls()).toEqual([]);
  });

  it('a tag constraint cannot add targets, and response headers sent as request headers are ignored', async () => {
    const res = await send({
      key: NARROW,
      headers: {
        'x-switchyard-tags': 'expensive',
        'x-switchyard-strategy': 'cost',
        'x-switchyard-attempts': '9',
        'x-switchyard-cost': '0',
      },
      body: chat('cheap-alias'),
    });
    expect([400, 403], res.text).toContain(res.status);
    expect(upstreamCalls()).toEqual([]);
  });

  it('a bad constraint value is a 400 naming it, in the caller protocol, before any upstream', async () => {
    anthropicError(
      await send({
        path: '/v1/messages',
        headers: { ...ANTHROPIC, 'x-switchyard-exclude-providers': 'up-a,../b' },
        body: messages('cheap-model'),
      }),
      400,
      'invalid_request_error',
    );
    openaiError(await send({ headers: { 'x-switchyard-max-cost': '-1' }, body: chat('cheap-model') }), 400, {
      code: 'invalid_routing_constraint',
    });
    expect(upstreamCalls()).toEqual([]);
  });
});

describe('path tricks: no other spelling of a route skips its guard', () => {
  it('variants of the routed paths are not routed, and call no upstream, with or without a key', async () => {
    for (const path of [
      '//v1/chat/completions',
      '/v1//chat/completions',
      '/v1/chat/completions/',
      '/V1/chat/completions',
      '/v1/chat%2Fcompletions',
      '/v1/./chat/completions',
      '/v1/chat/completions;x',
      '/v1/chat/completions%00',
      '/v1/messages/',
    ]) {
      for (const key of [null, NARROW]) {
        const res = await send({ path, key, body: chat('expensive-model') });
        expect([401, 403, 404, 405], `${path} ${String(key)}: ${res.text}`).toContain(res.status);
      }
    }
    expect(upstreamCalls()).toEqual([]);
  });

  it('variants of admin paths are still admin routes, or no route', async () => {
    for (const path of [
      '/ADMIN/config',
      '/Admin/Config',
      '/admin/config/',
      '//admin/config',
      '/admin//config',
      '/%61dmin/config',
      '/admin%2Fconfig',
      '/v1/../admin/config',
      '/admin/config?format=json',
      '/admin/config#x',
    ]) {
      for (const key of [null, FULL]) {
        const res = await send({ method: 'GET', path, key });
        expect([401, 403, 404], `${path} ${String(key)}: ${res.text}`).toContain(res.status);
        expect(res.text).not.toContain('providers');
      }
    }
  });

  it('HEAD, OPTIONS and method-override headers reach neither an upstream nor admin data', async () => {
    expect((await send({ method: 'HEAD', path: '/admin/config', key: null })).status).toBe(401);
    expect((await send({ method: 'HEAD', path: '/v1/models', key: null })).status).toBe(401);
    const options = await send({ method: 'OPTIONS', path: '/v1/chat/completions', key: null });
    expect(options.headers['access-control-allow-origin']).toBeUndefined();
    for (const header of ['x-http-method-override', 'x-method-override', 'x-http-method']) {
      const res = await send({ method: 'GET', path: '/v1/chat/completions', headers: { [header]: 'POST' } });
      openaiError(res, 405, { code: 'method_not_allowed' });
      const reload = await send({ method: 'GET', path: '/admin/reload', key: FULL, headers: { [header]: 'POST' } });
      expect([403, 405], reload.text).toContain(reload.status);
    }
    expect(gw.gateway.reloads.ok).toBe(0);
    expect(upstreamCalls()).toEqual([]);
  });

  it('a model in the query string does not replace the body model', async () => {
    const res = await send({
      path: '/v1/chat/completions?model=expensive-model',
      key: NARROW,
      body: chat('cheap-model'),
    });
    expect(res.status, res.text).toBe(200);
    expect(upstreamCalls()).toEqual(['/v1/chat/completions cheap-model']);
  });

  it('no route takes a model in its path: /v1/models/{id} and /v1/engines/{id}/chat/completions are not routes', async () => {
    for (const path of [
      '/v1/models/expensive-model',
      '/v1/engines/expensive-model/chat/completions',
      '/v1/models/up-a%2Fexpensive-model',
    ]) {
      const res = await send({
        method: path.includes('engines') ? 'POST' : 'GET',
        path,
        key: NARROW,
        body: path.includes('engines') ? chat('cheap-model') : undefined,
      });
      expect([404, 405], `${path}: ${res.text}`).toContain(res.status);
    }
    expect(upstreamCalls()).toEqual([]);
  });
});

describe('hosts: DNS rebinding and browser pages against a loopback gateway', () => {
  it('Host spellings that are not the gateway are refused with 421', async () => {
    for (const host of [
      '0.0.0.0',
      `0.0.0.0:${port}`,
      '127.0.0.1.nip.io',
      'localhost.evil.example',
      'evil.example.',
      '[::ffff:7f00:1]',
      '[::2]',
      'localhost..',
    ]) {
      const res = await send({ headers: { host }, body: chat('cheap-model') });
      openaiError(res, 421, { code: 'host_not_allowed' });
    }
    // No Host at all (HTTP/1.0), or an empty one.
    const body = chat('cheap-model');
    for (const head of ['HTTP/1.0\r\n', 'HTTP/1.1\r\nHost: \r\n']) {
      const answer = await raw(
        `POST /v1/chat/completions ${head}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 421 /);
    }
    expect(upstreamCalls()).toEqual([]);
  });

  it('X-Forwarded-Host and Forwarded do not make a foreign Host the gateway', async () => {
    for (const headers of [
      { host: 'evil.example', 'x-forwarded-host': `127.0.0.1:${port}` },
      { host: 'evil.example', forwarded: `host=127.0.0.1:${port}` },
      { host: 'evil.example', 'x-original-host': 'localhost', 'x-host': 'localhost' },
    ]) {
      openaiError(await send({ headers, body: chat('cheap-model') }), 421, { code: 'host_not_allowed' });
      openaiError(await send({ method: 'GET', path: '/admin/config', key: ADMIN, headers }), 421, {
        code: 'host_not_allowed',
      });
    }
    expect(upstreamCalls()).toEqual([]);
  });

  it('an absolute-form request line naming the gateway does not excuse a foreign Host', async () => {
    const body = chat('cheap-model');
    const answer = await raw(
      `POST http://127.0.0.1:${port}/v1/chat/completions HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${FULL}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 421 /);
    const admin = await raw(
      `GET http://localhost/admin/config HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${ADMIN}\r\nConnection: close\r\n\r\n`,
    );
    expect(admin).toMatch(/^HTTP\/1\.1 421 /);
    expect(upstreamCalls()).toEqual([]);
  });

  it('Origins that only look like the gateway are refused with 403', async () => {
    for (const origin of [
      'http://localhost.evil.example',
      `http://127.0.0.1:${port}.evil.example`,
      `http://localhost:${port}@evil.example`,
      'file://',
      'chrome-extension://abcdef',
      `http://localhost:${port}, https://evil.example`,
      'https://evil.example/http://localhost',
    ]) {
      const res = await send({ headers: { origin }, body: chat('cheap-model') });
      openaiError(res, 403, { code: 'origin_not_allowed' });
    }
    expect(upstreamCalls()).toEqual([]);
  });
});

/** Tells when a request is over (every other onFinish tap done: its budget settled), by its x-request-id. */
function requestsOver(): { plugin: Plugin; over(res: Response): Promise<void> } {
  const done = new Set<string>();
  const waiting = new Map<string, () => void>();
  const plugin: Plugin = {
    name: 'test-requests-over',
    apply(gateway) {
      gateway.hooks.onFinish.tap({ name: 'test-requests-over', stage: 1000 }, (x) => {
        done.add(x.id);
        waiting.get(x.id)?.();
      });
    },
  };
  return {
    plugin,
    over(res) {
      const id = res.headers.get('x-request-id')!;
      if (done.has(id)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`request ${id} never finished (hung)`)), HUNG_MS);
        waiting.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

describe('budgets and rate limits: bursts, cut streams, n, max_tokens', () => {
  /** Output at $10 per 1M tokens, input free; the model's output limit is 4000 tokens ($0.04). */
  const CATALOG = {
    m: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
    h: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
  };
  const key = (name: string): string => `sk-gw-bypass-${name}-0123456789abcdef`;
  const budgeted = (name: string, usd: number) => ({ name, key: key(name), budget: { usd, period: 'day' } });
  let gated: GatedUpstream;
  let hanging: HangingUpstream;
  let bgw: RunningGateway;
  const finished = requestsOver();
  /** The bodies the gated upstream answered. */
  const sent: Array<Record<string, any>> = [];

  beforeAll(async () => {
    gated = await startGatedUpstream(
      (body) => {
        sent.push(body);
        return { prompt_tokens: 10, completion_tokens: 500 };
      },
      { open: true },
    );
    hanging = await startHangingUpstream();
    bgw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          auth: {
            keys: [
              budgeted('n', 0.02),
              budgeted('huge', 0.05),
              budgeted('default-max', 0.03),
              budgeted('protocols', 0.005),
              budgeted('usage', 1),
              budgeted('cut', 1),
              { name: 'conc', key: key('conc'), limits: { concurrent: 2 } },
              { name: 'tpm', key: key('tpm'), limits: { tokensPerMinute: 2500 } },
              { name: 'rpm', key: key('rpm'), limits: { requestsPerMinute: 2 } },
              { name: 'ops', key: ADMIN, admin: true },
            ],
          },
          budgets: { enabled: true },
          'rate-limit': { defaults: { requestsPerMinute: 10_000 } },
        },
        catalog: CATALOG,
        providers: [
          mockProvider('u', gated.baseUrl, { models: ['m'] }),
          mockProvider('hang', hanging.baseUrl, { models: ['h'] }),
        ],
        models: [{ name: 'h-alias', targets: ['hang/h'] }],
      },
      { plugins: [finished.plugin] },
    );
  });

  afterAll(async () => {
    await gated.stop();
    await hanging.close();
    await bgw.close();
  });

  const call = (name: string, path: string, body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${bgw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key(name)}`, ...ANTHROPIC },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const chatBody = (extra: Record<string, unknown> = {}) => ({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  });
  async function budgetOf(name: string): Promise<{ spentUsd: number; reservedUsd: number }> {
    const res = await fetch(`${bgw.url}/admin/budgets`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = await res.json();
    return body.budgets.find((b: { scope: string }) => b.scope === `key:${name}`) ?? { spentUsd: 0, reservedUsd: 0 };
  }

  it('n > 1 multiplies the reservation: n choices that do not fit are refused before any upstream', async () => {
    const before = gated.received;
    const res = await call('n', '/v1/chat/completions', chatBody({ max_tokens: 1000, n: 3 }));
    expect(res.status).toBe(402);
    expect((await res.json()).error).toMatchObject({ code: 'budget_exceeded', type: 'insufficient_quota' });
    expect(gated.received).toBe(before);
    const one = await call('n', '/v1/chat/completions', chatBody({ max_tokens: 1000 }));
    expect(one.status).toBe(200);
    await one.text();
    await finished.over(one);
  });

  it('a huge max_tokens is reserved and sent at the model limit, never past it; none at all reserves the limit', async () => {
    // Held at 4000 tokens ($0.04, within $0.05), not at the $10 a million would cost.
    const res = await call('huge', '/v1/chat/completions', chatBody({ max_tokens: 1_000_000 }));
    expect(res.status).toBe(200);
    await res.text();
    await finished.over(res);
    expect(sent.at(-1)!.max_tokens).toBe(4000);
    expect(res.headers.get('x-switchyard-warnings')).toMatch(/max_tokens/);
    expect(await budgetOf('huge')).toMatchObject({ spentUsd: expect.closeTo(0.005, 12), reservedUsd: 0 });
    // No max_tokens: the model's 4000 ($0.04) is held, more than this key's $0.03.
    const before = gated.received;
    const unbounded = await call('default-max', '/v1/chat/completions', chatBody());
    expect(unbounded.status).toBe(402);
    expect(gated.received).toBe(before);
    const messagesHuge = await call('default-max', '/v1/messages', { ...chatBody(), max_tokens: 900_000 });
    expect(messagesHuge.status).toBe(402);
    expect(await messagesHuge.json()).toMatchObject({ type: 'error', error: { type: 'billing_error' } });
    expect(gated.received).toBe(before);
  });

  it('the budget holds on every inbound protocol, in its own error shape', async () => {
    const before = gated.received;
    const responses = await call('protocols', '/v1/responses', { model: 'm', input: 'hi', max_output_tokens: 1000 });
    expect(responses.status).toBe(402);
    expect((await responses.json()).error).toMatchObject({ code: 'budget_exceeded' });
    const anthropic = await call('protocols', '/v1/messages', { ...chatBody(), max_tokens: 1000 });
    expect(anthropic.status).toBe(402);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'billing_error' } });
    const stream = await call('protocols', '/v1/chat/completions', chatBody({ max_tokens: 1000, stream: true }));
    expect(stream.status).toBe(402);
    expect(gated.received).toBe(before);
  });

  it('stream_options.include_usage: false does not make a stream free: the upstream is asked for usage and it is priced', async () => {
    const res = await call(
      'usage',
      '/v1/chat/completions',
      chatBody({ max_tokens: 1000, stream: true, stream_options: { include_usage: false } }),
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('"usage"');
    await finished.over(res);
    // 500 output tokens at $10 per 1M.
    expect(await budgetOf('usage')).toMatchObject({ spentUsd: expect.closeTo(0.005, 12), reservedUsd: 0 });
  });

  it('a stream the caller cuts after its first event is charged its reservation, not nothing', async () => {
    const aborted = hanging.aborted;
    const controller = new AbortController();
    const res = await call(
      'cut',
      '/v1/chat/completions',
      { model: 'h-alias', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2000, stream: true },
      controller.signal,
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('partial');
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await finished.over(res);
    await until(() => hanging.aborted > aborted, { what: 'the upstream stream closed after the caller left' });
    // No usage came: the attempt is charged its worst case, 2000 output tokens at $10 per 1M.
    expect(await budgetOf('cut')).toMatchObject({ spentUsd: expect.closeTo(0.02, 12), reservedUsd: 0 });
  });

  // 'tpm': each request reserves its prompt estimate plus 1000 tokens: two fit in 2500, a third does not.
  it.each([
    ['a concurrency limit lets exactly the limit through', 'conc', 10],
    ['tokensPerMinute admits only the reservations that fit', 'tpm', 1000],
  ])('a burst against %s', async (_, key, maxTokens) => {
    gated.close();
    const before = gated.received;
    const statuses: number[] = [];
    const all = Array.from({ length: 10 }, () =>
      call(key, '/v1/chat/completions', chatBody({ max_tokens: maxTokens })).then(async (r) => {
        statuses.push(r.status);
        await r.text();
        await finished.over(r);
      }),
    );
    await until(() => statuses.length === 8 && gated.received - before === 2, {
      what: '8 refusals and 2 requests held upstream',
    });
    expect(statuses).toEqual(Array(8).fill(429));
    gated.open();
    await Promise.all(all);
  });

  it('a per-key request limit is one counter across protocols: switching protocol does not reset it', async () => {
    const first = await call('rpm', '/v1/chat/completions', chatBody({ max_tokens: 10 }));
    expect(first.status).toBe(200);
    await first.text();
    const second = await call('rpm', '/v1/responses', { model: 'm', input: 'hi', max_output_tokens: 16 });
    expect(second.status).toBe(200);
    await second.text();
    const before = gated.received;
    const third = await call('rpm', '/v1/messages', { ...chatBody(), max_tokens: 10 });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    const fourth = await call('rpm', '/v1/messages/count_tokens', {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(fourth.status).toBe(429);
    expect(gated.received).toBe(before);
  });
});

describe('keys across replicas and reloads', () => {
  it('a run-time key made on one replica (memory store) is refused by another, and a deleted one at once', async () => {
    const up = await startMockOpenAI({ name: 'rt' });
    const config = {
      plugins: { auth: { runtimeKeys: true, keys: [{ name: 'ops', key: ADMIN, admin: true }] } },
      providers: [mockProvider('rt', up.baseUrl, { models: ['cheap-model'] })],
    };
    const one = await startGateway(config);
    const two = await startGateway(config);
    try {
      const created = await fetch(`${one.url}/admin/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ name: 'made-on-one' }),
      });
      expect(created.status).toBe(201);
      const { key } = await created.json();
      const ask = (gateway: RunningGateway) =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: chat('cheap-model'),
        });
      expect((await ask(one)).status).toBe(200);
      const elsewhere = await ask(two);
      expect(elsewhere.status).toBe(401);
      expect((await elsewhere.json()).error.code).toBe('invalid_api_key');
      const removed = await fetch(`${one.url}/admin/keys/made-on-one`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(removed.status).toBe(200);
      const after = await ask(one);
      expect(after.status).toBe(401);
      expect(up.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    } finally {
      await one.close();
      await two.close();
      await up.close();
    }
  });

  it('a run-time key cannot make itself an admin or take a config key name through a caller request', async () => {
    const up = await startMockOpenAI({ name: 'rt2' });
    const gateway = await startGateway({
      plugins: {
        auth: {
          runtimeKeys: true,
          keys: [
            { name: 'ops', key: ADMIN, admin: true },
            { name: 'caller', key: FULL },
          ],
        },
      },
      providers: [mockProvider('rt2', up.baseUrl, { models: ['cheap-model'] })],
    });
    try {
      const write = (method: string, path: string, body: unknown) =>
        fetch(`${gateway.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${FULL}` },
          body: JSON.stringify(body),
        });
      const create = await write('POST', '/admin/keys', { name: 'mine', admin: true });
      expect(create.status).toBe(403);
      const patch = await write('PATCH', '/admin/keys/caller', { admin: true, models: ['*'] });
      expect(patch.status).toBe(403);
      const listed = await fetch(`${gateway.url}/admin/keys`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const names = (await listed.json()).keys.map((k: { name: string }) => k.name);
      expect(names.sort()).toEqual(['caller', 'ops']);
    } finally {
      await gateway.close();
      await up.close();
    }
  });
});
