/**
 * A Responses API upstream refuses a prompt over the model's window inside its stream (an `error`
 * event with code context_length_exceeded after response.created and response.in_progress, as the
 * real API does). A caller of another protocol, whose stream the gateway converts, gets its own
 * protocol's plain HTTP too-long error, since nothing with content came before it and the stream
 * was not committed: Chat callers 400 code context_length_exceeded, Messages callers 400
 * invalid_request_error "prompt is too long: …" (which clients act on, e.g. by compacting).
 * It is the caller's error: no failover, no breaker opens. A server error in the same place
 * fails over to the next target, and the caller sees that target's stream alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerPlugin } from '@switchyard/wire-provider';
import { chatToResponses, decodeResponsesStream, fromResponseObject } from '@switchyard/wire-openai-responses';
import type { ResponseObject } from '@switchyard/wire-openai-responses';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

const long = 'x'.repeat(4000); // ~1000 tokens, over the mock's 500

/** A provider plugin speaking only the Responses API, as one built on wire/openai-responses would. */
const responsesOnly = providerPlugin({
  name: 'provider-responses-only',
  type: 'responses-only',
  adapter: {
    protocol: 'openai-responses',
    decodeResponse: (body) => fromResponseObject(body as ResponseObject),
    decodeStream: (events) => decodeResponsesStream(events),
  },
  build(req, x) {
    req.url = `${x.target!.instance.baseUrl}/responses`;
    req.headers = { 'content-type': 'application/json', authorization: `Bearer ${x.target!.instance.apiKey}` };
    req.body = chatToResponses(x.request!, x.target!.model, (m) => x.warn(m));
    return req;
  },
});

let upstream: MockOpenAI;
let standby: MockOpenAI;
let searching: MockOpenAI;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI({ models: ['small'], contextWindows: { small: 500 } });
  standby = await startMockOpenAI({ models: ['small'] });
  searching = await startMockOpenAI({ models: ['gpt-4o-mini'], contextWindows: { 'gpt-4o-mini': 500 } });
  gw = await startGateway(
    {
      providers: [
        {
          name: 'ro',
          type: 'responses-only',
          baseUrl: upstream.baseUrl,
          apiKey: 'fake-upstream-key',
          models: ['small'],
        },
        mockProvider('standby', standby.baseUrl, { models: ['small'], priority: 5 }),
        mockProvider('search', searching.baseUrl, { models: ['gpt-4o-mini'], responsesApi: true }),
      ],
      models: [
        { name: 'small-model', targets: ['ro/small', 'standby/small'] },
        { name: 'searching', targets: ['search/gpt-4o-mini'] },
      ],
      plugins: { 'circuit-breaker': { failureThreshold: 1 } },
    },
    { plugins: [responsesOnly] },
  );
});
afterAll(async () => {
  await gw.close();
  await Promise.all([upstream.close(), standby.close(), searching.close()]);
});

async function post(path: string, body: Record<string, unknown>, url = gw.url): Promise<Response> {
  return await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...body, stream: true }),
  });
}

async function stream(path: string, body: Record<string, unknown>, url = gw.url): Promise<string> {
  const res = await post(path, body, url);
  expect(res.status).toBe(200);
  return await res.text();
}

/** A refusal: its status and JSON body (not a stream). */
async function refusal(path: string, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await post(path, body);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: await res.json() };
}

const chat = (content: string) => ({ model: 'small-model', messages: [{ role: 'user', content }] });
const messages = (model: string, content: string, extra: Record<string, unknown> = {}) => ({
  model,
  max_tokens: 50,
  messages: [{ role: 'user', content }],
  ...extra,
});
const posted = (mock: MockOpenAI) => mock.requests.filter((r) => r.path === '/v1/responses');

describe("a Responses upstream's too-long error event, converted for another protocol's caller", () => {
  it('reaches a Chat caller as a plain 400 code context_length_exceeded, and opens no breaker', async () => {
    const refused = await refusal('/v1/chat/completions', chat(long));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'context_length_exceeded',
      type: 'invalid_request_error',
      message: expect.stringMatching(/exceeds the context window/),
    });
    const served = await stream('/v1/chat/completions', chat('hi'));
    expect(served).toContain('[DONE]');
    expect(posted(upstream)).toHaveLength(2);
    expect(standby.requests).toHaveLength(0);
  });

  it('reaches a Messages caller as a plain 400 invalid_request_error "prompt is too long: …"', async () => {
    const refused = await refusal('/v1/messages', messages('small-model', long));
    expect(refused).toEqual({
      status: 400,
      body: {
        type: 'error',
        error: { type: 'invalid_request_error', message: expect.stringMatching(/^prompt is too long: /) },
      },
    });
    const served = await stream('/v1/messages', messages('small-model', 'hi'));
    expect(served).toContain('event: message_stop');
    expect(standby.requests).toHaveLength(0);
  });

  it('reaches a Messages caller whose web search an OpenAI instance runs over the Responses API', async () => {
    const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 1 };
    const refused = await refusal(
      '/v1/messages',
      messages('searching', `Perform a web search for the query: ${long}`, { tools: [webSearch] }),
    );
    expect(posted(searching)).toHaveLength(1);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({
      type: 'invalid_request_error',
      message: expect.stringMatching(/^prompt is too long: /),
    });
  });
});

describe('a Responses upstream failing right after response.created, for a caller of another protocol', () => {
  let failing: MockOpenAI;
  let healthy: MockOpenAI;
  let failover: RunningGateway;

  beforeAll(async () => {
    failing = await startMockOpenAI({ models: ['small'] });
    healthy = await startMockOpenAI({ models: ['small'] });
    failover = await startGateway(
      {
        providers: [
          {
            name: 'ro',
            type: 'responses-only',
            baseUrl: failing.baseUrl,
            apiKey: 'fake-upstream-key',
            models: ['small'],
          },
          mockProvider('standby', healthy.baseUrl, { models: ['small'], priority: 5 }),
        ],
        models: [{ name: 'small-model', targets: ['ro/small', 'standby/small'] }],
        plugins: { 'circuit-breaker': false },
      },
      { plugins: [responsesOnly] },
    );
  });
  afterAll(async () => {
    await failover.close();
    await Promise.all([failing.close(), healthy.close()]);
  });

  /** The data lines of an SSE text, parsed ([DONE] left out). */
  const dataOf = (text: string): any[] =>
    text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
      .map((line) => JSON.parse(line.slice('data: '.length)));

  it('fails a Chat caller over to the next target on response.failed: one clean stream', async () => {
    failing.queueFault({ kind: 'streamError', afterChunks: 1, event: 'response.failed' });
    const text = await stream('/v1/chat/completions', chat('hi'), failover.url);
    expect(posted(failing)).toHaveLength(1);
    expect(healthy.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    const chunks = dataOf(text);
    expect(chunks.some((c) => c.error)).toBe(false);
    expect(chunks.filter((c) => c.choices?.[0]?.delta?.role)).toHaveLength(1);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('')).not.toBe('');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('fails a Messages caller over to the next target on an error event: one clean stream', async () => {
    failing.queueFault({ kind: 'streamError', afterChunks: 1, event: 'error' });
    const text = await stream('/v1/messages', messages('small-model', 'hi'), failover.url);
    expect(posted(failing)).toHaveLength(2);
    expect(healthy.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
    expect(text).not.toMatch(/^event: error$/m);
    expect(text.match(/^event: message_start$/gm)).toHaveLength(1);
    expect(text.match(/^event: message_stop$/gm)).toHaveLength(1);
    expect(text).toMatch(/"type":"text_delta"/);
  });
});
