/**
 * protocol-responses through a real gateway (standard preset) over the strict mocks: kept
 * responses (scoped by gateway key, store: false, size cap, Redis across replicas), fields a
 * target cannot honour, item references, broken streams, failover, the response cache, output
 * limits, reasoning effort, errors and metrics for Responses traffic.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../../support/mock-anthropic.js';
import { startMockGemini, type MockGemini } from '../../support/mock-gemini.js';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.js';
import { startGateway, type RunningGateway } from '../../support/gateway.js';
import { parseSamples, total } from '../../support/prometheus.js';
import { dropTestKeys, startTcpProxy, testPrefix, type TcpProxy } from '../../support/tcp-proxy.js';
import { signThinking } from '../../support/mock-anthropic-thinking.js';
import { sealReasoning } from '@switchyard/wire-openai-responses';

const A = 'sk-gateway-key-a-0123456789';
const B = 'sk-gateway-key-b-0123456789';
const UP = 'sk-upstream-0123456789';

let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gemini: MockGemini;

const providers = (): Array<Record<string, unknown>> => [
  {
    name: 'oa',
    type: 'openai',
    baseUrl: openai.baseUrl,
    apiKey: UP,
    responsesApi: true,
    models: ['gpt-4o-mini', 'gpt-5.5'],
  },
  { name: 'an', type: 'anthropic', baseUrl: anthropic.origin, apiKey: UP, models: ['claude-sonnet-4-5'] },
  { name: 'ge', type: 'gemini', baseUrl: gemini.origin, apiKey: UP, models: ['gemini-2.5-flash'] },
];
const ADMIN = 'sk-gateway-admin-0123456789';
const auth = {
  keys: [
    // May name the vector store of the file_search probe below (an object of the shared upstream account).
    { name: 'a', key: A, accountObjects: ['vs_test'] },
    { name: 'b', key: B },
    { name: 'admin', key: ADMIN, admin: true },
  ],
};

beforeAll(async () => {
  openai = await startMockOpenAI({ name: 'openai', apiKey: UP });
  anthropic = await startMockAnthropic({ name: 'anthropic', apiKey: UP });
  gemini = await startMockGemini({ name: 'gemini', apiKey: UP });
});
afterEach(() => {
  openai.reset();
  anthropic.reset();
  gemini.reset();
});
afterAll(async () => {
  await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
});

interface Answer {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

async function post(gw: RunningGateway, body: unknown, key = A, path = '/v1/responses'): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
}

async function call(gw: RunningGateway, method: 'GET' | 'DELETE', path: string, key = A): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}

/** A stream's events, parsed (`event:` name checked against `type`). */
function events(text: string): Array<Record<string, any>> {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const lines = frame.split('\n');
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6));
      expect(lines[0]).toBe(`event: ${data.type}`);
      return data;
    });
}

describe('kept responses', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      providers: providers(),
      models: [{ name: 'claude', targets: ['an/claude-sonnet-4-5'] }],
      plugins: { auth },
    });
  });
  afterAll(() => gw.close());

  it('belong to the key that made them: another key can neither read, continue nor delete one', async () => {
    const first = await post(gw, { model: 'claude', input: 'My name is Ada.' });
    expect(first.status).toBe(200);
    const id = first.json.id as string;
    expect(id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect((await call(gw, 'GET', `/v1/responses/${id}`)).json).toEqual(first.json);
    const other = await call(gw, 'GET', `/v1/responses/${id}`, B);
    expect(other.status).toBe(404);
    expect(other.json.error).toMatchObject({
      message: `Response with id '${id}' not found.`,
      type: 'invalid_request_error',
    });
    const continued = await post(gw, { model: 'claude', input: 'Who am I?', previous_response_id: id }, B);
    expect(continued.status).toBe(400);
    expect(continued.json.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
    expect((await call(gw, 'DELETE', `/v1/responses/${id}`, B)).status).toBe(404);
    expect(anthropic.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const deleted = await call(gw, 'DELETE', `/v1/responses/${id}`);
    expect(deleted.json).toEqual({ id, object: 'response.deleted', deleted: true });
    expect((await call(gw, 'GET', `/v1/responses/${id}`)).status).toBe(404);
  });

  it('lists a kept response’s input items, newest first by default', async () => {
    const first = await post(gw, { model: 'claude', input: 'one' });
    const second = await post(gw, { model: 'claude', input: 'two', previous_response_id: first.json.id });
    const list = await call(gw, 'GET', `/v1/responses/${second.json.id}/input_items?order=asc`);
    expect(list.json.object).toBe('list');
    expect(list.json.data.map((i: any) => i.role ?? i.type)).toEqual(['user', 'assistant', 'user']);
    expect(list.json.has_more).toBe(false);
    const desc = await call(gw, 'GET', `/v1/responses/${second.json.id}/input_items?limit=1`);
    expect(desc.json.data).toHaveLength(1);
    expect(desc.json.data[0].content).toBe('two');
    expect(desc.json.has_more).toBe(true);
  });

  it('are not kept with store: false (as Codex sends), and a follow-up then says so', async () => {
    const first = await post(gw, { model: 'claude', input: 'Hi', store: false });
    expect(first.json.store).toBe(false);
    expect((await call(gw, 'GET', `/v1/responses/${first.json.id}`)).status).toBe(404);
    expect(
      (await post(gw, { model: 'claude', input: 'Again', previous_response_id: first.json.id })).json.error.code,
    ).toBe('previous_response_not_found');
  });

  it('resolve item references and bare reasoning items from the caller’s kept output items', async () => {
    const first = await post(gw, { model: 'claude', input: 'Remember the word ZEBRA.' });
    const message = first.json.output.find((i: any) => i.type === 'message');
    const next = await post(gw, {
      model: 'claude',
      input: [
        { role: 'user', content: 'Remember the word ZEBRA.' },
        { type: 'item_reference', id: message.id },
        { role: 'user', content: 'Which word?' },
      ],
    });
    expect(next.status).toBe(200);
    const sent = anthropic.requests.at(-1)!.body;
    expect(sent.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(sent.messages[1])).toContain('anthropic: Remember the word ZEBRA.');
    // Another key's reference is not found: the gateway keeps what the upstream keeps, so it is not passed on.
    const foreign = await post(
      gw,
      {
        model: 'claude',
        input: [
          { type: 'item_reference', id: message.id },
          { role: 'user', content: 'Which word?' },
        ],
      },
      B,
    );
    expect(foreign.status).toBe(400);
    expect(foreign.json.error).toMatchObject({
      message: `Item with id '${message.id}' not found.`,
      code: 'item_not_found',
      param: 'input',
    });
  });
});

describe('options', () => {
  it('store.enabled: false keeps nothing and refuses previous_response_id', async () => {
    const gw = await startGateway({
      providers: providers(),
      plugins: { auth, 'protocol-responses': { store: { enabled: false } } },
    });
    try {
      const first = await post(gw, { model: 'gpt-4o-mini', input: 'Hi' });
      expect(first.status).toBe(200);
      expect((await call(gw, 'GET', `/v1/responses/${first.json.id}`)).json.error.message).toContain(
        'keeps no responses',
      );
      const next = await post(gw, { model: 'gpt-4o-mini', input: 'Again', previous_response_id: first.json.id });
      expect(next.status).toBe(400);
      expect(next.json.error.message).toContain('plugins.protocol-responses.store.enabled is false');
    } finally {
      await gw.close();
    }
  });

  it('store.maxResponseBytes: a larger response is not kept, and the answer says so', async () => {
    const gw = await startGateway({
      providers: providers(),
      plugins: { auth, 'protocol-responses': { store: { maxResponseBytes: 2048 } } },
    });
    try {
      const big = await post(gw, { model: 'gpt-4o-mini', input: 'x'.repeat(4000) });
      expect(big.status).toBe(200);
      expect(big.headers.get('x-switchyard-warnings')).toContain(
        `response ${big.json.id} not kept: larger than plugins.protocol-responses.store.maxResponseBytes`,
      );
      expect((await call(gw, 'GET', `/v1/responses/${big.json.id}`)).status).toBe(404);
      const small = await post(gw, { model: 'gpt-4o-mini', input: 'hi' });
      expect((await call(gw, 'GET', `/v1/responses/${small.json.id}`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('kept responses in Redis, across two replicas', () => {
  const prefix = testPrefix();
  const admin = new Redis('redis://127.0.0.1:6379');
  let a: RunningGateway;
  let b: RunningGateway;
  beforeAll(async () => {
    const config = {
      store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: prefix },
      providers: providers(),
      models: [{ name: 'claude', targets: ['an/claude-sonnet-4-5'] }],
      plugins: { auth, 'protocol-responses': { store: { ttlSeconds: 600 } } },
    };
    [a, b] = await Promise.all([startGateway(config), startGateway(config)]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it('a response kept through one replica is continued and read through the other, with the TTL set', async () => {
    const first = await post(a, { model: 'claude', input: 'My name is Ada.', stream: true });
    const created = events(first.text)[0]!.response.id as string;
    const next = await post(b, { model: 'claude', input: 'Who am I?', previous_response_id: created });
    expect(next.status).toBe(200);
    expect(JSON.stringify(anthropic.requests.at(-1)!.body.messages)).toContain('anthropic: My name is Ada.');
    expect((await call(b, 'GET', `/v1/responses/${created}`)).json.id).toBe(created);
    const keys = await admin.keys(`${prefix}responses:r:a:*`);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600_000);
    }
  });
});

describe('kept responses while the store is unreachable', () => {
  const prefix = testPrefix();
  let proxy: TcpProxy;
  let gw: RunningGateway;
  beforeAll(async () => {
    proxy = await startTcpProxy(6379);
    gw = await startGateway({
      store: { type: 'redis', url: proxy.url, keyPrefix: prefix },
      providers: providers(),
      models: [{ name: 'claude', targets: ['an/claude-sonnet-4-5'] }],
      plugins: { auth },
    });
  });
  afterAll(async () => {
    await gw.close();
    await proxy.close();
    await dropTestKeys(prefix);
  });

  it('a follow-up is answered 503 response_store_unavailable (the code its README names) with Retry-After, and nothing reaches the upstream', async () => {
    const first = await post(gw, { model: 'claude', input: 'My name is Ada.' });
    expect(first.status).toBe(200);
    await proxy.cut();
    const sent = anthropic.requests.length;
    const next = await post(gw, { model: 'claude', input: 'Who am I?', previous_response_id: first.json.id });
    expect(next.status).toBe(503);
    expect(next.headers.get('retry-after')).toBe('1');
    expect(next.json.error).toMatchObject({ type: 'service_unavailable', code: 'response_store_unavailable' });
    expect(anthropic.requests.length).toBe(sent);
    for (const [method, path] of [
      ['GET', `/v1/responses/${first.json.id}`],
      ['GET', `/v1/responses/${first.json.id}/input_items`],
      ['DELETE', `/v1/responses/${first.json.id}`],
    ] as const) {
      const read = await call(gw, method, path);
      expect([method, path, read.status, read.json.error?.code]).toEqual([
        method,
        path,
        503,
        'response_store_unavailable',
      ]);
    }
  });

  it('a container a tool names, when its owner cannot be read, is answered 503 with Retry-After, not 500', async () => {
    await proxy.cut();
    const sent = anthropic.requests.length;
    const res = await post(gw, {
      model: 'claude',
      input: 'Run it again.',
      tools: [{ type: 'code_interpreter', container: 'cntr_kept_earlier' }],
    });
    // Was: 500 api_error.
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.json.error).toMatchObject({ type: 'service_unavailable', code: 'owner_store_unavailable' });
    expect(anthropic.requests.length).toBe(sent);
  });
});

describe('what a target cannot honour', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      providers: providers(),
      models: [
        { name: 'claude', targets: ['an/claude-sonnet-4-5'] },
        { name: 'both', targets: ['an/claude-sonnet-4-5', 'oa/gpt-4o-mini'] },
      ],
      plugins: { auth },
    });
  });
  afterAll(() => gw.close());

  const fn = {
    type: 'function',
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  };

  it('drops a hosted tool the model may skip, and says so', async () => {
    // (web_search is not one: Anthropic searches its own way, see test/e2e/responses-web-search.test.ts)
    const fileSearch = { type: 'file_search', vector_store_ids: ['vs_test'] };
    const answer = await post(gw, { model: 'claude', input: 'Hi', tools: [fileSearch, fn] });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-switchyard-warnings')).toContain('file_search tool dropped');
    expect(anthropic.requests[0]!.body.tools.map((t: any) => t.name)).toEqual(['get_weather']);
  });

  it('refuses a hosted tool tool_choice requires with a 400 when no target speaks Responses, and sends it to one that does', async () => {
    const body = { input: 'Search the web', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } };
    const refused = await post(gw, { model: 'claude', ...body });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_by_target' });
    expect(refused.json.error.message).toContain('tool_choice requires the hosted tool web_search');
    expect(anthropic.requests).toHaveLength(0);
    const served = await post(gw, { model: 'both', ...body });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-switchyard-target')).toBe('oa/gpt-4o-mini');
    expect(openai.requests[0]!.body.tools).toEqual([{ type: 'web_search' }]);
    expect(anthropic.requests).toHaveLength(0);
    // Explain shows why the Anthropic target is left out.
    const explained = await post(
      gw,
      { model: 'both', ...body },
      ADMIN,
      '/admin/route/explain?protocol=openai-responses',
    );
    expect(explained.json.targets).toEqual(['oa/gpt-4o-mini']);
    expect(explained.json.exclusions).toEqual([
      expect.objectContaining({
        target: 'an/claude-sonnet-4-5',
        by: 'protocol-responses',
        reason: expect.stringContaining('only an upstream speaking the Responses API'),
      }),
    ]);
  });

  it('refuses what the gateway does not run (background, conversations) and bad fields, in OpenAI’s error shape', async () => {
    const background = await post(gw, { model: 'claude', input: 'x', background: true });
    expect(background.status).toBe(400);
    expect(background.json.error).toMatchObject({ param: 'background', type: 'invalid_request_error' });
    expect((await post(gw, { model: 'claude', input: 'x', max_output_tokens: 5 })).json.error.param).toBe(
      'max_output_tokens',
    );
    expect((await post(gw, { model: 'claude' })).json.error).toMatchObject({
      param: 'input',
      code: 'missing_required_parameter',
    });
    expect((await post(gw, { model: 'claude', input: 'x', reasoning: { effort: 'extreme' } })).status).toBe(400);
    const unknown = await post(gw, { model: 'no-such-model', input: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('model_not_found');
    expect(anthropic.requests).toHaveLength(0);
  });
});

describe('reasoning items', () => {
  let gw: RunningGateway;
  let chat: MockOpenAI;
  beforeAll(async () => {
    chat = await startMockOpenAI({ name: 'chat', apiKey: UP, chatOnly: true });
    gw = await startGateway({
      providers: [
        ...providers(),
        { name: 'ch', type: 'openai', baseUrl: chat.baseUrl, apiKey: UP, models: ['llama-3.1-8b'] },
      ],
      models: ['an/claude-sonnet-4-5', 'oa/gpt-4o-mini', 'ch/llama-3.1-8b', 'ge/gemini-2.5-flash'].map((target) => ({
        name: target.split('/')[0]!,
        targets: [target],
      })),
      plugins: { auth },
    });
  });
  afterAll(async () => {
    await gw.close();
    await chat.close();
  });

  /** A history whose assistant turn carries Claude's signed thinking, sealed as a Responses client gets it. */
  const history = () => [
    { role: 'user', content: 'What is 2+2?' },
    {
      type: 'reasoning',
      id: 'rs_x',
      summary: [],
      encrypted_content: sealReasoning({
        type: 'thinking',
        text: 'Simple sum.',
        signature: signThinking('Simple sum.'),
        source: 'anthropic',
      }),
    },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '4' }] },
    { role: 'user', content: 'And 3+3?' },
  ];

  it('go back to Claude as the very block it signed, and nowhere else', async () => {
    const claude = await post(gw, { model: 'an', input: history() });
    expect(claude.status).toBe(200);
    expect(anthropic.requests[0]!.body.messages[1].content[0]).toEqual({
      type: 'thinking',
      thinking: 'Simple sum.',
      signature: signThinking('Simple sum.'),
    });
    for (const model of ['oa', 'ch', 'ge']) {
      const other = await post(gw, { model, input: history() });
      expect(other.status, other.text).toBe(200);
      expect(other.headers.get('x-switchyard-warnings')).toMatch(/reasoning/);
    }
    expect(JSON.stringify(openai.requests[0]!.body)).not.toContain('swy1_');
    expect(chat.requests[0]!.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('a changed byte in the sealed thinking is refused by Anthropic, as a business error passed back', async () => {
    const tampered = history();
    tampered[1] = {
      ...tampered[1]!,
      encrypted_content: sealReasoning({
        type: 'thinking',
        text: 'Simple sum!',
        signature: signThinking('Simple sum.'),
        source: 'anthropic',
      }),
    };
    const answer = await post(gw, { model: 'an', input: tampered });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain('Invalid `signature` in `thinking` block');
  });
});

describe('streams, failover, caching, limits and reasoning for Responses traffic', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      providers: providers(),
      models: [
        { name: 'claude', targets: ['an/claude-sonnet-4-5'] },
        { name: 'gemini', targets: ['ge/gemini-2.5-flash'] },
        { name: 'fallback', targets: ['oa/gpt-4o-mini', 'an/claude-sonnet-4-5'] },
      ],
      plugins: { auth, 'response-cache': { enabled: true } },
    });
  });
  afterAll(() => gw.close());

  it('a converted stream that breaks ends with response.failed, numbered after the last event', async () => {
    anthropic.queueFault({ kind: 'cut', afterEvents: 5 });
    const answer = await post(gw, { model: 'claude', input: 'Say hello', stream: true });
    const list = events(answer.text);
    expect(list[0]!.type).toBe('response.created');
    const last = list.at(-1)!;
    expect(last).toMatchObject({
      type: 'response.failed',
      response: { id: list[0]!.response.id, status: 'failed', error: { code: 'server_error' } },
    });
    expect(list.map((e) => e.sequence_number)).toEqual(list.map((_, i) => i));
    expect(list.some((e) => e.type === 'response.completed')).toBe(false);
  });

  it('a passed-through stream that breaks ends with response.failed too, after the upstream’s own events', async () => {
    openai.queueFault({ kind: 'cut', afterChunks: 4 });
    const answer = await post(gw, { model: 'oa/gpt-4o-mini', input: 'Say hello', stream: true });
    const list = events(answer.text);
    expect(list.slice(0, 4).map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(list[4]).toMatchObject({
      type: 'response.failed',
      sequence_number: 4,
      response: { id: list[0]!.response.id, status: 'failed' },
    });
  });

  it('fails over from a failing OpenAI upstream to Anthropic before the answer starts', async () => {
    openai.queueFault({ kind: 'status', status: 500 });
    const answer = await post(gw, { model: 'fallback', input: 'Say hello', stream: true });
    expect(answer.headers.get('x-switchyard-attempts')).toBe('2');
    expect(answer.headers.get('x-switchyard-target')).toBe('an/claude-sonnet-4-5');
    const list = events(answer.text);
    expect(list.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
    expect(
      list
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
    ).toBe('anthropic: Say hello');
  });

  it('the response cache replays an answer in the Responses shape, JSON and streamed, without an upstream call', async () => {
    const body = { model: 'claude', input: 'Cache me', temperature: 0 };
    const first = await post(gw, body);
    expect(first.headers.get('x-switchyard-cache')).toBe('miss');
    const again = await post(gw, body);
    expect(again.headers.get('x-switchyard-cache')).toBe('hit');
    expect(again.json).toMatchObject({
      object: 'response',
      status: 'completed',
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'anthropic: Cache me' }] }],
    });
    expect(again.json.id).not.toBe(first.json.id);
    const streamed = await post(gw, { ...body, stream: true });
    expect(streamed.headers.get('x-switchyard-cache')).toBe('hit');
    const list = events(streamed.text);
    expect(list.at(-1)).toMatchObject({ type: 'response.completed', response: { output: [{ type: 'message' }] } });
    expect(anthropic.requests).toHaveLength(1);
    // A replayed answer is kept like any other: it can be continued.
    expect((await call(gw, 'GET', `/v1/responses/${again.json.id}`)).status).toBe(200);
  });

  it('fits max_output_tokens to the target model, passed through or converted', async () => {
    const passed = await post(gw, { model: 'oa/gpt-4o-mini', input: 'Hi', max_output_tokens: 100_000 });
    expect(passed.status).toBe(200);
    expect(openai.requests[0]!.body.max_output_tokens).toBe(16_384);
    expect(passed.headers.get('x-switchyard-warnings')).toContain('max_output_tokens 100000 lowered to 16384');
    const converted = await post(gw, { model: 'claude', input: 'Hi', max_output_tokens: 100_000 });
    expect(converted.status).toBe(200);
    expect(anthropic.requests[0]!.body.max_tokens).toBe(64_000);
  });

  it('turns reasoning.effort into Anthropic thinking and Gemini thinking, and Claude’s thinking into a sealed reasoning item', async () => {
    const claude = await post(gw, {
      model: 'claude',
      input: 'Think',
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    expect(anthropic.requests[0]!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(claude.json.output[0]).toMatchObject({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'Let me think about this.' }],
      encrypted_content: expect.stringMatching(/^swy1_/),
    });
    await post(gw, { model: 'gemini', input: 'Think', reasoning: { effort: 'high' } });
    expect(gemini.requests.at(-1)!.body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 24576 });
  });

  it('places Anthropic prompt-cache breakpoints on converted Responses traffic and counts it under the responses endpoint', async () => {
    await post(gw, { model: 'claude', instructions: 'You are helpful. '.repeat(400), input: 'Hi' });
    expect(JSON.stringify(anthropic.requests[0]!.body)).toContain('"cache_control"');
    const metrics = parseSamples(await (await fetch(`${gw.url}/metrics`)).text());
    expect(total(metrics, 'switchyard_requests_total', { endpoint: 'responses' })).toBeGreaterThan(0);
    expect(total(metrics, 'switchyard_requests_total', { endpoint: 'chat_completions' })).toBe(0);
  });
});
