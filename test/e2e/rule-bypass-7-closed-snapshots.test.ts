/**
 * Dated snapshots priced apart from their family, found by the seventh rule-bypass pass, closed: a
 * dated name took its family's built-in price (`gpt-4o-2024-05-13` as `gpt-4o`, half its input
 * price). The test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { budgeted, chatAnswer, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

describe('a dated snapshot whose list price is not its family’s', () => {
  it('is charged at its own built-in price', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 1000, completion_tokens: 1000 }),
    );
    const models = ['gpt-4o-2024-05-13', 'gpt-3.5-turbo-1106', 'gpt-3.5-turbo-0613', 'gpt-4o-2024-08-06'];
    const setup = await budgeted({
      keys: [{ name: 'snap', key: k('snap'), budget: { usd: 10, period: 'day' } }],
      catalog: {},
      providers: [mockProvider('oa', up.baseUrl, { models })],
    });
    try {
      let spent = 0;
      // 1,000 input and output tokens at each one's list price per 1M: was $0.0125, $0.002, $0.002.
      for (const [model, usd] of [
        ['gpt-4o-2024-05-13', 0.02],
        ['gpt-3.5-turbo-1106', 0.003],
        ['gpt-3.5-turbo-0613', 0.0035],
        ['gpt-4o-2024-08-06', 0.0125], // a snapshot at its family's price stays there
      ] as const) {
        const body = { model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
        const answer = await spendOn(setup, up, 'snap', '/v1/chat/completions', body);
        expect({ model, status: answer.status }).toEqual({ model, status: 200 });
        spent += usd;
        expect({ model, spent: answer.spentUsd }).toEqual({ model, spent: expect.closeTo(spent, 10) });
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
