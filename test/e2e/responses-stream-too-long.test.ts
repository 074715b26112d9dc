/**
 * A Responses API upstream refuses a prompt over the model's window inside its stream (an `error`
 * event with code context_length_exceeded after response.created, as the real API does). A caller of
 * another protocol, whose stream the gateway converts, gets its own protocol's too-long error: Chat
 * callers code context_length_exceeded, Messages callers invalid_request_error "prompt is too long: …".
 * It is the caller's error: no failover, no breaker opens.
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

async function stream(path: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  return await res.text();
}

/** The data of the stream's last event carrying an `error`. */
function lastError(text: string): any {
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.includes('"error"'))
    .at(-1);
  expect(data, text).toBeDefined();
  return JSON.parse(data!.slice('data: '.length));
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
  it('reaches a Chat caller as code context_length_exceeded, and opens no breaker', async () => {
    const refused = await stream('/v1/chat/completions', chat(long));
    expect(lastError(refused).error).toMatchObject({
      code: 'context_length_exceeded',
      type: 'invalid_request_error',
      message: expect.stringMatching(/exceeds the context window/),
    });
    const served = await stream('/v1/chat/completions', chat('hi'));
    expect(served).toContain('[DONE]');
    expect(posted(upstream)).toHaveLength(2);
    expect(standby.requests).toHaveLength(0);
  });

  it('reaches a Messages caller as invalid_request_error "prompt is too long: …"', async () => {
    const refused = await stream('/v1/messages', messages('small-model', long));
    expect(refused).toMatch(/^event: error$/m);
    expect(lastError(refused)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/^prompt is too long: /) },
    });
    const served = await stream('/v1/messages', messages('small-model', 'hi'));
    expect(served).toContain('event: message_stop');
    expect(standby.requests).toHaveLength(0);
  });

  it('reaches a Messages caller whose web search an OpenAI instance runs over the Responses API', async () => {
    const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 1 };
    const refused = await stream(
      '/v1/messages',
      messages('searching', `Perform a web search for the query: ${long}`, { tools: [webSearch] }),
    );
    expect(posted(searching)).toHaveLength(1);
    expect(lastError(refused).error).toEqual({
      type: 'invalid_request_error',
      message: expect.stringMatching(/^prompt is too long: /),
    });
  });
});
