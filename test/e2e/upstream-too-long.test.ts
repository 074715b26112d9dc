/**
 * An upstream's own refusal of a prompt over its window (OpenAI's context_length_exceeded, Gemini's
 * token-count INVALID_ARGUMENT, Anthropic's "prompt is too long") reaches the caller as its own
 * protocol's "too long" error, ends the request (no failover to the next target: the prompt is the
 * caller's) and opens no breaker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startMockGemini } from '../support/mock-gemini.js';
import type { MockGemini } from '../support/mock-gemini.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

const long = 'x'.repeat(4000); // ~1000 tokens, over each mock's 500
let openai: MockOpenAI;
let spare: MockOpenAI;
let gemini: MockGemini;
let anthropic: MockAnthropic;
let gw: RunningGateway;

beforeAll(async () => {
  openai = await startMockOpenAI({ models: ['small'], contextWindows: { small: 500 } });
  spare = await startMockOpenAI({ models: ['small'] });
  gemini = await startMockGemini({ contextWindows: { 'gemini-2.5-flash': 500 } });
  anthropic = await startMockAnthropic({ contextWindows: { 'claude-sonnet-4-5': 500 } });
  gw = await startGateway({
    providers: [
      mockProvider('oa', openai.baseUrl, { models: ['small'] }),
      mockProvider('spare', spare.baseUrl, { models: ['small'], priority: 5 }),
      { name: 'ge', type: 'gemini', baseUrl: gemini.origin, apiKey: 'fake-gemini-key', models: ['gemini-2.5-flash'] },
      {
        name: 'an',
        type: 'anthropic',
        baseUrl: anthropic.baseUrl,
        apiKey: 'fake-anthropic-key',
        models: ['claude-sonnet-4-5'],
      },
    ],
    models: [
      { name: 'claude-opus-5-5', targets: ['oa/small', 'spare/small'] },
      { name: 'via-gemini', targets: ['ge/gemini-2.5-flash'] },
      { name: 'via-anthropic', targets: ['an/claude-sonnet-4-5'] },
    ],
    plugins: { 'circuit-breaker': { failureThreshold: 1 } },
  });
});
afterAll(async () => {
  await gw.close();
  await Promise.all([openai.close(), spare.close(), gemini.close(), anthropic.close()]);
});

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const messages = (model: string) => ({
  model,
  max_tokens: 50,
  messages: [{ role: 'user', content: long }],
});

describe("an upstream's prompt-too-long refusal", () => {
  it('reaches an Anthropic caller as "prompt is too long: N tokens > M maximum", without failover', async () => {
    const a = await post('/v1/messages', messages('claude-opus-5-5'));
    expect(a.status).toBe(400);
    expect(a.json.error).toEqual({
      type: 'invalid_request_error',
      message: expect.stringMatching(/^prompt is too long: \d+ tokens > 500 maximum$/),
    });
    const g = await post('/v1/messages', messages('via-gemini'));
    expect(g.status).toBe(400);
    expect(g.json.error.message).toMatch(/^prompt is too long: \d+ tokens > 500 maximum$/);
    expect(spare.requests).toHaveLength(0);
  });

  it('reaches an OpenAI Chat caller as code context_length_exceeded', async () => {
    for (const model of ['via-gemini', 'via-anthropic']) {
      const r = await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: long }] });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'context_length_exceeded', type: 'invalid_request_error' });
    }
  });

  it('opens no breaker: a short prompt to the same target is served next', async () => {
    await post('/v1/messages', messages('claude-opus-5-5'));
    const short = await post('/v1/messages', {
      ...messages('claude-opus-5-5'),
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(short.status).toBe(200);
    expect(openai.requests.at(-1)?.body).toMatchObject({ messages: [{ role: 'user', content: 'hi' }] });
    expect(spare.requests).toHaveLength(0);
  });
});

describe("an OpenAI Responses upstream's too-long error event in a stream", () => {
  let responses: MockOpenAI;
  let standby: MockOpenAI;
  let gateway: RunningGateway;
  beforeAll(async () => {
    responses = await startMockOpenAI({ models: ['small'], contextWindows: { small: 500 } });
    standby = await startMockOpenAI({ models: ['small'] });
    gateway = await startGateway({
      providers: [
        mockProvider('oa', responses.baseUrl, { models: ['small'], responsesApi: true }),
        mockProvider('standby', standby.baseUrl, { models: ['small'], priority: 5 }),
      ],
      models: [{ name: 'gpt-5.5', targets: ['oa/small', 'standby/small'] }],
      plugins: { 'circuit-breaker': { failureThreshold: 1 } },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([responses.close(), standby.close()]);
  });

  const stream = (input: string) =>
    fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.5', stream: true, input }),
    }).then((r) => r.text());

  it("reaches the caller with its code and counts as the caller's error: no breaker opens", async () => {
    const refused = await stream(long);
    expect(refused).toMatch(/"code":"context_length_exceeded"/);
    const served = await stream('hi');
    expect(served).toMatch(/response\.completed/);
    expect(responses.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(standby.requests).toHaveLength(0);
  });
});
