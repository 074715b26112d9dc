/**
 * The fourteenth rule-bypass pass: what was probed and held. The holes it found are closed in
 * rule-bypass-14-closed-*.test.ts: web searches converted for another protocol's upstream (sent
 * no limit; an OpenAI attempt over the Responses API reserved as one sampling), and Gemini 3's
 * grounding, billed per query, reserved as one search. These probe the same rules from the sides
 * a caller could still try.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import {
  anthropicAt,
  budgeted,
  chatAnswer,
  k,
  messagesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';
import { until } from '../support/wait.js';

const WINDOW = 200_000;
const SEARCH = { type: 'web_search_20250305', name: 'web_search', max_uses: 2 };
const messages = [{ role: 'user', content: 'research' }];

describe('an Anthropic caller’s web search on an OpenAI instance serving Chat Completions only', () => {
  it('is sent no search (the model searches only over the Responses API): its tokens alone, one sampling', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 20, completion_tokens: 10 }),
    );
    const setup = await budgeted({
      // Room for one sampling of the window ($0.60), not for the three a search loop may run.
      keys: [{ name: 'chat14', key: k('chat14'), budget: { usd: 1, period: 'day' } }],
      catalog: {
        m: { pricing: { input: 3, output: 15, webSearch: 10 }, contextWindow: WINDOW, maxOutputTokens: 8000 },
      },
      providers: [mockProvider('oa', up.baseUrl, { models: ['m'], responsesApi: false })],
    });
    try {
      const body = { model: 'm', max_tokens: 1000, tools: [SEARCH], messages };
      const spent = await spendOn(setup, up, 'chat14', '/v1/messages', body);
      expect(spent.status, spent.message).toBe(200);
      expect(up.received[0]!.path).toBe('/v1/chat/completions');
      expect(up.received[0]!.body.web_search_options).toBeUndefined();
      expect(up.received[0]!.body.tools).toBeUndefined();
      // Its two searches reserved, none billed: the tokens alone are charged.
      expect(spent.spentUsd).toBeCloseTo(20 * 3e-6 + 10 * 15e-6, 12);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('a Chat caller’s web_search_options on an OpenAI Chat search model, under a budget', () => {
  it('is sent as the caller asked: the limit budgets keep for conversions is never sent to Chat Completions', async () => {
    const model = 'gpt-4o-search-preview';
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 20, completion_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'srch14', key: k('srch14'), budget: { usd: 1, period: 'day' } }],
      catalog: {
        [model]: {
          pricing: { input: 2.5, output: 10, webSearch: 25 },
          contextWindow: 128_000,
          maxOutputTokens: 16_384,
        },
      },
      providers: [mockProvider('oa', up.baseUrl, { models: [model] })],
    });
    try {
      const body = { model, max_tokens: 10, web_search_options: {}, messages };
      const spent = await spendOn(setup, up, 'srch14', '/v1/chat/completions', body);
      expect(spent.status, spent.message).toBe(200);
      expect(up.received[0]!.body.web_search_options).toEqual({});
      expect(up.received[0]!.body).not.toHaveProperty('max_web_searches');
      expect(spent.spentUsd).toBeCloseTo((20 * 2.5 + 10 * 10) / 1e6 + 0.025, 12);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('an Anthropic caller’s own search limit on a pass-through upstream', () => {
  it('is sent as the caller set it, and reserved as such: a budget with room for it serves it', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 100, output_tokens: 10, server_tool_use: { web_search_requests: 2 } }),
    );
    const setup = await budgeted({
      keys: [{ name: 'pass14', key: k('pass14'), budget: { usd: 2, period: 'day' } }],
      catalog: {
        m: { pricing: { input: 3, output: 15, webSearch: 10 }, contextWindow: WINDOW, maxOutputTokens: 8000 },
      },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const spent = await spendOn(setup, up, 'pass14', '/v1/messages', {
        model: 'm',
        max_tokens: 1000,
        tools: [SEARCH],
        messages,
      });
      expect(spent.status, spent.message).toBe(200);
      expect(up.received[0]!.body.tools).toEqual([SEARCH]);
      expect(up.received[0]!.body.max_tool_calls).toBeUndefined();
      expect(spent.spentUsd).toBeCloseTo(100 * 3e-6 + 10 * 15e-6 + 0.02, 12);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('tokens per minute and a server tool loop', () => {
  it('admitted on one window, its samplings past the estimate are carried over: the key waits for them', async () => {
    // Three samplings of a full window: 600,000 input tokens against 250,000 a minute.
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, {
        input_tokens: 3 * WINDOW,
        output_tokens: 100,
        server_tool_use: { web_search_requests: 2 },
      }),
    );
    const gw = await startGateway({
      providers: [anthropicAt(up.baseUrl)],
      catalog: { m: { contextWindow: WINDOW, maxOutputTokens: 8000 } },
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'loop14', key: k('loop14'), limits: { tokensPerMinute: 250_000 } }] },
      },
    });
    const ask = (body: unknown) => call(`${gw.url}/v1/messages`, k('loop14'), body);
    try {
      const loop = await ask({ model: 'm', max_tokens: 100, tools: [SEARCH], messages });
      expect(loop.status).toBe(200);
      const small = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
      let next = await ask(small);
      await until(async () => (next = await ask(small)).status === 429, { what: 'the loop settled' });
      // 600,100 tokens are three minutes' worth of 250,000: the window lasts three minutes, not one.
      expect(Number(next.headers['retry-after'])).toBeGreaterThan(120);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
