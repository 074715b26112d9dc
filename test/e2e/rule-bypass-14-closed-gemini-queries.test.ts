/**
 * A hole the fourteenth rule-bypass pass closed: Gemini 3 grounds an answer with Google Search
 * billed per search query the model runs ($14 per 1,000), and the API takes no limit on them;
 * a Chat `web_search_options` on a Gemini 3 target was reserved one search. On a 32,000-token
 * model, six queries were billed $0.084 where $0.014 was reserved ($0.030 in all, the search
 * results read up to the window): a $0.05 budget ran it, charged $0.084. A Gemini 3
 * target spoken to in Gemini's protocol is now reserved ten queries (GEMINI_QUERIES_RESERVED);
 * queries past them are charged as the answer reports them. The Gemini 3 case failed before the
 * fix; the Gemini 2.5 one (billed per grounded prompt) checks it is still reserved one search.
 */
import { describe, expect, it } from 'vitest';
import { budgeted, geminiAt, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const QUERIES = 6;

/** A Gemini upstream whose grounding runs `queries` search queries. */
function startGrounding(model: string, queries: number) {
  return startScriptedUpstream(() => ({
    candidates: [
      {
        content: { role: 'model', parts: [{ text: 'ok' }] },
        finishReason: 'STOP',
        index: 0,
        groundingMetadata: {
          webSearchQueries: Array.from({ length: queries }, (_, n) => `query ${n}`),
          groundingChunks: [{ web: { uri: 'https://example.com/a', title: 'example.com' } }],
        },
      },
    ],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 10, totalTokenCount: 20 },
    modelVersion: model,
  }));
}

const priced = (model: string) => ({
  [model]: {
    pricing: { input: 0.5, output: 3, webSearch: 14 },
    contextWindow: 32_000,
    maxOutputTokens: 8192,
  },
});
const body = (model: string) => ({
  model,
  max_tokens: 100,
  web_search_options: {},
  messages: [{ role: 'user', content: 'news?' }],
});
const TOKENS_USD = (10 * 0.5 + 10 * 3) / 1e6;

describe('a web search on Gemini grounding, against a budget', () => {
  it('on Gemini 3, billed per query, is reserved ten queries', async () => {
    const model = 'gemini-3-flash-preview';
    const up = await startGrounding(model, QUERIES);
    const setup = await budgeted({
      keys: [
        { name: 'gq14', key: k('gq14'), budget: { usd: 0.05, period: 'day' } },
        { name: 'gq14b', key: k('gq14b'), budget: { usd: 1, period: 'day' } },
      ],
      catalog: priced(model) as never,
      providers: [geminiAt(up.baseUrl, model)],
    });
    try {
      const refused = await spendOn(setup, up, 'gq14', '/v1/chat/completions', body(model));
      // Was 200, sent 1: $0.030 reserved (one query), $0.084 charged (six) against $0.05.
      expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
        status: 402,
        sent: 0,
        spentUsd: 0,
      });
      const served = await spendOn(setup, up, 'gq14b', '/v1/chat/completions', body(model));
      expect(served.status, served.message).toBe(200);
      expect(served.spentUsd).toBeCloseTo(TOKENS_USD + (QUERIES * 14) / 1000, 9);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('on Gemini 2.5, billed once per grounded prompt, is reserved one search', async () => {
    const model = 'gemini-2.5-flash';
    const up = await startGrounding(model, QUERIES);
    const setup = await budgeted({
      keys: [{ name: 'gq14c', key: k('gq14c'), budget: { usd: 0.05, period: 'day' } }],
      catalog: priced(model) as never,
      providers: [geminiAt(up.baseUrl, model)],
    });
    try {
      const served = await spendOn(setup, up, 'gq14c', '/v1/chat/completions', body(model));
      expect(served.status, served.message).toBe(200);
      expect(served.spentUsd).toBeCloseTo(TOKENS_USD + 14 / 1000, 9);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
