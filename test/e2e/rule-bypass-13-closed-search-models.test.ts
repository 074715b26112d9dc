/**
 * A hole the thirteenth rule-bypass pass closed: OpenAI's Chat Completions search models
 * (`gpt-4o-search-preview`, `gpt-5-search-api`) search the web for every answer, and the search is
 * billed per call beside the tokens ($25 per 1,000 for the gpt-4o ones), whether or not the request
 * sets `web_search_options`, and their answers report no search count. Budgets counted a search only
 * for a body setting `web_search_options`: a budgeted key leaving it out, on a search model the
 * catalog prices, was charged its tokens alone ($0.0002 charged for $0.0252 billed, a budget of
 * $0.01 ran 100 requests billed $2.52), and `unpriced: deny` let it search on a price without
 * `webSearch`. The search is now reserved, charged and required priced for a search model's target,
 * on every inbound protocol. Each case failed before the fix (the comments say how).
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { budgeted, chatAnswer, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const SEARCH = 'gpt-4o-search-preview';
const PRICED = { pricing: { input: 2.5, output: 10, webSearch: 25 }, contextWindow: 128_000, maxOutputTokens: 16_384 };
/** One search at $25 per 1,000 calls, beside 20 prompt tokens and 10 answer tokens. */
const SEARCH_USD = 0.025;
const TOKENS_USD = (20 * 2.5 + 10 * 10) / 1e6;

const setup = async (name: string, usd: number, catalog: Record<string, unknown>) => {
  const up = await startScriptedUpstream((body) =>
    chatAnswer(body.model, { prompt_tokens: 20, completion_tokens: 10 }),
  );
  const gw = await budgeted({
    keys: [{ name, key: k(name), budget: { usd, period: 'day' } }],
    catalog: catalog as never,
    providers: [mockProvider('oa', up.baseUrl, { models: [SEARCH] })],
    config: { models: [{ name: 'finder', targets: [`oa/${SEARCH}`] }] },
  });
  return { up, gw };
};

describe('a Chat search model asked without web_search_options', () => {
  it.each([
    [
      'Chat Completions',
      '/v1/chat/completions',
      { model: SEARCH, max_tokens: 10, messages: [{ role: 'user', content: 'news?' }] },
    ],
    ['Responses', '/v1/responses', { model: SEARCH, max_output_tokens: 16, input: 'news?' }],
    [
      'Anthropic Messages',
      '/v1/messages',
      { model: 'finder', max_tokens: 10, messages: [{ role: 'user', content: 'news?' }] },
    ],
  ])('is charged its search through %s', async (_, path, body) => {
    const { up, gw } = await setup('srch13', 1, { [SEARCH]: PRICED });
    try {
      const spent = await spendOn(gw, up, 'srch13', path, body);
      expect(spent.status, spent.message).toBe(200);
      expect(up.received[0]!.body.web_search_options).toBeUndefined();
      // Was $0.00015, the tokens alone.
      expect(spent.spentUsd).toBeCloseTo(TOKENS_USD + SEARCH_USD, 12);
    } finally {
      await gw.gw.close();
      await up.close();
    }
  });

  it('is reserved its search: a budget with room for the tokens only refuses it before the upstream', async () => {
    // $0.01 holds the worst case of the tokens ($0.00016), not the search ($0.025).
    const { up, gw } = await setup('srch13b', 0.01, { [SEARCH]: PRICED });
    try {
      const body = { model: SEARCH, max_tokens: 10, messages: [{ role: 'user', content: 'news?' }] };
      const spent = await spendOn(gw, up, 'srch13b', '/v1/chat/completions', body);
      // Was 200, sent 1, charged $0.00015 of a $0.0252 bill; again and again, the budget never ran out.
      expect({ status: spent.status, sent: spent.sent }).toEqual({ status: 402, sent: 0 });
    } finally {
      await gw.gw.close();
      await up.close();
    }
  });

  it('on a price without webSearch is refused under unpriced: deny, before the upstream', async () => {
    const { up, gw } = await setup('srch13c', 1, {
      [SEARCH]: { pricing: { input: 2.5, output: 10 }, contextWindow: 128_000, maxOutputTokens: 16_384 },
    });
    try {
      const body = { model: SEARCH, max_tokens: 10, messages: [{ role: 'user', content: 'news?' }] };
      const spent = await spendOn(gw, up, 'srch13c', '/v1/chat/completions', body);
      // Was 200, sent 1, its search charged nothing.
      expect({ status: spent.status, sent: spent.sent }).toEqual({ status: 400, sent: 0 });
      expect(spent.message).toContain('no web search price known');
    } finally {
      await gw.gw.close();
      await up.close();
    }
  });
});
