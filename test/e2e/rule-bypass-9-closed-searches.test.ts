/**
 * A hole the ninth rule-bypass pass closed: a web search tool that sets no limit of its own
 * (Anthropic `web_search_*` without `max_uses`, a Responses `web_search` tool) was reserved ten
 * searches, but nothing held the upstream to ten: an answer that searched thirty times was charged
 * thirty fees past a budget that had room for ten. A Responses `max_tool_calls` above ten was not
 * read either. The upstream is now sent the limit that was reserved (`max_uses`, `max_tool_calls`),
 * and a caller's own `max_tool_calls` is reserved. Each case failed before the fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import {
  anthropicAt,
  budgeted,
  k,
  messagesAnswer,
  responsesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

/** How many times an upstream searches when nothing stops it (a deep research answer). */
const SEARCHES = 30;

const searchCalls = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    type: 'web_search_call',
    id: `ws_${i}`,
    status: 'completed',
    action: { type: 'search', query: `q${i}` },
  }));

/** A Responses and an Anthropic upstream that search SEARCHES times, or as often as the request allows. */
async function searchingUpstream() {
  return startScriptedUpstream((body, path) => {
    if (path.endsWith('/messages')) {
      const cap = body.tools?.[0]?.max_uses ?? SEARCHES;
      const usage = {
        input_tokens: 10,
        output_tokens: 10,
        server_tool_use: { web_search_requests: Math.min(cap, SEARCHES) },
      };
      return messagesAnswer(body.model, usage);
    }
    const n = Math.min(body.max_tool_calls ?? SEARCHES, SEARCHES);
    return responsesAnswer(body.model, searchCalls(n), { input_tokens: 10, output_tokens: 10 });
  });
}

/** A key `sr` with a $0.20 budget: room for ten searches at $10 per 1,000 ($0.10) and the tokens, not thirty. */
async function setup() {
  const up = await searchingUpstream();
  const price = { pricing: { input: 1, output: 1, webSearch: 10 }, contextWindow: 1000, maxOutputTokens: 4000 };
  const gateway = await budgeted({
    keys: [{ name: 'sr', key: k('sr'), budget: { usd: 0.2, period: 'day' } }],
    catalog: { m: price, r: price },
    providers: [anthropicAt(up.baseUrl), mockProvider('o', up.baseUrl, { models: ['r'], responsesApi: true })],
  });
  return { up, gateway, close: async () => (await gateway.gw.close(), await up.close()) };
}

describe('a web search tool with no limit of its own', () => {
  it('Responses web_search: the upstream is sent max_tool_calls 10, what was reserved; the budget holds', async () => {
    // Was: $0.30 of searches charged to a $0.20 budget, 10 reserved.
    const { up, gateway, close } = await setup();
    try {
      const body = { model: 'r', max_output_tokens: 100, input: 'research this', tools: [{ type: 'web_search' }] };
      const done = await spendOn(gateway, up, 'sr', '/v1/responses', body);
      expect(done).toMatchObject({ status: 200, sent: 1 });
      expect(done.spentUsd).toBeLessThanOrEqual(0.2);
      expect(done.spentUsd).toBeCloseTo(0.1 + 20 / 1e6, 9);
      expect(up.received[0]!.body.max_tool_calls).toBe(10);
    } finally {
      await close();
    }
  });

  it("Anthropic web_search without max_uses: the upstream is sent max_uses 10; the caller's other fields are kept", async () => {
    const { up, gateway, close } = await setup();
    try {
      const tool = { type: 'web_search_20250305', name: 'web_search', allowed_domains: ['example.com'] };
      const body = {
        model: 'm',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'research this' }],
        tools: [tool],
      };
      const done = await spendOn(gateway, up, 'sr', '/v1/messages', body);
      expect(done).toMatchObject({ status: 200, sent: 1 });
      expect(done.spentUsd).toBeLessThanOrEqual(0.2);
      expect(done.spentUsd).toBeCloseTo(0.1 + 20 / 1e6, 9);
      expect(up.received[0]!.body.tools).toEqual([{ ...tool, max_uses: 10 }]);
    } finally {
      await close();
    }
  });

  it('Responses max_tool_calls above ten is reserved as the caller set it: 30 searches do not fit, refused', async () => {
    const { up, gateway, close } = await setup();
    try {
      const body = {
        model: 'r',
        max_output_tokens: 100,
        max_tool_calls: SEARCHES,
        input: 'research this',
        tools: [{ type: 'web_search' }],
      };
      expect(await spendOn(gateway, up, 'sr', '/v1/responses', body)).toMatchObject({ status: 402, sent: 0 });
      // Within the budget, the caller's own lower limit goes as set.
      const five = await spendOn(gateway, up, 'sr', '/v1/responses', { ...body, max_tool_calls: 5 });
      expect(five).toMatchObject({ status: 200, sent: 1 });
      expect(up.received[0]!.body.max_tool_calls).toBe(5);
    } finally {
      await close();
    }
  });
});

describe('an answer made under the search limit a budget set', () => {
  it('is not stored under the key of the request without it', async () => {
    // As for the output limit (fifth pass): budgets write the limit after the cache's lookup.
    const up = await searchingUpstream();
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        'response-cache': { enabled: true, shared: true },
        budgets: { enabled: true },
        auth: {
          keys: [
            { name: 'tight', key: k('tight9'), budget: { usd: 1, period: 'day' } },
            { name: 'free', key: k('free9') },
          ],
        },
      },
      catalog: { m: { pricing: { input: 1, output: 1, webSearch: 10 }, contextWindow: 1000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    const ask = (key: string) =>
      call(`${gw.url}/v1/messages`, key, {
        model: 'm',
        max_tokens: 100,
        temperature: 0,
        messages: [{ role: 'user', content: 'the same question' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      });
    try {
      expect((await ask(k('tight9'))).status).toBe(200);
      expect(up.received.at(-1)!.body.tools[0].max_uses).toBe(10);
      const free = await ask(k('free9'));
      expect(free.status).toBe(200);
      expect(free.headers['x-switchyard-cache']).not.toBe('hit');
      expect(up.received).toHaveLength(2);
      expect(up.received[1]!.body.tools[0].max_uses).toBeUndefined();
      // The free key's answer, made without a limit, is the one kept: a third ask is a hit.
      expect((await ask(k('free9'))).headers['x-switchyard-cache']).toBe('hit');
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
