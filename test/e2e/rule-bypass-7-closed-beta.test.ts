/**
 * Anthropic's 1M-context beta named in a Bedrock body (`anthropic_beta`, which InvokeModel reads
 * as the header elsewhere) that the budget did not see, found by the seventh rule-bypass pass,
 * closed. The test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { bedrockProvider } from '../support/clouds.js';
import { call } from '../support/rule-probes.js';
import { budgeted, k, messagesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const SONNET = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';

describe("Bedrock's anthropic_beta body field", () => {
  it('context-1m with web_fetch: input is reserved up to 1M tokens, as with the header', async () => {
    // Was: reserved up to the 200K window, $0.60 with the output, which a $5 budget holds; Bedrock
    // opened the 1M window the body names and could read 1,000,000 tokens at $6 per 1M: $6.00.
    const up = await startScriptedUpstream(() => messagesAnswer(SONNET, { input_tokens: 900_000, output_tokens: 100 }));
    const setup = await budgeted({
      // Six samplings (five fetches and the answer), each reading up to the window.
      keys: [{ name: 'bb', key: k('bb'), budget: { usd: 8, period: 'day' } }],
      catalog: {},
      providers: [bedrockProvider('br', up.baseUrl.replace(/\/v1$/, ''), { models: [SONNET] })],
    });
    const body = {
      model: SONNET,
      max_tokens: 100,
      tools: [{ type: 'web_fetch_20250910', name: 'web_fetch', max_uses: 5 }],
      messages: [{ role: 'user', content: 'read the five reports and compare them' }],
    };
    try {
      for (const anthropic_beta of [['context-1m-2025-08-07'], ['web-fetch-2025-09-10', 'context-1m-2025-08-07']]) {
        const res = await call(`${setup.gw.url}/v1/messages`, k('bb'), { ...body, anthropic_beta });
        expect({ status: res.status, sent: up.received.length }).toEqual({ status: 402, sent: 0 });
      }
      const header = await call(`${setup.gw.url}/v1/messages`, k('bb'), body, {
        headers: { 'anthropic-beta': 'context-1m-2025-08-07' },
      });
      expect({ status: header.status, sent: up.received.length }).toEqual({ status: 402, sent: 0 });
      // Without the beta the window is 200K: $7.20 reserved (at the one-hour cache write's $6), which the budget holds.
      expect(await spendOn(setup, up, 'bb', '/v1/messages', body)).toMatchObject({ status: 200, sent: 1 });
      expect(up.received[0]!.path).toContain('/invoke');
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
