import { request as httpRequest, Agent } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '@switchyard/core';
import { tagRouting } from '@switchyard/plugin-tag-routing';
import { strategies } from '@switchyard/plugin-strategies';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { finishedExchanges } from '../support/finishes.js';
import { until } from '../support/wait.js';
import { startHangingUpstream } from '../support/hanging-upstream.js';

/**
 * A second pass at Switchyard's rules — per-caller state (kept responses, the response cache),
 * budgets and limits on every protocol, tag and strategy routing, reloads and the admin surface —
 * each test an attack asserting that the rule holds.
 */
const k = (name: string): string => `sk-gw-bypass2-${name}-0123456789abcdef`;
const ADMIN = k('ops');
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

interface Answer {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

async function post(url: string, key: string | null, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...ANTHROPIC,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answer(res);
}

async function get(url: string, key: string | null, method = 'GET'): Promise<Answer> {
  const res = await fetch(url, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });
  return answer(res);
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  temperature: 0,
  messages: [{ role: 'user', content: 'what is the secret plan?' }],
  ...extra,
});

const posts = (m: MockOpenAI) => m.requests.filter((r) => r.method === 'POST');

describe('the response cache answers a key only with what that key may get', () => {
  let pricey: MockOpenAI;
  let cheap: MockOpenAI;
  let gw: RunningGateway;
  let shared: RunningGateway;
  const config = (
    keys: Array<Record<string, unknown>>,
    cache: Record<string, unknown> = {},
    limits?: Record<string, unknown>,
  ): ConfigInput => ({
    plugins: {
      'circuit-breaker': false,
      'response-cache': { enabled: true, ...cache },
      ...(limits ? { 'rate-limit': limits } : {}),
      auth: { keys: [...keys, { name: 'ops', key: ADMIN, admin: true }] },
    },
    providers: [
      mockProvider('pricey', pricey.baseUrl, { models: ['pricey-model', 'both-model'] }),
      mockProvider('cheap', cheap.baseUrl, { models: ['cheap-model', 'both-model'], priority: 2 }),
    ],
    // An alias a narrow key may name (its glob matches it) whose first target it may not use.
    models: [{ name: 'cheap-mix', targets: ['pricey/pricey-model', 'cheap/cheap-model'] }],
  });
  const baseKeys = [
    { name: 'full', key: k('full') },
    { name: 'other', key: k('other') },
    { name: 'narrow', key: k('narrow'), models: ['cheap-*'] },
    { name: 'cheap-only', key: k('cheap-only'), providers: ['cheap'] },
    { name: 'rpm', key: k('rpm'), limits: { requestsPerMinute: 2 } },
  ];

  beforeAll(async () => {
    pricey = await startMockOpenAI({ name: 'pricey' });
    cheap = await startMockOpenAI({ name: 'cheap' });
    gw = await startGateway(config(baseKeys));
    shared = await startGateway(config(baseKeys, { shared: true }));
  });
  afterAll(async () => {
    await gw.close();
    await shared.close();
    await pricey.close();
    await cheap.close();
  });
  afterEach(() => {
    pricey.reset();
    cheap.reset();
  });

  it("one key's cached answer is not another key's hit", async () => {
    const body = chat('pricey-model', { seed: 1 });
    const first = await post(`${gw.url}/v1/chat/completions`, k('full'), body);
    expect(first.headers.get('x-switchyard-cache')).toBe('miss');
    const again = await post(`${gw.url}/v1/chat/completions`, k('full'), body);
    expect(again.headers.get('x-switchyard-cache')).toBe('hit');
    const other = await post(`${gw.url}/v1/chat/completions`, k('other'), body);
    expect(other.status).toBe(200);
    expect(other.headers.get('x-switchyard-cache')).toBe('miss');
    expect(posts(pricey)).toHaveLength(2);
  });

  it('a shared cache does not serve a model the asking key may not use: refused before the lookup', async () => {
    const body = chat('pricey-model', { seed: 2 });
    expect((await post(`${shared.url}/v1/chat/completions`, k('full'), body)).status).toBe(200);
    const narrow = await post(`${shared.url}/v1/chat/completions`, k('narrow'), body);
    expect(narrow.status).toBe(403);
    expect(narrow.json.error.code).toBe('model_not_allowed');
    const messages = await post(`${shared.url}/v1/messages`, k('narrow'), {
      model: 'pricey-model',
      max_tokens: 16,
      temperature: 0,
      messages: [{ role: 'user', content: 'what is the secret plan?' }],
    });
    expect(messages.status).toBe(403);
    expect(messages.json.error.type).toBe('permission_error');
    expect(posts(pricey)).toHaveLength(1);
  });

  it('a cache hit counts against the per-key request limit', async () => {
    const body = chat('cheap-model', { seed: 3 });
    const statuses: Array<[number, string | null]> = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(`${gw.url}/v1/chat/completions`, k('rpm'), body);
      statuses.push([res.status, res.headers.get('x-switchyard-cache')]);
    }
    expect(statuses.slice(0, 2)).toEqual([
      [200, 'miss'],
      [200, 'hit'],
    ]);
    expect(statuses[2]![0]).toBe(429);
    expect(posts(cheap)).toHaveLength(1);
  });

  it('no-store and bypass leave nothing behind for a later hit', async () => {
    const body = chat('cheap-model', { seed: 4 });
    for (const headers of [{ 'cache-control': 'no-store' }, { 'x-switchyard-cache': 'bypass' }]) {
      const res = await post(`${gw.url}/v1/chat/completions`, k('full'), body, headers);
      expect(res.headers.get('x-switchyard-cache')).toBe('bypass');
    }
    const later = await post(`${gw.url}/v1/chat/completions`, k('full'), body);
    expect(later.headers.get('x-switchyard-cache')).toBe('miss');
    expect(posts(cheap)).toHaveLength(3);
  });

  it('a key narrowed or disabled by a reload gets no cached answer of what it may no longer use', async () => {
    const up = await startMockOpenAI({ name: 'solo' });
    const cfg = (models: string[] | undefined, enabled = true): ConfigInput => ({
      plugins: {
        'circuit-breaker': false,
        'response-cache': { enabled: true },
        auth: { keys: [{ name: 'app', key: k('app'), enabled, ...(models ? { models } : {}) }] },
      },
      providers: [mockProvider('solo', up.baseUrl, { models: ['cheap-model', 'pricey-model'] })],
    });
    const one = await startGateway(cfg(undefined));
    try {
      const body = chat('pricey-model', { seed: 5 });
      expect((await post(`${one.url}/v1/chat/completions`, k('app'), body)).status).toBe(200);
      expect((await post(`${one.url}/v1/chat/completions`, k('app'), body)).headers.get('x-switchyard-cache')).toBe(
        'hit',
      );
      expect((await one.gateway.reload(cfg(['cheap-*']))).ok).toBe(true);
      const narrowed = await post(`${one.url}/v1/chat/completions`, k('app'), body);
      expect(narrowed.status).toBe(403);
      expect(narrowed.json.error.code).toBe('model_not_allowed');
      expect((await one.gateway.reload(cfg(undefined, false))).ok).toBe(true);
      const disabled = await post(`${one.url}/v1/chat/completions`, k('app'), body);
      expect(disabled.status).toBe(401);
      expect(disabled.json.error.code).toBe('key_disabled');
      expect(posts(up)).toHaveLength(1);
    } finally {
      await one.close();
      await up.close();
    }
  });
});

describe('kept Responses belong to the key that made them', () => {
  let up: MockOpenAI;
  let gw: RunningGateway;
  beforeAll(async () => {
    up = await startMockOpenAI({ name: 'resp' });
    gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'alice', key: k('alice') },
            { name: 'bob', key: k('bob') },
            { name: 'ops', key: ADMIN, admin: true },
          ],
        },
      },
      providers: [mockProvider('resp', up.baseUrl, { models: ['gpt-4o'] })],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });
  afterEach(() => up.reset());

  async function aliceResponse(): Promise<any> {
    const res = await post(`${gw.url}/v1/responses`, k('alice'), { model: 'gpt-4o', input: 'alice secret: 4242' });
    expect(res.status, res.text).toBe(200);
    up.reset();
    return res.json;
  }

  it('another key cannot read, list the input of, or delete a kept response; the owner still can', async () => {
    const { id } = await aliceResponse();
    for (const path of [`/v1/responses/${id}`, `/v1/responses/${id}/input_items`]) {
      const bob = await get(`${gw.url}${path}`, k('bob'));
      expect(bob.status, bob.text).toBe(404);
      expect(bob.text).not.toContain('4242');
    }
    // An admin key is a caller like any other here: not the owner.
    expect((await get(`${gw.url}/v1/responses/${id}`, ADMIN)).status).toBe(404);
    expect((await get(`${gw.url}/v1/responses/${id}`, k('bob'), 'DELETE')).status).toBe(404);
    const mine = await get(`${gw.url}/v1/responses/${id}`, k('alice'));
    expect(mine.status).toBe(200);
    expect(mine.json.id).toBe(id);
    expect(up.requests).toEqual([]);
  });

  it('another key cannot continue a kept response by previous_response_id, streamed or not', async () => {
    const { id } = await aliceResponse();
    for (const stream of [false, true]) {
      const res = await post(`${gw.url}/v1/responses`, k('bob'), {
        model: 'gpt-4o',
        input: 'repeat what I said',
        previous_response_id: id,
        stream,
      });
      expect(res.status, res.text).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
    }
    expect(up.requests).toEqual([]);
  });

  it('a kept response id with path tricks is not another scope', async () => {
    const { id } = await aliceResponse();
    for (const path of [
      `/v1/responses/${encodeURIComponent(`../alice/${id}`)}`,
      `/v1/responses/${id}%00`,
      `/v1/responses/${id.toUpperCase()}`,
      `/v1/responses/${encodeURIComponent(`alice:${id}`)}`,
    ]) {
      const res = await get(`${gw.url}${path}`, k('bob'));
      expect([400, 404], `${path}: ${res.text}`).toContain(res.status);
      expect(res.text).not.toContain('4242');
    }
  });
});

describe('budgets and limits on every protocol and shape', () => {
  const CATALOG = {
    m: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
    e: { pricing: { input: 10, output: 0 } },
  };
  const budgeted = (name: string, usd: number) => ({ name, key: k(name), budget: { usd, period: 'day' } });
  let gated: ReturnType<typeof startGatedUpstream> extends Promise<infer G> ? G : never;
  let emb: MockOpenAI;
  let gw: RunningGateway;
  const sent: Array<Record<string, any>> = [];
  const finished = finishedExchanges();

  beforeAll(async () => {
    gated = await startGatedUpstream(
      (body) => {
        sent.push(body);
        return { prompt_tokens: 10, completion_tokens: 500 };
      },
      { open: true },
    );
    emb = await startMockOpenAI({ name: 'emb' });
    gw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          budgets: { enabled: true },
          auth: {
            keys: [
              budgeted('resp-none', 0.03),
              budgeted('resp-huge', 0.05),
              budgeted('both', 0.01),
              budgeted('emb', 0.001),
              budgeted('count', 0.0000001),
              { name: 'tpm', key: k('tpm'), limits: { tokensPerMinute: 2500 } },
              { name: 'ops', key: ADMIN, admin: true },
            ],
          },
        },
        catalog: CATALOG,
        providers: [
          mockProvider('u', gated.baseUrl, { models: ['m'] }),
          mockProvider('emb', emb.baseUrl, { models: ['e'] }),
        ],
      },
      { plugins: [finished.plugin] },
    );
  });
  afterAll(async () => {
    await gw.close();
    await gated.stop();
    await emb.close();
  });

  async function budgetOf(name: string): Promise<{ spentUsd: number; reservedUsd: number }> {
    const res = await get(`${gw.url}/admin/budgets`, ADMIN);
    return (
      res.json.budgets.find((b: { scope: string }) => b.scope === `key:${name}`) ?? { spentUsd: 0, reservedUsd: 0 }
    );
  }

  it('Responses API with no max_output_tokens reserves the model limit: refused when it does not fit', async () => {
    const before = gated.received;
    // 4000 tokens at $10 per 1M = $0.04 > $0.03.
    const res = await post(`${gw.url}/v1/responses`, k('resp-none'), { model: 'm', input: 'hi' });
    expect(res.status, res.text).toBe(402);
    expect(res.json.error).toMatchObject({ code: 'budget_exceeded', type: 'insufficient_quota' });
    const streamed = await post(`${gw.url}/v1/responses`, k('resp-none'), { model: 'm', input: 'hi', stream: true });
    expect(streamed.status).toBe(402);
    expect(gated.received).toBe(before);
  });

  it('Responses API with a huge max_output_tokens is held at the model limit, never sent past it', async () => {
    const res = await post(`${gw.url}/v1/responses`, k('resp-huge'), {
      model: 'm',
      input: 'hi',
      max_output_tokens: 900_000,
    });
    expect(res.status, res.text).toBe(200);
    await finished.next();
    const limit = sent.at(-1)!.max_completion_tokens ?? sent.at(-1)!.max_tokens;
    expect(limit).toBeLessThanOrEqual(4000);
    expect(await budgetOf('resp-huge')).toMatchObject({ spentUsd: expect.closeTo(0.005, 12), reservedUsd: 0 });
  });

  it('max_tokens beside a smaller max_completion_tokens is reserved at the larger (OpenAI instance)', async () => {
    const before = gated.received;
    // 16000 is held at the model's 4000 ($0.04), more than $0.01: refused however small max_completion_tokens is.
    const res = await post(`${gw.url}/v1/chat/completions`, k('both'), {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 10,
      max_tokens: 16000,
    });
    expect([400, 402], res.text).toContain(res.status);
    expect(gated.received).toBe(before);
  });

  it('Anthropic Messages with max_tokens 0 or negative is refused, not an unbounded request', async () => {
    const before = gated.received;
    for (const max_tokens of [0, -1, 1.5, '100000']) {
      const res = await post(`${gw.url}/v1/messages`, k('both'), {
        model: 'm',
        max_tokens,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect([400, 402], `${String(max_tokens)}: ${res.text}`).toContain(res.status);
      expect(res.json.type).toBe('error');
    }
    expect(gated.received).toBe(before);
  });

  it('embeddings: a huge input array is reserved from its size and refused before the upstream', async () => {
    // 200 inputs of 400 characters: about 20,000 tokens at $10 per 1M = $0.2 > $0.001.
    const input = Array.from({ length: 200 }, (_, i) => `${i} ${'word '.repeat(80)}`);
    const res = await post(`${gw.url}/v1/embeddings`, k('emb'), { model: 'e', input });
    expect(res.status, res.text).toBe(402);
    expect(res.json.error.code).toBe('budget_exceeded');
    expect(posts(emb)).toEqual([]);
  });

  it('embeddings as token arrays are reserved too: nested and bare arrays that do not fit are refused', async () => {
    // 2,000 token ids: reserved (from their JSON size) at more than $0.001 either way.
    const tokens = Array.from({ length: 2000 }, (_, i) => i % 10);
    for (const input of [[tokens], tokens]) {
      const res = await post(`${gw.url}/v1/embeddings`, k('emb'), { model: 'e', input });
      expect(res.status, res.text).toBe(402);
      expect(res.json.error.code).toBe('budget_exceeded');
    }
    expect(posts(emb)).toEqual([]);
  });

  it('a Messages stream, or a cacheable chat stream, that the caller cuts after its first event is charged its reservation', async () => {
    const hanging = await startHangingUpstream();
    const finishedCut = finishedExchanges();
    const cut = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          budgets: { enabled: true },
          // The chat case is cacheable (temperature 0): its answer is captured for the cache.
          'response-cache': { enabled: true },
          auth: {
            keys: [budgeted('cut-msg', 1), budgeted('cut-chat', 1), { name: 'ops', key: ADMIN, admin: true }],
          },
        },
        catalog: { h: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 } },
        providers: [mockProvider('hang', hanging.baseUrl, { models: ['h'] })],
      },
      { plugins: [finishedCut.plugin] },
    );
    try {
      const cases = [
        {
          key: 'cut-msg',
          path: '/v1/messages',
          body: { model: 'h', max_tokens: 2000, stream: true, messages: [{ role: 'user', content: 'hi' }] },
        },
        {
          key: 'cut-chat',
          path: '/v1/chat/completions',
          body: {
            model: 'h',
            max_tokens: 2000,
            temperature: 0,
            stream: true,
            messages: [{ role: 'user', content: 'hi' }],
          },
        },
      ];
      for (const { key, path, body } of cases) {
        const aborted = hanging.aborted;
        const controller = new AbortController();
        const res = await fetch(`${cut.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${k(key)}`, ...ANTHROPIC },
          body: JSON.stringify(body),
          signal: controller.signal,
        });
        expect(res.status, path).toBe(200);
        const reader = res.body!.getReader();
        let seen = '';
        while (!seen.includes('partial')) seen += new TextDecoder().decode((await reader.read()).value);
        controller.abort();
        await reader.cancel().catch(() => undefined);
        await finishedCut.next();
        await until(() => hanging.aborted > aborted, { what: `the upstream stream of ${path} closed` });
        const budgets = (await get(`${cut.url}/admin/budgets`, ADMIN)).json.budgets;
        const mine = budgets.find((b: { scope: string }) => b.scope === `key:${key}`);
        // No usage came: 2000 output tokens at $10 per 1M.
        expect(mine, path).toMatchObject({ spentUsd: expect.closeTo(0.02, 12), reservedUsd: 0 });
      }
    } finally {
      await cut.close();
      await hanging.close();
    }
  });

  it('count_tokens spends no budget and reaches no chat upstream', async () => {
    const before = gated.received;
    const res = await post(`${gw.url}/v1/messages/count_tokens`, k('count'), {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.input_tokens).toBeGreaterThan(0);
    expect(gated.received).toBe(before);
    expect(await budgetOf('count')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  it('a tokens-per-minute limit reserves a huge output limit as asked, on Responses and Messages alike', async () => {
    const before = gated.received;
    // 900,000 output tokens asked: far past 2500 a minute, whatever the model's own limit.
    const responses = await post(`${gw.url}/v1/responses`, k('tpm'), {
      model: 'm',
      input: 'hi',
      max_output_tokens: 900_000,
    });
    expect(responses.status, responses.text).toBe(429);
    expect(responses.json.error.type).toBe('rate_limit_error');
    const huge = await post(`${gw.url}/v1/messages`, k('tpm'), {
      model: 'm',
      max_tokens: 900_000,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(huge.status, huge.text).toBe(429);
    expect(huge.json).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(gated.received).toBe(before);
  });
});

describe('tag queries and strategy headers stay inside the key', () => {
  let pricey: MockOpenAI;
  let cheap: MockOpenAI;
  let gw: RunningGateway;
  beforeAll(async () => {
    pricey = await startMockOpenAI({ name: 'pricey' });
    cheap = await startMockOpenAI({ name: 'cheap' });
    gw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          auth: {
            keys: [
              { name: 'narrow', key: k('narrow'), models: ['cheap-*'] },
              { name: 'tags', key: k('tags'), models: ['cheap-*', 'tag:*'] },
              { name: 'cheap-only', key: k('cheap-only'), providers: ['cheap'] },
            ],
          },
        },
        catalog: {
          'pricey-model': { pricing: { input: 1, output: 1 }, tags: ['smart', 'chat'] },
          'cheap-model': { pricing: { input: 100, output: 100 }, tags: ['chat'] },
        },
        providers: [
          mockProvider('pricey', pricey.baseUrl, { models: ['pricey-model', 'both-model'], tags: ['premium'] }),
          mockProvider('cheap', cheap.baseUrl, { models: ['cheap-model', 'both-model'], priority: 2 }),
        ],
      },
      { plugins: [tagRouting(), strategies()] },
    );
  });
  afterAll(async () => {
    await gw.close();
    await pricey.close();
    await cheap.close();
  });
  afterEach(() => {
    pricey.reset();
    cheap.reset();
  });

  it('a tag query is a model name: a key whose list does not name it is refused', async () => {
    for (const model of ['tag:premium', 'tag:chat', 'tag:cheap', 'TAG:chat']) {
      const res = await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat(model));
      expect([403, 404], `${model}: ${res.text}`).toContain(res.status);
    }
    expect([...posts(pricey), ...posts(cheap)]).toEqual([]);
  });

  it('a key allowed tag queries gets only the selected targets its model list allows', async () => {
    const chatTag = await post(`${gw.url}/v1/chat/completions`, k('tags'), chat('tag:chat'));
    expect(chatTag.status, chatTag.text).toBe(200);
    expect(chatTag.headers.get('x-switchyard-target')).toBe('cheap/cheap-model');
    const premium = await post(`${gw.url}/v1/chat/completions`, k('tags'), chat('tag:premium'));
    expect(premium.status, premium.text).toBe(403);
    expect(posts(pricey)).toEqual([]);
  });

  it('strategy headers and body fields reorder only the targets the key may use', async () => {
    for (const strategy of ['cost', 'quality', 'speed', 'balanced', 'reliability']) {
      for (const how of ['header', 'body'] as const) {
        const res = await post(
          `${gw.url}/v1/chat/completions`,
          k('cheap-only'),
          chat('both-model', how === 'body' ? { switchyard: { strategy } } : {}),
          how === 'header' ? { 'x-switchyard-strategy': strategy } : {},
        );
        if (res.status === 400) {
          expect(res.json.error.message, res.text).toMatch(/strateg/);
          continue;
        }
        expect(res.status, `${strategy} ${how}: ${res.text}`).toBe(200);
        expect(res.headers.get('x-switchyard-target')).toBe('cheap/both-model');
      }
    }
    expect(posts(pricey)).toEqual([]);
  });

  it('a tags header naming another instance does not widen a provider-restricted key', async () => {
    const res = await post(`${gw.url}/v1/chat/completions`, k('cheap-only'), chat('both-model'), {
      'x-switchyard-tags': 'premium',
    });
    expect([400, 403, 503], res.text).toContain(res.status);
    const tagged = await post(`${gw.url}/v1/chat/completions`, k('cheap-only'), chat('tag:premium'));
    expect([400, 403, 404, 503], tagged.text).toContain(tagged.status);
    expect(posts(pricey)).toEqual([]);
  });
});

describe('reloads that drop or narrow a key reach connections already open', () => {
  it('a kept-alive connection: the next request after the reload is judged by the new key table', async () => {
    const up = await startMockOpenAI({ name: 'ka' });
    const cfg = (keys: Array<Record<string, unknown>>): ConfigInput => ({
      plugins: { 'circuit-breaker': false, auth: { keys: [...keys, { name: 'ops', key: ADMIN, admin: true }] } },
      providers: [mockProvider('ka', up.baseUrl, { models: ['cheap-model', 'pricey-model'] })],
    });
    const gw = await startGateway(
      cfg([
        { name: 'app', key: k('app') },
        { name: 'gone', key: k('gone') },
      ]),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const { port } = new URL(gw.url);
    const sockets = new Set<unknown>();
    const ask = (key: string, model: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify(chat(model));
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v1/chat/completions',
            agent,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('socket', (s) => sockets.add(s));
        req.on('error', reject);
        req.end(body);
      });
    try {
      expect(await ask(k('app'), 'pricey-model')).toBe(200);
      expect(await ask(k('gone'), 'pricey-model')).toBe(200);
      expect((await gw.gateway.reload(cfg([{ name: 'app', key: k('app'), models: ['cheap-*'] }]))).ok).toBe(true);
      expect(await ask(k('gone'), 'pricey-model')).toBe(401);
      expect(await ask(k('app'), 'pricey-model')).toBe(403);
      expect(await ask(k('app'), 'cheap-model')).toBe(200);
      expect(sockets.size).toBe(1); // all on the one kept-alive connection
      expect(posts(up).map((r) => r.body.model)).toEqual(['pricey-model', 'pricey-model', 'cheap-model']);
    } finally {
      agent.destroy();
      await gw.close();
      await up.close();
    }
  });

  it('a reload that rotates a key: the old secret is refused at once, the new one works', async () => {
    const up = await startMockOpenAI({ name: 'rot' });
    const cfg = (secret: string): ConfigInput => ({
      plugins: { 'circuit-breaker': false, auth: { keys: [{ name: 'app', key: secret }] } },
      providers: [mockProvider('rot', up.baseUrl, { models: ['cheap-model'] })],
    });
    const gw = await startGateway(cfg(k('v1')));
    try {
      expect((await post(`${gw.url}/v1/chat/completions`, k('v1'), chat('cheap-model'))).status).toBe(200);
      expect((await gw.gateway.reload(cfg(k('v2')))).ok).toBe(true);
      const old = await post(`${gw.url}/v1/chat/completions`, k('v1'), chat('cheap-model'));
      expect(old.status).toBe(401);
      expect((await post(`${gw.url}/v1/chat/completions`, k('v2'), chat('cheap-model'))).status).toBe(200);
      expect(posts(up)).toHaveLength(2);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('admin surface: run-time keys, metrics', () => {
  let up: MockOpenAI;
  let gw: RunningGateway;
  beforeAll(async () => {
    up = await startMockOpenAI({ name: 'adm' });
    gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true },
        auth: {
          runtimeKeys: true,
          keys: [
            { name: 'narrow', key: k('narrow'), models: ['cheap-*'], team: 'red' },
            { name: 'ops', key: ADMIN, admin: true },
          ],
        },
      },
      catalog: {
        'cheap-model': { pricing: { input: 1, output: 1 } },
        'pricey-model': { pricing: { input: 1, output: 1 } },
      },
      providers: [mockProvider('adm', up.baseUrl, { models: ['cheap-model', 'pricey-model'] })],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });
  afterEach(() => up.reset());

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(answer);

  it("a run-time key given a config key's secret does not take over that secret's rights", async () => {
    const made = await admin('POST', '/admin/keys', { name: 'twin', key: k('narrow'), models: ['*'] });
    expect(made.status, made.text).toBe(409);
    expect(made.json.error.code).toBe('key_exists');
    const res = await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('pricey-model'));
    expect(res.status, res.text).toBe(403);
    expect(posts(up)).toEqual([]);
  });

  it('a config key cannot be changed or removed through the run-time keys API', async () => {
    const patch = await admin('PATCH', '/admin/keys/narrow', { models: ['*'] });
    expect(patch.status, patch.text).toBe(409);
    expect(patch.json.error.code).toBe('key_in_config');
    const del = await admin('DELETE', '/admin/keys/narrow');
    expect(del.status, del.text).toBe(409);
    expect(del.json.error.code).toBe('key_in_config');
    const res = await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('pricey-model'));
    expect(res.status).toBe(403);
    expect((await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('cheap-model'))).status).toBe(200);
  });

  it('a run-time key cannot be created with the fields the gateway sets itself (source, fingerprint, hash)', async () => {
    const made = await admin('POST', '/admin/keys', {
      name: 'rt',
      models: ['cheap-*'],
      source: 'config',
      fingerprint: 'x',
      hash: 'sha256:' + '0'.repeat(64),
    });
    expect(made.status, made.text).toBe(400);
    expect(made.json.error.message).toMatch(/source.*fingerprint.*hash/);
    const listed = await admin('GET', '/admin/keys');
    expect(listed.json.keys.map((e: { name: string }) => e.name)).not.toContain('rt');
  });

  it('/metrics, open to anyone, carries no key secret, no upstream key and nothing a caller typed', async () => {
    await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('cheap-model'));
    await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('made-up-model-name-xyz'));
    await post(`${gw.url}/v1/chat/completions`, 'sk-gw-wrong-secret-value-0123456789', chat('cheap-model'));
    const metrics = await get(`${gw.url}/metrics`, null);
    expect(metrics.status).toBe(200);
    for (const secret of [
      k('narrow'),
      ADMIN,
      'sk-upstream-secret-adm',
      'sk-gw-wrong-secret-value',
      'made-up-model-name',
    ]) {
      expect(metrics.text).not.toContain(secret);
    }
  });

  it('spend and budgets are admin data: a caller key of the team sees none of it', async () => {
    await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('cheap-model'));
    for (const path of ['/admin/spend', '/admin/spend?team=red', '/admin/budgets', '/admin/spend?format=csv']) {
      const res = await get(`${gw.url}${path}`, k('narrow'));
      expect(res.status, `${path}: ${res.text}`).toBe(403);
      expect(res.text).not.toContain('narrow');
    }
  });
});
