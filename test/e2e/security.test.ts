import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { rateLimit } from '@switchyard/plugin-rate-limit';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';

/** Bad input gets a clear error and nothing else; no key ever shows up in a response or a log line. */
const KEY = 'sk-gw-security-0123456789abcdef';
const UPSTREAM_KEY = 'sk-upstream-secret-up-0123456789';
let upstream: MockOpenAI;
let gw: RunningGateway;
const log = memoryLogger();
const seen: string[] = [];

beforeAll(async () => {
  // An OpenAI-compatible server, which takes fields it does not know: hostile keys must reach it harmless.
  upstream = await startMockOpenAI({ name: 'up', apiKey: UPSTREAM_KEY, strictChat: false });
  gw = await startGateway(
    { server: { bodyLimit: '4mb' }, providers: [mockProvider('up', upstream.baseUrl, { models: ['gpt-4o-mini'] })] },
    {
      logger: log.logger,
      plugins: [
        withOptions(auth(), { keys: [{ name: 'sec', key: KEY }] }),
        withOptions(rateLimit(), { defaults: { requestsPerMinute: 10_000, tokensPerMinute: 100_000_000 } }),
      ],
    },
  );
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
});

async function send(
  body: string,
  headers: Record<string, string> = { authorization: `Bearer ${KEY}` },
  path = '/v1/chat/completions',
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers]));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const chat = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra });

/** Writes raw bytes on a socket and returns whatever comes back before the server closes it. */
function raw(request: string | Buffer): Promise<string> {
  const { port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let out = '';
    socket.on('data', (c) => (out += c));
    socket.on('error', reject);
    socket.on('close', () => {
      seen.push(out);
      resolve(out);
    });
    socket.end(request);
  });
}

describe('security: bad input gets a clear error, nothing else', () => {
  it('refuses missing, empty and garbage bearer values with 401', async () => {
    const values: Array<Record<string, string>> = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: 'Bearer garbage' },
      { authorization: 'Basic c2VjOnNlYw==' },
      { authorization: KEY },
      { authorization: `Bearer ${'x'.repeat(8000)}` },
      { authorization: `Bearer ${KEY} ${KEY}` },
      { authorization: 'Bearer \u00ff\u00fe' },
      { 'x-api-key': '' },
      { 'x-api-key': 'null' },
    ];
    for (const headers of values) {
      const res = await send(chat(), headers);
      expect(res.status, JSON.stringify(headers).slice(0, 60)).toBe(401);
      expect(res.json.error.type).toBe('authentication_error');
      expect(res.json.error.message).toMatch(/gateway key/);
    }
  });

  it('treats keys as exact: other case, extra characters or inner whitespace are refused; the scheme is case-insensitive', async () => {
    for (const key of [KEY.toUpperCase(), `${KEY}x`, KEY.slice(1), KEY.replace('-', ' -'), `"${KEY}"`]) {
      expect((await send(chat(), { authorization: `Bearer ${key}` })).status, key).toBe(401);
      expect((await send(chat(), { 'x-api-key': key })).status, key).toBe(401);
    }
    expect((await send(chat(), { authorization: `bearer ${KEY}` })).status).toBe(200);
    expect((await send(chat(), { authorization: `BEARER ${KEY}` })).status).toBe(200);
    // HTTP strips a header's surrounding whitespace, so these are the key itself.
    expect((await send(chat(), { 'x-api-key': `  ${KEY}\t` })).status).toBe(200);
  });

  it('rejects a key in the query string, whatever the parameter case', async () => {
    for (const query of [`key=${KEY}`, `api_key=${KEY}`, `API_KEY=${KEY}`, `access_token=${KEY}`]) {
      const res = await send(chat(), {}, `/v1/chat/completions?${query}`);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('key_in_query');
      expect(res.text).not.toContain(KEY);
    }
  });

  it('answers oversized headers with 431 and keeps serving', async () => {
    const answer = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    expect((await send(chat())).status).toBe(200);
  });

  it('answers non-JSON, truncated and non-object bodies with 400 naming the problem', async () => {
    for (const body of [
      'not json',
      '{"model":"gpt-4o-mini","messages":[{"role":"us',
      '',
      '[]',
      '"text"',
      'null',
      '{"a":1}{"b":2}',
    ]) {
      const res = await send(body);
      expect(res.status, body).toBe(400);
      expect(res.json.error.type).toBe('invalid_request_error');
    }
    const cut = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{"model":"gpt-4o-mini"`,
    );
    expect(cut === '' || /^HTTP\/1\.1 400/.test(cut)).toBe(true);
    expect((await send(chat())).status).toBe(200);
  });

  it('does not let __proto__ or constructor keys pollute prototypes', async () => {
    const body = `{"model":"gpt-4o-mini","__proto__":{"polluted":"yes","max_tokens":"x"},"constructor":{"prototype":{"polluted":"yes"}},"messages":[{"role":"user","content":"hi","__proto__":{"role":"system","polluted":"yes"}}]}`;
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toBe('up: hi');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const sent = upstream.requests.at(-1)!;
    expect(JSON.parse(sent.rawBody).messages[0].role).toBe('user');
    const refused = await send(`{"__proto__":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}}`);
    expect(refused.status).toBe(400);
  });

  it('handles huge messages arrays: within the body limit and the context window served, over the window 400, beyond the limit 413', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ role: 'user', content: `m${i}` }));
    const ok = await send(chat({ messages: many }));
    expect(ok.status).toBe(200);
    // ~200k estimated input tokens: more than gpt-4o-mini's known 128k window, refused before any upstream call.
    const tooLong = Array.from({ length: 50_000 }, (_, i) => ({ role: 'user', content: `m${i}` }));
    const over = await send(chat({ messages: tooLong }));
    expect(over.status).toBe(400);
    expect(over.json.error.code).toBe('context_length_exceeded');
    const tooMany = Array.from({ length: 200_000 }, () => ({ role: 'user', content: 'x'.repeat(20) }));
    const big = await send(chat({ messages: tooMany }));
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('request_too_large');
  });

  it('refuses deeply nested bodies with 400 (they would overflow the stack upstream) and serves reasonable nesting', async () => {
    const deep = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    for (const body of [
      `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"extra":${deep(5_000)}}`,
      `{"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"text","text":"hi","extra":${deep(100_000)}}]}]}`,
      `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi","x":${objects(5_000)}}]}`,
    ]) {
      const res = await send(body);
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/nests deeper than \d+ levels/);
    }
    expect(
      (await send(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"extra":${deep(60)}}`)).status,
    ).toBe(200);
    const bracketsInText = await send(chat({ messages: [{ role: 'user', content: `${'[{'.repeat(5_000)}\\"` }] }));
    expect(bracketsInText.status).toBe(200);
  });

  it('answers wrong types everywhere with 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: 123 }, 'model'],
      [{ model: '' }, 'model'],
      [{ messages: 'hello' }, 'messages'],
      [{ messages: [] }, 'messages'],
      [{ messages: [1] }, 'messages'],
      [{ messages: [{ role: 5, content: 'x' }] }, 'role'],
      [{ messages: [{ role: 'user', content: 42 }] }, 'content'],
      [{ stream: 'yes' }, 'stream'],
      [{ max_tokens: '10' }, 'max_tokens'],
      [{ max_tokens: -1 }, 'max_tokens'],
      [{ temperature: 'hot' }, 'temperature'],
      [{ tools: {} }, 'tools'],
      [{ tools: [{ type: 'function', function: { name: 7 } }] }, 'tools'],
    ];
    for (const [extra, field] of cases) {
      const res = await send(chat(extra));
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(`${res.json.error.param} ${res.json.error.message}`, JSON.stringify(extra)).toContain(field);
    }
    const noModel = await send(JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }));
    expect(noModel.status).toBe(400);
    expect(noModel.json.error.param).toBe('model');
  });

  it('never puts a gateway or provider key in a response or a log line', () => {
    expect(seen.length).toBeGreaterThan(50);
    expect(log.lines.length).toBeGreaterThan(10);
    const everything = [...seen, ...log.lines.map((l) => JSON.stringify(l))].join('\n');
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(UPSTREAM_KEY);
    expect(everything).not.toContain('sk-upstream-secret');
  });
});
