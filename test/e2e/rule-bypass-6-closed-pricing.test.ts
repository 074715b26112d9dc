/**
 * Ways around a budget or a limit the sixth rule-bypass pass found in how requests are estimated
 * and priced (embeddings text weighed as English, embeddings token ids not counted, prompts over
 * 200K tokens charged at the short-prompt rate), closed. Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import type { Answer } from '../support/rule-probes.js';
import {
  ADMIN,
  anthropicAt,
  budgeted,
  geminiAt,
  k,
  messagesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

/** The key's spend once a 200 has settled (nothing to wait for otherwise). */
async function spentAfter(
  { gw, finished }: Awaited<ReturnType<typeof budgeted>>,
  name: string,
  res: Answer,
): Promise<number> {
  if (res.status === 200) await finished.next();
  return (await budgetOf(gw.url, ADMIN, name)).spentUsd;
}

describe('embeddings whose characters are more than a quarter token each', () => {
  // Was: the embeddings reservation was `input.length / 4` (UTF-16 units; budgeter.ts
  // embeddingTokens), the rate pass 5 closed for chat prompts (promptChars weighs each character by
  // its UTF-8 bytes) but not here. 40,000 CJK characters were reserved as 10,000 tokens ($0.10 at
  // $10 per 1M) and billed about 40,000 ($0.40): a key with a $0.15 budget spent $0.40, and
  // every further request that fit its reservation multiplied the overrun.
  it('a CJK embeddings input that cannot fit the budget is refused before the upstream', async () => {
    const up = await startScriptedUpstream((body) => {
      const tokens = [...String(body.input)].length; // about one token per CJK character
      return {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1] }],
        model: body.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    });
    const setup = await budgeted({
      keys: [{ name: 'e', key: k('e6'), budget: { usd: 0.15, period: 'day' } }],
      catalog: { emb: { embeddings: true, contextWindow: 1_000_000, pricing: { input: 10, output: 0 } } } as never,
      providers: [mockProvider('u', up.baseUrl, { models: ['emb'] })],
    });
    const cjk = '東京都の天気予報によると明日は雨が降るでしょう。';
    try {
      const res = await call(`${setup.gw.url}/v1/embeddings`, k('e6'), {
        model: 'emb',
        input: cjk.repeat(Math.ceil(40_000 / cjk.length)),
      });
      const spentUsd = await spentAfter(setup, 'e', res);
      expect({ status: res.status, sent: up.received.length, spentUsd }).toEqual({ status: 402, sent: 0, spentUsd: 0 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('embeddings given as token ids', () => {
  // Was: a tokens-per-minute limit estimated a request from its strings (plugin-models bodyTokens),
  // and an embeddings input of token ids has none: 20,000 tokens as ids were admitted on the
  // 1,024 output tokens reserved by default, under a 5,000 tokens-per-minute limit, as many at
  // once as a caller liked (each settled to its real usage only once answered).
  it('20,000 token ids are refused by a 5,000 tokens-per-minute limit, before the upstream', async () => {
    const up = await startScriptedUpstream(() => ({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1] }],
      model: 'e',
      usage: { prompt_tokens: 20_000, total_tokens: 20_000 },
    }));
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'ids', key: k('ids'), limits: { tokensPerMinute: 5000 } }] },
      },
      providers: [mockProvider('u', up.baseUrl, { models: ['e'] })],
    });
    try {
      const ids = Array.from({ length: 4 }, () => Array.from({ length: 5000 }, (_, i) => i % 50_000));
      const res = await call(`${gw.url}/v1/embeddings`, k('ids'), { model: 'e', input: ids });
      expect({ status: res.status, reached: up.received.length }).toEqual({ status: 429, reached: 0 });
      const few = await call(`${gw.url}/v1/embeddings`, k('ids'), { model: 'e', input: [[1, 2, 3]] });
      expect(few.status, few.text).toBe(200);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('prompts over 200K tokens, billed at the long-context rate', () => {
  // Was: a model's price was one flat rate per token, whatever the prompt's length. Gemini 2.5 Pro
  // bills $2.50 / $15 per 1M (not $1.25 / $10) for the whole request once the prompt passes 200K
  // tokens; Claude Sonnet 4 / 4.5 with `anthropic-beta: context-1m-2025-08-07` (which the Anthropic
  // provider passes on by default, acceptedBetas ["*"]) bills $6 / $22.50 (not $3 / $15) past 200K.
  // The gateway charged the short-prompt rate: a budgeted key spent twice its budget on input,
  // and the spend records, metrics and x-switchyard-cost showed half the bill. The catalogue had no
  // way to say a price by prompt length (models/src/model-info.ts, pricing/src/price.ts).
  /** A Gemini upstream billing every request 300,000 prompt tokens and 1,000 output tokens. */
  const geminiBilling300K = () =>
    startScriptedUpstream(() => ({
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 300_000, candidatesTokenCount: 1000, totalTokenCount: 301_000 },
      modelVersion: 'gemini-2.5-pro',
    }));

  it('Gemini 2.5 Pro: a 300K-token prompt is charged at $2.50 / $15 per 1M', async () => {
    const up = await geminiBilling300K();
    const setup = await budgeted({
      keys: [{ name: 'g', key: k('g6'), budget: { usd: 100, period: 'day' } }],
      catalog: {},
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-pro')],
    });
    try {
      const res = await call(`${setup.gw.url}/v1/chat/completions`, k('g6'), {
        model: 'gemini-2.5-pro',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'long document '.repeat(80_000) }],
      });
      expect(res.status).toBe(200);
      const spentUsd = await spentAfter(setup, 'g', res);
      // Was: $0.385, at the ≤200K rate; now 300,000 × $2.50 + 1,000 × $15 per 1M: $0.765.
      expect(spentUsd).toBeCloseTo(0.765, 6);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('Gemini 2.5 Pro: a budget reserves a prompt estimated past 200K tokens at the long-context rate', async () => {
    // Was: the reservation priced the estimate (280,000 tokens, 1.12M characters) at $1.25 / $10:
    // $0.36 fit a $0.50 budget, and the answer was billed $0.765 (300,000 × $2.50 + 1,000 × $15 per 1M).
    // Now it is reserved at $2.50 / $15: 280,000 × $2.50 + 1,000 × $15 per 1M is $0.715, refused.
    const up = await geminiBilling300K();
    const setup = await budgeted({
      keys: [{ name: 'gr', key: k('gr6'), budget: { usd: 0.5, period: 'day' } }],
      catalog: {},
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-pro')],
    });
    try {
      const res = await call(`${setup.gw.url}/v1/chat/completions`, k('gr6'), {
        model: 'gemini-2.5-pro',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'long document '.repeat(80_000) }],
      });
      const spentUsd = await spentAfter(setup, 'gr', res);
      expect({ status: res.status, sent: up.received.length, spentUsd }).toEqual({ status: 402, sent: 0, spentUsd: 0 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('Claude Sonnet 4.5 with the 1M-context beta: a prompt over 200K tokens is charged at $6 / $22.50 per 1M', async () => {
    // 780,000 characters: 195,000 tokens by the gateway's estimate (under the 200K window it knows),
    // 230,000 by Anthropic's count (English prose runs under 4 characters a token).
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 230_000, output_tokens: 100 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'c', key: k('c6'), budget: { usd: 100, period: 'day' } }],
      catalog: {},
      providers: [{ ...anthropicAt(up.baseUrl), models: ['claude-sonnet-4-5'] }],
    });
    try {
      const res = await call(
        `${setup.gw.url}/v1/messages`,
        k('c6'),
        {
          model: 'claude-sonnet-4-5',
          max_tokens: 100,
          messages: [{ role: 'user', content: 'the quick fox '.repeat(55_715) }],
        },
        { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } },
      );
      expect(res.status).toBe(200);
      expect(up.received[0]?.body.model).toBe('claude-sonnet-4-5');
      const spentUsd = await spentAfter(setup, 'c', res);
      // Was: $0.6915, at the ≤200K rate; now 230,000 × $6 + 100 × $22.50 per 1M: $1.38225.
      expect(spentUsd).toBeCloseTo(1.38225, 6);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('Claude Sonnet 4.5 with the 1M-context beta and web_fetch: input is reserved up to 1M tokens, not the 200K window', async () => {
    // Was: a request that may read input it does not hold (web_fetch) was reserved up to the
    // catalog's window, 200,000 tokens at $3: $0.60 with the output, which a $5 budget holds; with
    // the 1M-context beta Anthropic reads up to 1,000,000 tokens at $6: $6.00. Now it is reserved so.
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 900_000, output_tokens: 100 }),
    );
    const gateway = await budgeted({
      // Six samplings (five fetches and the answer), each reading up to the window.
      keys: [{ name: 'cf', key: k('cf'), budget: { usd: 8, period: 'day' } }],
      catalog: {},
      providers: [{ ...anthropicAt(up.baseUrl), models: ['claude-sonnet-4-5'] }],
    });
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [{ type: 'web_fetch_20250910', name: 'web_fetch', max_uses: 5 }],
      messages: [{ role: 'user', content: 'read the five reports and compare them' }],
    };
    try {
      const beta = await call(`${gateway.gw.url}/v1/messages`, k('cf'), body, {
        headers: { 'anthropic-beta': 'web-fetch-2025-09-10, context-1m-2025-08-07' },
      });
      expect({ status: beta.status, sent: up.received.length }).toEqual({ status: 402, sent: 0 });
      // Without the beta the window is 200K: $7.20 reserved (at the one-hour cache write's $6), which the budget holds.
      expect(await spendOn(gateway, up, 'cf', '/v1/messages', body)).toMatchObject({ status: 200, sent: 1 });
    } finally {
      await gateway.gw.close();
      await up.close();
    }
  });
});
