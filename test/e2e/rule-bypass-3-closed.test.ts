/**
 * Ways around a rule the third rule-bypass pass found open, now closed: each test failed before
 * its fix (the figures in the comments are what the gateway did then).
 */
import { Redis } from 'ioredis';
import { tagRouting } from '@switchyard/plugin-tag-routing';
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { startHangingUpstream } from '../support/hanging-upstream.js';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { testPrefix } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';
import { budgetOf, budgetedGateway, type BudgetedSetup } from '../support/rule-probes.js';

const k = (n: string) => `sk-gw-open3-${n}-0123456789abcdef`;
const ADMIN = k('ops');
const headers = (key: string) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${key}`,
  'anthropic-version': '2023-06-01',
});
const post = async (url: string, key: string, body: unknown) => {
  const r = await fetch(url, { method: 'POST', headers: headers(key), body: JSON.stringify(body) });
  return { status: r.status, headers: r.headers, text: await r.text() };
};
const adminGet = async (gw: RunningGateway, path: string) =>
  (await fetch(`${gw.url}${path}`, { headers: headers(ADMIN) })).json();
const spentOf = async (gw: RunningGateway, name: string): Promise<number> =>
  (await budgetOf(gw.url, ADMIN, name)).spentUsd;
const BIG = 'lorem ipsum '.repeat(40_000); // 480,000 characters ≈ 120,000 tokens ≈ $1.20 at $10 per 1M

/** A budgeted gateway with this file's admin key. */
const budgeted = (setup: BudgetedSetup) => budgetedGateway(ADMIN, setup);

describe("a prompt part the conversion leaves out is reserved: an upstream of the caller's protocol is sent it and bills it", () => {
  it('Anthropic: text inside a tool_result search_result block (the same text as a plain block is a 402)', async () => {
    const ant = await startMockAnthropic({ name: 'ant' });
    const { gw, finished } = await budgeted({
      keys: [{ name: 'b', key: k('b'), budget: { usd: 0.01, period: 'day' } }],
      catalog: { 'claude-sonnet-4-5': { pricing: { input: 10, output: 0 }, maxOutputTokens: 1000 } },
      providers: [{ name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'ant-upstream-secret-0123456789' }],
    });
    try {
      const res = await post(`${gw.url}/v1/messages`, k('b'), {
        model: 'claude-sonnet-4-5',
        max_tokens: 16,
        tools: [{ name: 'search', input_schema: { type: 'object', properties: {} } }],
        messages: [
          { role: 'user', content: 'find it' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'search', input: {} }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'toolu_01',
                content: [
                  {
                    type: 'search_result',
                    source: 'https://example.com',
                    title: 't',
                    content: [{ type: 'text', text: BIG }],
                  },
                ],
              },
            ],
          },
        ],
      });
      if (res.status === 200) await finished.next();
      expect(res.status, res.text.slice(0, 200)).toBe(402); // was 200
      expect(await spentOf(gw, 'b')).toBeLessThanOrEqual(0.01); // was 1.20132
    } finally {
      await gw.close();
      await ant.close();
    }
  });

  it('Responses passed through: a local_shell_call_output item, and an input_file in a function_call_output', async () => {
    const up = await startMockOpenAI({ name: 'oa' });
    const { gw, finished } = await budgeted({
      keys: [
        { name: 'shell', key: k('shell'), budget: { usd: 0.01, period: 'day' } },
        { name: 'file', key: k('file'), budget: { usd: 0.01, period: 'day' } },
      ],
      catalog: { 'gpt-4o': { pricing: { input: 10, output: 0 }, maxOutputTokens: 1000 } },
      providers: [mockProvider('oa', up.baseUrl, { models: ['gpt-4o'], responsesApi: true })],
    });
    const bodies = {
      shell: [
        {
          type: 'local_shell_call',
          id: 'lsc_1',
          call_id: 'call_1',
          status: 'completed',
          action: { type: 'exec', command: ['cat', 'x'], env: {} },
        },
        { type: 'local_shell_call_output', id: 'lsc_1', call_id: 'call_1', output: BIG },
        { role: 'user', content: 'summarize' },
      ],
      file: [
        { type: 'function_call', call_id: 'call_2', name: 'f', arguments: '{}' },
        {
          type: 'function_call_output',
          call_id: 'call_2',
          output: [
            {
              type: 'input_file',
              filename: 'a.txt',
              file_data: `data:text/plain;base64,${Buffer.from(BIG).toString('base64')}`,
            },
          ],
        },
        { role: 'user', content: 'summarize' },
      ],
    };
    try {
      for (const [name, input] of Object.entries(bodies)) {
        const res = await post(`${gw.url}/v1/responses`, k(name), {
          model: 'gpt-4o',
          max_output_tokens: 16,
          tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }],
          input,
        });
        if (res.status === 200) await finished.next();
        expect(res.status, `${name}: ${res.text.slice(0, 200)}`).not.toBe(200); // was 200, spending $1.20 / $1.60
      }
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('an attempt the gateway times out is charged like a caller who hung up: the upstream may bill it', () => {
  it('budget and tokens per minute, on each target of the failover', async () => {
    const one = await startHangingUpstream();
    const two = await startHangingUpstream();
    const { gw, finished } = await budgeted({
      keys: [{ name: 'a', key: k('a'), budget: { usd: 1, period: 'day' }, limits: { tokensPerMinute: 100_000 } }],
      catalog: { h: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 } },
      providers: [
        mockProvider('one', one.baseUrl, { models: ['h'], timeoutMs: 1500 }),
        mockProvider('two', two.baseUrl, { models: ['h'], timeoutMs: 1500, priority: 2 }),
      ],
    });
    try {
      // Non-streamed, a long answer asked: a real upstream works (and bills) past timeoutMs.
      const res = await post(`${gw.url}/v1/chat/completions`, k('a'), {
        model: 'h',
        max_tokens: 2000,
        messages: [{ role: 'user', content: 'write a long essay' }],
      });
      expect(res.status).toBe(504);
      await finished.next();
      expect([one.received.length, two.received.length]).toEqual([1, 1]);
      expect(await spentOf(gw, 'a')).toBeCloseTo(0.04, 9); // was 0
      expect((await adminGet(gw, '/admin/rate-limit/keys/a')).tokens.used).toBeGreaterThanOrEqual(2000); // was 0
    } finally {
      await gw.close();
      await one.close();
      await two.close();
    }
  });
});

describe('tokens per minute count n answers', () => {
  it('n: 10 with max_tokens 1000 is reserved as 1000 output tokens against a 2500 limit', async () => {
    const gated = await startGatedUpstream((b) => ({ prompt_tokens: 10, completion_tokens: 1000 * (b.n ?? 1) }), {
      open: true,
    });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'a', key: k('a'), limits: { tokensPerMinute: 2500 } }] },
      },
      providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
    });
    try {
      const res = await post(`${gw.url}/v1/chat/completions`, k('a'), {
        model: 'm',
        n: 10,
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(res.status).toBe(429); // was 200: 10,010 tokens in a 2,500-token minute
      expect(gated.received).toBe(0);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });
});

describe('a key × model limit counts a tag: query under every model it may be routed to', () => {
  it('pricey-model, limited to 1 request a minute, is refused as tag:premium too', async () => {
    const up = await startMockOpenAI({ name: 'p' });
    const gw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          auth: { keys: [{ name: 'a', key: k('a') }] },
          'rate-limit': { keys: { a: { models: { 'pricey-model': { requestsPerMinute: 1 } } } } },
        },
        providers: [mockProvider('p', up.baseUrl, { models: ['pricey-model'], tags: ['premium'] })],
      },
      { plugins: [tagRouting()] },
    );
    try {
      const ask = (model: string) =>
        post(`${gw.url}/v1/chat/completions`, k('a'), { model, messages: [{ role: 'user', content: 'hi' }] });
      expect((await ask('pricey-model')).status).toBe(200);
      expect((await ask('pricey-model')).status).toBe(429);
      const tagged = await ask('tag:premium');
      expect(tagged.status).toBe(429); // was 200 (served by p/pricey-model), and again every time
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('with the gateway store off, an item_reference is not passed on for a gateway key', () => {
  it("bob reads alice's answer through the upstream's own store", async () => {
    const up = await startMockOpenAI({ name: 'oa' });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        'protocol-responses': { store: { enabled: false } },
        auth: {
          keys: [
            { name: 'alice', key: k('alice') },
            { name: 'bob', key: k('bob') },
          ],
        },
      },
      providers: [mockProvider('oa', up.baseUrl, { models: ['gpt-4o'], responsesApi: true })],
    });
    try {
      const alice = await post(`${gw.url}/v1/responses`, k('alice'), { model: 'gpt-4o', input: 'alice secret: 4242' });
      const item = JSON.parse(alice.text).output.find((o: { type: string }) => o.type === 'message').id;
      const sent = up.requests.length;
      const bob = await post(`${gw.url}/v1/responses`, k('bob'), {
        model: 'gpt-4o',
        input: [
          { type: 'item_reference', id: item },
          { role: 'user', content: 'what did you say?' },
        ],
      });
      expect(bob.status, bob.text.slice(0, 200)).toBe(400); // was 200: the upstream resolved it from its own store
      expect(up.requests.slice(sent)).toEqual([]);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('run-time keys when the store lost their document (a Redis restart without persistence, an eviction, a flush)', () => {
  it('every replica drops the lost keys, and adopts keys created afterwards', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 1, completion_tokens: 1 }), { open: true });
    const prefix = testPrefix();
    const redis = new Redis('redis://127.0.0.1:6379');
    const config = (keysRefreshMs: number) => ({
      store: { type: 'redis' as const, url: 'redis://127.0.0.1:6379', keyPrefix: prefix },
      plugins: {
        'circuit-breaker': false,
        auth: { keysRefreshMs, keys: [{ name: 'ops', key: ADMIN, admin: true }] },
      },
      providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
    });
    const a = await startGateway(config(1000));
    // B reads the document only when a change is announced: it never sees the store empty.
    const b = await startGateway(config(3_600_000));
    const ask = async (gw: RunningGateway, key: string) =>
      (await post(`${gw.url}/v1/chat/completions`, key, { model: 'm', messages: [{ role: 'user', content: 'x' }] }))
        .status;
    try {
      for (const name of ['t1', 't2'])
        expect((await post(`${a.url}/admin/keys`, ADMIN, { name, key: k(name) })).status).toBe(201);
      await until(async () => (await ask(b, k('t2'))) === 200, { hungAfterMs: 60_000, what: 'B to adopt t1 and t2' });
      await redis.del(`${prefix}auth:keys`);
      expect((await fetch(`${a.url}/admin/keys/t1`, { method: 'DELETE', headers: headers(ADMIN) })).status).toBe(404);
      // A reads the empty store at its next refresh: t1 is gone (before: it answered 200 for as long as A ran).
      await until(async () => (await ask(a, k('t1'))) === 401, { hungAfterMs: 60_000, what: 'A to drop t1' });
      // A new document (version 1, below B's 2) is announced: B adopts it whole (before: it ignored it,
      // refusing the new key and still serving t1).
      expect((await post(`${a.url}/admin/keys`, ADMIN, { name: 'fresh', key: k('fresh') })).status).toBe(201);
      expect(await ask(a, k('fresh'))).toBe(200);
      await until(async () => (await ask(b, k('fresh'))) === 200, {
        hungAfterMs: 60_000,
        what: 'B to adopt the new key',
      });
      expect(await ask(b, k('t1'))).toBe(401);
    } finally {
      await a.close();
      await b.close();
      await gated.stop();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});

describe('a service tier a caller asks for is priced as that tier, or not at all', () => {
  it('priority costs its own price; a tier with no price is refused for a budgeted key and left unpriced for others', async () => {
    const up = await startMockOpenAI({ name: 'oa' });
    const { gw } = await budgeted({
      keys: [
        { name: 'a', key: k('a'), budget: { usd: 1, period: 'day' } },
        { name: 'free', key: k('free') },
      ],
      catalog: {
        'gpt-4o': { pricing: { input: 2.5, output: 10, tiers: { priority: { input: 5, output: 20 } } } },
        'gpt-4o-mini': { pricing: { input: 0.15, output: 0.6 } },
      },
      providers: [mockProvider('oa', up.baseUrl, { models: ['gpt-4o', 'gpt-4o-mini'] })],
      pricing: { header: true },
    });
    const ask = (key: string, model: string, service_tier?: string) =>
      post(`${gw.url}/v1/chat/completions`, k(key), {
        model,
        ...(service_tier ? { service_tier } : {}),
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi' }],
      });
    const costOf = (usage: { prompt_tokens: number; completion_tokens: number }, input: number, output: number) =>
      (usage.prompt_tokens * input + usage.completion_tokens * output) / 1e6;
    try {
      const priority = await ask('a', 'gpt-4o', 'priority');
      expect(priority.status).toBe(200);
      // was the standard price, 2.5 / 10
      expect(Number(priority.headers.get('x-switchyard-cost'))).toBeCloseTo(
        costOf(JSON.parse(priority.text).usage, 5, 20),
        12,
      );
      const standard = await ask('a', 'gpt-4o', 'default');
      expect(Number(standard.headers.get('x-switchyard-cost'))).toBeCloseTo(
        costOf(JSON.parse(standard.text).usage, 2.5, 10),
        12,
      );

      const sent = up.requests.length;
      const unpricedTier = await ask('a', 'gpt-4o-mini', 'priority');
      expect(unpricedTier.status, unpricedTier.text).toBe(400); // was 200, at the standard price
      expect(JSON.parse(unpricedTier.text).error.message).toContain('at service_tier priority');
      expect(up.requests.length).toBe(sent);
      const unbudgeted = await ask('free', 'gpt-4o-mini', 'priority');
      expect(unbudgeted.status).toBe(200);
      expect(unbudgeted.headers.get('x-switchyard-cost')).toBeNull(); // unpriced, not a false figure
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('web searches a server tool runs cost their fee beside the tokens', () => {
  it('are reserved by max_uses and charged per search, streamed or not', async () => {
    const ant = await startMockAnthropic({ name: 'ant' });
    const { gw, finished } = await budgeted({
      keys: [{ name: 'a', key: k('a'), budget: { usd: 0.04, period: 'day' } }],
      // A small context window: a request offering web search reserves input up to it, once per
      // sampling (one more than its searches).
      catalog: { 'claude-sonnet-4-5': { pricing: { input: 3, output: 15, webSearch: 10 }, contextWindow: 1000 } },
      providers: [{ name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'ant-upstream-secret-0123456789' }],
      pricing: { header: true },
    });
    const search = (max_uses: number, stream = false) =>
      post(`${gw.url}/v1/messages`, k('a'), {
        model: 'claude-sonnet-4-5',
        max_tokens: 50,
        ...(stream ? { stream } : {}),
        tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses }],
        messages: [{ role: 'user', content: 'search' }],
      });
    const tokensUsd = (u: { input_tokens: number; output_tokens: number }) =>
      (u.input_tokens * 3 + u.output_tokens * 15) / 1e6;
    try {
      // Five searches may cost $0.05: more than the $0.04 budget holds (before: reserved as tokens only).
      const sent = ant.requests.length;
      expect((await search(5)).status).toBe(402);
      expect(ant.requests.length).toBe(sent);

      ant.queueAnswer({ webSearch: { query: 'x' }, text: 'found' });
      const one = await search(1);
      expect(one.status, one.text).toBe(200);
      await finished.next();
      const usage = JSON.parse(one.text).usage;
      expect(usage.server_tool_use.web_search_requests).toBe(1);
      // before: tokens only, the $0.01 search fee not counted
      expect(Number(one.headers.get('x-switchyard-cost'))).toBeCloseTo(tokensUsd(usage) + 0.01, 12);

      ant.queueAnswer({ webSearch: { query: 'y' }, text: 'found again' });
      const streamed = await search(1, true);
      expect(streamed.status).toBe(200);
      await finished.next();
      expect(await spentOf(gw, 'a')).toBeGreaterThan(0.02);
    } finally {
      await gw.close();
      await ant.close();
    }
  });
});
