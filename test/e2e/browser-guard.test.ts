import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';

/**
 * A web page must not drive a gateway: DNS rebinding (a foreign Host), cross-site requests (a
 * foreign Origin) and CSRF "simple" requests (text/plain, form bodies) are refused before any
 * route runs, on /admin/* as on /v1/*.
 */
let up: MockOpenAI;
let gw: RunningGateway;
let port: number;

beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up' });
  gw = await startGateway({
    providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini'] })],
    server: { allowedOrigins: ['https://console.example.com'] },
  });
  port = Number(new URL(gw.url).port);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

interface Answer {
  status: number;
  body: any;
}

/** node:http, so that Host can be anything. */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  to = port,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: to, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode!, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
const messages = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
const JSON_TYPE = { 'content-type': 'application/json' };
const chats = (): number => up.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

describe('Host: DNS rebinding against a loopback gateway', () => {
  it('refuses a foreign Host with 421 in the caller protocol, on /admin/* and /v1/*, and calls no upstream', async () => {
    up.reset();
    const admin = await send('GET', '/admin/config', { host: 'evil.example' });
    expect(admin.status).toBe(421);
    expect(admin.body.error).toMatchObject({ type: 'invalid_request_error', code: 'host_not_allowed' });
    expect(JSON.stringify(admin.body)).not.toContain('providers');
    const openai = await send('POST', '/v1/chat/completions', { host: `evil.example:${port}`, ...JSON_TYPE }, chat);
    expect(openai.status).toBe(421);
    expect(openai.body.error.code).toBe('host_not_allowed');
    const anthropic = await send('POST', '/v1/messages', { host: 'evil.example', ...JSON_TYPE }, messages);
    expect(anthropic.status).toBe(421);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(chats()).toBe(0);
  });

  it('answers the loopback names and the bound address, any port, and health probes whatever their Host', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`, 'localhost.']) {
      expect((await send('POST', '/v1/chat/completions', { host, ...JSON_TYPE }, chat)).status, host).toBe(200);
    }
    expect((await send('GET', '/health', { host: '10.1.2.3:8080' })).status).toBe(200);
    expect((await send('GET', '/ready', { host: '10.1.2.3:8080' })).status).toBe(200);
  });

  it('answers exactly server.allowedHosts when set', async () => {
    const named = await startGateway({
      providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini'] })],
      server: { allowedHosts: ['gw.internal', 'Switchyard.Example.com:443'] },
    });
    try {
      const to = Number(new URL(named.url).port);
      expect((await send('GET', '/v1/models', { host: 'gw.internal:8080' }, undefined, to)).status).toBe(200);
      expect((await send('GET', '/v1/models', { host: 'switchyard.example.com' }, undefined, to)).status).toBe(200);
      expect((await send('GET', '/v1/models', { host: `127.0.0.1:${to}` }, undefined, to)).status).toBe(421);
    } finally {
      await named.close();
    }
  });
});

describe('Origin: requests from web pages', () => {
  it('refuses a foreign Origin with 403 on every route, and changes nothing', async () => {
    up.reset();
    const before = gw.gateway.reloads.ok;
    const reload = await send(
      'POST',
      '/admin/reload',
      { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'content-type': 'text/plain' },
      '{}',
    );
    expect(reload.status).toBe(403);
    expect(reload.body.error).toMatchObject({ type: 'permission_error', code: 'origin_not_allowed' });
    for (const [method, path, body] of [
      ['POST', '/v1/chat/completions', chat],
      ['GET', '/v1/models', undefined],
      ['GET', '/admin/config', undefined],
    ] as const) {
      const res = await send(
        method,
        path,
        { host: `127.0.0.1:${port}`, origin: 'https://evil.example', ...JSON_TYPE },
        body,
      );
      expect(res.status, path).toBe(403);
    }
    expect((await send('GET', '/v1/models', { host: 'localhost', origin: 'null' })).status).toBe(403);
    expect(gw.gateway.reloads.ok).toBe(before);
    expect(chats()).toBe(0);
  });

  it("lets in the gateway's own origins and those in server.allowedOrigins", async () => {
    expect(
      (
        await send(
          'POST',
          '/v1/chat/completions',
          { host: `localhost:${port}`, origin: `http://localhost:${port}`, ...JSON_TYPE },
          chat,
        )
      ).status,
    ).toBe(200);
    expect(
      (await send('GET', '/v1/models', { host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` })).status,
    ).toBe(200);
    expect(
      (await send('GET', '/v1/models', { host: `127.0.0.1:${port}`, origin: 'https://console.example.com' })).status,
    ).toBe(200);
  });
});

describe('content type: JSON endpoints take JSON', () => {
  it('refuses text/plain and form bodies with 415 in the caller protocol, before reading them', async () => {
    up.reset();
    const before = gw.gateway.reloads.ok;
    const host = `127.0.0.1:${port}`;
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await send('POST', '/v1/chat/completions', { host, 'content-type': type }, chat);
      expect(res.status, type).toBe(415);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_media_type' });
    }
    const anthropic = await send('POST', '/v1/messages', { host, 'content-type': 'text/plain' }, messages);
    expect(anthropic.status).toBe(415);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((await send('POST', '/admin/reload', { host, 'content-type': 'text/plain' }, '{}')).status).toBe(415);
    expect(gw.gateway.reloads.ok).toBe(before);
    expect(chats()).toBe(0);
  });

  it('accepts application/json with parameters, +json types, and bodies sent without a content type', async () => {
    const host = `127.0.0.1:${port}`;
    for (const headers of [
      { 'content-type': 'application/json; charset=utf-8' },
      { 'content-type': 'Application/JSON' },
      { 'content-type': 'application/merge-patch+json' },
      {},
    ]) {
      expect(
        (await send('POST', '/v1/chat/completions', { host, ...headers }, chat)).status,
        JSON.stringify(headers),
      ).toBe(200);
    }
  });
});
