/**
 * The thirteenth rule-bypass pass: what was probed and held. The holes it found are closed in
 * rule-bypass-13-closed-*.test.ts: an OpenAI Chat search model's search (charged only with
 * `web_search_options`), and tokens written past a tokens-per-minute limit (forgotten at the
 * window's end). These probe the same rules from the sides a caller could still try.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { budgeted, chatAnswer, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const MINUTE_MS = 60_000;
const SEARCH = 'gpt-4o-search-preview';

async function tpmGateway(baseUrl: string) {
  return startGateway({
    providers: [mockProvider('u', baseUrl, { models: ['m'] })],
    catalog: { m: { contextWindow: 200_000, maxOutputTokens: 128_000 } },
    plugins: {
      'circuit-breaker': false,
      auth: { keys: [{ name: 'tpm', key: k('tpm13h'), limits: { tokensPerMinute: 10_000 } }] },
    },
  });
}

const small = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const ask = (url: string, body: unknown, path = '/v1/chat/completions') => call(`${url}${path}`, k('tpm13h'), body);

afterEach(() => void vi.useRealTimers());

describe('tokens per minute: windows refused requests leave alone', () => {
  it('requests refused at admission lengthen no window: the key has its next minute whole', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const start = Date.now();
    const up = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 10 }));
    const gw = await tpmGateway(up.baseUrl);
    try {
      const held = ask(gw.url, { ...small, max_tokens: 9_000 });
      await up.waitForReceived(1);
      // The window holds some 9,000 tokens: these are refused, and taken back out.
      for (let i = 0; i < 5; i++) expect((await ask(gw.url, { ...small, max_tokens: 9_000 })).status).toBe(429);
      expect((await ask(gw.url, { ...small, max_tokens: 20_000 })).status).toBe(429); // over the limit on its own
      up.open();
      expect((await held).status).toBe(200);
      vi.setSystemTime(start + MINUTE_MS + 1000);
      const next = await ask(gw.url, { ...small, max_tokens: 9_000 });
      expect(next.status).toBe(200);
      expect(next.headers['x-ratelimit-reset-tokens']).toMatch(/^(1m0s|\d{1,2}(\.\d+)?s)$/);
    } finally {
      up.open();
      await gw.close();
      await up.stop();
    }
  });
});

describe('a Chat search model', () => {
  const searchSetup = async (keys: object[]) => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 20, completion_tokens: 10 }),
    );
    const setup = await budgeted({
      keys,
      catalog: {
        [SEARCH]: {
          pricing: { input: 2.5, output: 10, webSearch: 25 },
          contextWindow: 128_000,
          maxOutputTokens: 16_384,
        },
        'gpt-4o-mini': { pricing: { input: 0.15, output: 0.6 }, contextWindow: 128_000, maxOutputTokens: 16_384 },
      } as never,
      providers: [mockProvider('oa', up.baseUrl, { models: [SEARCH, 'gpt-4o-mini'] })],
      config: { models: [{ name: 'finder', targets: [`oa/${SEARCH}`] }] },
    });
    return { up, setup };
  };

  it('is reached by no alias or instance name by a key whose model list leaves it out', async () => {
    const { up, setup } = await searchSetup([
      { name: 'mini', key: k('mini13'), models: ['gpt-4o-mini', 'gpt-4o-mini-*'], budget: { usd: 1, period: 'day' } },
    ]);
    try {
      for (const model of ['finder', `oa/${SEARCH}`, SEARCH, 'OA/GPT-4O-SEARCH-PREVIEW']) {
        const res = await call(`${setup.gw.url}/v1/chat/completions`, k('mini13'), {
          model,
          max_tokens: 10,
          messages: [{ role: 'user', content: 'news?' }],
        });
        expect([403, 404], `${model}: ${res.text}`).toContain(res.status);
      }
      expect(up.received).toHaveLength(0);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('with web_search_options too, is charged its one search, once', async () => {
    const { up, setup } = await searchSetup([
      { name: 'srch13h', key: k('srch13h'), budget: { usd: 1, period: 'day' } },
    ]);
    try {
      const body = {
        model: SEARCH,
        max_tokens: 10,
        web_search_options: {},
        messages: [{ role: 'user', content: 'news?' }],
      };
      const spent = await spendOn(setup, up, 'srch13h', '/v1/chat/completions', body);
      expect(spent.status, spent.message).toBe(200);
      expect(spent.spentUsd).toBeCloseTo((20 * 2.5 + 10 * 10) / 1e6 + 0.025, 12);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe("another key's rate-limit and budget state", () => {
  it('is read by no gateway key but an admin one, and by no caller without a key', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 }),
    );
    const { gw } = await budgeted({
      keys: [
        { name: 'plain', key: k('plain13'), budget: { usd: 1, period: 'day' }, limits: { tokensPerMinute: 1000 } },
      ],
      catalog: { m: { pricing: { input: 1, output: 1 }, contextWindow: 1000, maxOutputTokens: 100 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    try {
      const asked = await call(`${gw.url}/v1/chat/completions`, k('plain13'), small);
      expect(asked.status, asked.text).toBe(200);
      for (const path of ['/admin/rate-limit/keys/plain', '/admin/rate-limit', '/admin/budgets', '/admin/spend']) {
        expect([401, 403], path).toContain((await call(`${gw.url}${path}`, k('plain13'))).status);
        expect((await call(`${gw.url}${path}`, null)).status, path).toBe(401);
      }
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
