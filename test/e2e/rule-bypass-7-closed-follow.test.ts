/**
 * Inline PDFs whose objects are packed in compressed object streams (the default of many PDF
 * writers since PDF 1.5), whose pages the seventh rule-bypass pass left uncounted: budgets
 * reserved them up to the whole context window (refusing ordinary requests of small budgets),
 * rate limits counted them by their bytes (a way around tokens per minute). Their object streams
 * are inflated and their pages counted; a PDF whose pages still cannot be counted (encrypted)
 * counts the whole context window per minute, as budgets reserve it. Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { pdfBase64 } from '../support/pdf.js';
import { anthropicAt, budgeted, k, messagesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

/** An Anthropic document of a PDF given inline, with a question. */
const documentAsk = (data: string, model = 'm') => ({
  model,
  max_tokens: 100,
  messages: [
    {
      role: 'user',
      content: [
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data } },
        { type: 'text', text: 'sum it up' },
      ],
    },
  ],
});

describe('an inline PDF whose objects are packed in compressed object streams', () => {
  it('budgets: reserved by its pages, not up to a 1M-token window', async () => {
    // Was: 402 for ten pages, reserved as the whole 1M window ($3 at $3 per 1M) against a $0.30 budget.
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 45_000, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'pk', key: k('pk'), budget: { usd: 0.3, period: 'day' } }],
      catalog: { m: { pricing: { input: 3, output: 15 }, contextWindow: 1_000_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      // Ten pages, 45,000 tokens ($0.135 with the output): within the budget.
      const ten = await spendOn(setup, up, 'pk', '/v1/messages', documentAsk(pdfBase64(10, { objectStreams: true })));
      expect({ status: ten.status, sent: ten.sent }).toEqual({ status: 200, sent: 1 });
      // A hundred pages, 450,000 tokens ($1.35): past it. An encrypted one, up to the window: past it too.
      for (const data of [
        pdfBase64(100, { objectStreams: true }),
        pdfBase64(2, { objectStreams: true, encrypted: true }),
      ]) {
        const refused = await spendOn(setup, up, 'pk', '/v1/messages', documentAsk(data));
        expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 402, sent: 1 });
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  /** A gateway whose keys `tpm` and `wide` may use 100,000 and 300,000 tokens a minute, on a model of a 200,000-token window. */
  async function perMinute() {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 10, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [
        { name: 'tpm', key: k('tpm'), limits: { tokensPerMinute: 100_000 } },
        { name: 'wide', key: k('wide'), limits: { tokensPerMinute: 300_000 } },
      ],
      catalog: { m: { pricing: { input: 3, output: 15 }, contextWindow: 200_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    return { up, setup, close: async () => (await setup.gw.close(), await up.close()) };
  }

  it('tokens per minute: counted by its pages', async () => {
    // Was: 200, counted by its bytes (some 2,000 tokens) against a 100,000-token minute.
    const { up, setup, close } = await perMinute();
    try {
      const hundred = documentAsk(pdfBase64(100, { objectStreams: true })); // 450,000 tokens
      const refused = await spendOn(setup, up, 'tpm', '/v1/messages', hundred);
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 429, sent: 0 });
      expect(refused.message).toContain('needs 450100 tokens per minute, more than the limit of 100000');
      const ten = documentAsk(pdfBase64(10, { objectStreams: true })); // 45,000 tokens
      expect(await spendOn(setup, up, 'tpm', '/v1/messages', ten)).toMatchObject({ status: 200 });
    } finally {
      await close();
    }
  });

  it('tokens per minute: one whose pages cannot be counted (encrypted) counts the whole context window', async () => {
    // Was: 200, counted by its bytes, though the upstream may read up to the window.
    const { up, setup, close } = await perMinute();
    try {
      const encrypted = documentAsk(pdfBase64(2, { objectStreams: true, encrypted: true }));
      const refused = await spendOn(setup, up, 'tpm', '/v1/messages', encrypted);
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 429, sent: 0 });
      expect(refused.message).toContain('needs 200100 tokens per minute, more than the limit of 100000');
      // The window and the output fit a 300,000-token minute.
      expect(await spendOn(setup, up, 'wide', '/v1/messages', encrypted)).toMatchObject({ status: 200, sent: 1 });
    } finally {
      await close();
    }
  });
});
