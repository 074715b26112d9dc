import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '@switchyard/core';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { geminiProvider } from '../support/gemini.js';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import { startMockGemini } from '../support/mock-gemini.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { sendHttp } from '../support/raw-http.js';
import { testPrefix } from '../support/tcp-proxy.js';
import { budgetOf as budgetOfKey, budgetedGateway, call, chat } from '../support/rule-probes.js';

/**
 * A third pass at Switchyard's rules, as a hostile caller with a narrow key (or none) would try
 * them: model names that are URL syntax, kept responses across replicas, prompts hidden in a
 * continued conversation or in Anthropic containers, names with no price, the pages outside
 * /v1 and /admin, and run-time admin keys taken back. Each test asserts that the rule holds.
 */
const k = (name: string): string => `sk-gw-bypass3-${name}-0123456789abcdef`;
const ADMIN = k('ops');

/** A key's budget as the admin key reads it. */
const budgetOf = (gw: RunningGateway, name: string) => budgetOfKey(gw.url, ADMIN, name);

describe('model names that are URL syntax', () => {
  it("a glob key's name with `:`, `?`, `#` or `%` reaches no other model's Gemini endpoint", async () => {
    const gem = await startMockGemini({ models: ['gemini-2.5-flash', 'gemini-2.5-pro'] });
    // No `models` list: the instance takes every gemini-* name, as the prefix claim does.
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'flash', key: k('flash'), models: ['gemini-*-flash'] }] },
      },
      providers: [geminiProvider('gem', gem.origin)],
    });
    try {
      expect((await call(`${gw.url}/v1/chat/completions`, k('flash'), chat('gemini-2.5-flash'))).status).toBe(200);
      // Each matches the key's glob; written unencoded into models/{m}:generateContent, each would be gemini-2.5-pro.
      for (const model of [
        'gemini-2.5-pro:generateContent?x=-flash',
        'gemini-2.5-pro:streamGenerateContent?alt=sse&x=-flash',
        'gemini-2.5-pro#-flash',
        'gemini-2.5-pro%3AgenerateContent%3F-flash',
      ]) {
        const res = await call(`${gw.url}/v1/chat/completions`, k('flash'), chat(model));
        expect(res.status, `${model}: ${res.text}`).not.toBe(200);
      }
      const served = gem.requests
        .filter((r) => r.method === 'POST')
        .map((r) =>
          decodeURIComponent(new URL(r.path, 'http://mock').pathname.split('/models/')[1]!.replace(/:[A-Za-z]+$/, '')),
        );
      expect(served[0]).toBe('gemini-2.5-flash');
      expect(served).not.toContain('gemini-2.5-pro');
    } finally {
      await gw.close();
      await gem.close();
    }
  });
});

describe('kept responses on a shared Redis store', () => {
  const prefix = testPrefix();
  const redis = new Redis('redis://127.0.0.1:6379');
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('stay with the key that made them on every replica: another key reads, continues and deletes none of them', async () => {
    const up = await startMockOpenAI({ name: 'resp' });
    const config: ConfigInput = {
      store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: prefix },
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'alice', key: k('alice') },
            { name: 'bob', key: k('bob') },
          ],
        },
      },
      providers: [mockProvider('resp', up.baseUrl, { models: ['gpt-4o'] })],
    };
    const [one, two] = await Promise.all([startGateway(config), startGateway(config)]);
    try {
      const made = await call(`${one.url}/v1/responses`, k('alice'), { model: 'gpt-4o', input: 'alice secret: 4242' });
      expect(made.status, made.text).toBe(200);
      const { id } = made.json;
      const posts = up.requests.filter((r) => r.method === 'POST').length;
      for (const path of [`/v1/responses/${id}`, `/v1/responses/${id}/input_items`]) {
        const bob = await call(`${two.url}${path}`, k('bob'));
        expect(bob.status, `${path}: ${bob.text}`).toBe(404);
        expect(bob.text).not.toContain('4242');
      }
      expect((await call(`${two.url}/v1/responses/${id}`, k('bob'), undefined, { method: 'DELETE' })).status).toBe(404);
      const next = await call(`${two.url}/v1/responses`, k('bob'), {
        model: 'gpt-4o',
        input: 'what did I say?',
        previous_response_id: id,
      });
      expect(next.status, next.text).toBe(400);
      expect(next.json.error.code).toBe('previous_response_not_found');
      expect(up.requests.filter((r) => r.method === 'POST')).toHaveLength(posts);
      // The owner reads it through the other replica: it is there, and bob's DELETE left it.
      const mine = await call(`${two.url}/v1/responses/${id}`, k('alice'));
      expect(mine.status, mine.text).toBe(200);
      expect(mine.json.id).toBe(id);
    } finally {
      await one.close();
      await two.close();
      await up.close();
    }
  });
});

describe('prompts that look short', () => {
  it('a conversation continued by previous_response_id is reserved whole, against the budget and tokens per minute', async () => {
    // Whatever the prompt, the upstream reports 8000 input tokens: the size of the first turn.
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 8000, completion_tokens: 1 }), { open: true });
    const { gw, finished } = await budgetedGateway(ADMIN, {
      keys: [
        { name: 'usd', key: k('usd'), budget: { usd: 0.012, period: 'day' } },
        { name: 'tpm', key: k('tpm'), limits: { tokensPerMinute: 12_000 } },
      ],
      // $1 per 1M input tokens: the first turn's 8000 cost $0.008, and so would the second's.
      catalog: { m: { pricing: { input: 1, output: 0 }, maxOutputTokens: 16 } },
      providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
    });
    try {
      for (const key of ['usd', 'tpm']) {
        // 32,000 characters: an estimate of 8000 tokens, which fits once.
        const first = await call(`${gw.url}/v1/responses`, k(key), {
          model: 'm',
          input: 'a'.repeat(32_000),
          max_output_tokens: 16,
        });
        expect(first.status, `${key}: ${first.text}`).toBe(200);
        await finished.next();
        const before = gated.received;
        const next = await call(`${gw.url}/v1/responses`, k(key), {
          model: 'm',
          input: 'and?',
          max_output_tokens: 16,
          previous_response_id: first.json.id,
        });
        // The new input is 4 characters; the conversation sent upstream is the first turn's 8000 tokens and more.
        expect(next.status, `${key}: ${next.text}`).toBe(key === 'usd' ? 402 : 429);
        await finished.next();
        expect(gated.received).toBe(before);
      }
      expect(await budgetOf(gw, 'usd')).toMatchObject({ spentUsd: expect.closeTo(0.008, 12), reservedUsd: 0 });
    } finally {
      await gw.close();
      await gated.stop();
    }
  });

  it('an Anthropic prompt is reserved wherever the conversion reads it: tool results, system entries, documents, search results', async () => {
    const ant = await startMockAnthropic({ name: 'ant' });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true },
        auth: { keys: [{ name: 'small', key: k('small'), budget: { usd: 0.01, period: 'day' } }] },
      },
      // 480,000 characters ≈ 120,000 tokens ≈ $1.20 at $10 per 1M: far past $0.01 however it is wrapped.
      catalog: { 'claude-sonnet-4-5': { pricing: { input: 10, output: 0 }, maxOutputTokens: 1000 } },
      providers: [{ name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'ant-upstream-secret-0123456789' }],
    });
    const big = 'lorem ipsum '.repeat(40_000);
    const toolTurn = (result: unknown[]) => [
      { role: 'user', content: 'look it up' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'lookup', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: result }] },
    ];
    const cases: Record<string, Record<string, unknown>> = {
      'top-level system blocks': {
        system: [{ type: 'text', text: big }],
        messages: [{ role: 'user', content: 'hi' }],
      },
      'a system entry inside messages': {
        messages: [
          { role: 'system', content: big },
          { role: 'user', content: 'hi' },
        ],
      },
      'tool_result text': {
        tools: [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }],
        messages: toolTurn([{ type: 'text', text: big }]),
      },
      'tool_result text document': {
        tools: [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }],
        messages: toolTurn([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: big } }]),
      },
      'a document with a text source': {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: big } },
              { type: 'text', text: 'summarize' },
            ],
          },
        ],
      },
      'a search_result block': {
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'search_result',
                source: 'https://example.com',
                title: 't',
                content: [{ type: 'text', text: big }],
              },
              { type: 'text', text: 'summarize' },
            ],
          },
        ],
      },
      'a tool description': {
        tools: [{ name: 'lookup', description: big, input_schema: { type: 'object', properties: {} } }],
        messages: [{ role: 'user', content: 'hi' }],
      },
    };
    try {
      for (const [where, body] of Object.entries(cases)) {
        const res = await call(`${gw.url}/v1/messages`, k('small'), {
          model: 'claude-sonnet-4-5',
          max_tokens: 16,
          ...body,
        });
        expect(res.status, `${where}: ${res.text.slice(0, 300)}`).toBe(402);
        expect(res.json.error.type).toBe('billing_error');
      }
      expect(ant.requests.filter((r) => r.method === 'POST')).toEqual([]);
    } finally {
      await gw.close();
      await ant.close();
    }
  });
});

describe('names with no price', () => {
  it('a model only the prefix claim knows, or an alias narrowed to its unpriced target, is left out for a budgeted key', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 10 }), { open: true });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true },
        auth: {
          keys: [
            { name: 'budgeted', key: k('budgeted'), budget: { usd: 1, period: 'day' } },
            { name: 'free', key: k('free') },
          ],
        },
      },
      catalog: { 'gpt-4o-mini': { pricing: { input: 1, output: 1 } } },
      providers: [
        // No `models`: every gpt-* name is routed here by its prefix, priced or not.
        mockProvider('priced', gated.baseUrl),
        mockProvider('house', gated.baseUrl, { models: ['house-model'] }),
      ],
      models: [{ name: 'mix', targets: ['priced/gpt-4o-mini', 'house/house-model'] }],
    });
    try {
      // The names route: a key without a budget is served by both.
      expect((await call(`${gw.url}/v1/chat/completions`, k('free'), chat('gpt-made-up-9'))).status).toBe(200);
      const excluded = { 'x-switchyard-exclude-providers': 'priced' };
      expect((await call(`${gw.url}/v1/chat/completions`, k('free'), chat('mix'), { headers: excluded })).status).toBe(
        200,
      );
      const before = gated.received;
      const invented = await call(`${gw.url}/v1/chat/completions`, k('budgeted'), chat('gpt-made-up-9'));
      expect(invented.status, invented.text).toBe(400);
      expect(invented.json.error.code).toBe('constraint_unmet');
      const narrowed = await call(`${gw.url}/v1/chat/completions`, k('budgeted'), chat('mix'), { headers: excluded });
      expect(narrowed.status, narrowed.text).toBe(400);
      expect(narrowed.json.error.message).toMatch(/no price/);
      const anthropic = await call(`${gw.url}/v1/messages`, k('budgeted'), {
        ...chat('gpt-made-up-9'),
        max_tokens: 16,
      });
      expect(anthropic.status, anthropic.text).toBe(400);
      expect(gated.received).toBe(before);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });
});

describe('pages outside /v1 and /admin', () => {
  it('a rebound or foreign page reads neither /metrics nor the console; health probes still answer any Host', async () => {
    const gw = await startGateway({ providers: [] });
    const port = Number(new URL(gw.url).port);
    const get = (path: string, headers: Record<string, string>) =>
      sendHttp(port, { method: 'GET', path, headers: { host: `127.0.0.1:${port}`, ...headers } });
    try {
      expect((await get('/metrics', {})).status).toBe(200);
      for (const path of ['/metrics', '/console', '/console/assets/app.js']) {
        const rebound = await get(path, { host: `rebind.example:${port}` });
        expect(rebound.status, `${path}: ${rebound.text}`).toBe(421);
        expect(rebound.text).not.toContain('switchyard_');
        const foreign = await get(path, { origin: 'https://evil.example' });
        expect(foreign.status, `${path}: ${foreign.text}`).toBe(403);
      }
      expect((await get('/health', { host: `rebind.example:${port}` })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('run-time admin keys', () => {
  it('an admin key demoted, disabled, expired or deleted at run time loses /admin at the next request', async () => {
    const gw = await startGateway({
      plugins: { auth: { runtimeKeys: true, keys: [{ name: 'ops', key: ADMIN, admin: true }] } },
      providers: [],
    });
    const admin = (method: string, path: string, body?: unknown) => call(`${gw.url}${path}`, ADMIN, body, { method });
    const asDeputy = () => call(`${gw.url}/admin/keys`, k('deputy'));
    try {
      expect((await admin('POST', '/admin/keys', { name: 'deputy', key: k('deputy'), admin: true })).status).toBe(201);
      expect((await asDeputy()).status).toBe(200);
      const steps: Array<[Record<string, unknown>, number]> = [
        [{ admin: false }, 403],
        [{ admin: true }, 200],
        [{ enabled: false }, 401],
        [{ enabled: true }, 200],
        [{ expiresAt: '2020-01-01T00:00:00Z' }, 401],
        [{ expiresAt: null }, 200],
      ];
      for (const [patch, status] of steps) {
        expect((await admin('PATCH', '/admin/keys/deputy', patch)).status).toBe(200);
        const res = await asDeputy();
        expect(res.status, `after ${JSON.stringify(patch)}: ${res.text}`).toBe(status);
      }
      // A demoted key cannot give itself admin back.
      expect((await admin('PATCH', '/admin/keys/deputy', { admin: false })).status).toBe(200);
      const self = await call(`${gw.url}/admin/keys/deputy`, k('deputy'), { admin: true }, { method: 'PATCH' });
      expect(self.status).toBe(403);
      expect((await admin('DELETE', '/admin/keys/deputy')).status).toBe(200);
      expect((await asDeputy()).status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});
