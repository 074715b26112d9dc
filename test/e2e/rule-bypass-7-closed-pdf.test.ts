/**
 * Inline PDFs reserved (budgets) and counted (tokens per minute) by their size in bytes, found by
 * the seventh rule-bypass pass, closed: an
 * upstream bills a PDF by its pages (Anthropic some 1,500 to 3,000 text tokens and an image a page,
 * Gemini 258), and a page of a PDF can take a few dozen bytes. Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import {
  anthropicAt,
  budgeted,
  chatAnswer,
  k,
  messagesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';
import { pdfBase64, documentAsk } from '../support/pdf.js';

/** A PDF of `pages` blank letter pages, base64. */
function blankPdf(pages: number): string {
  const kids = Array.from({ length: pages }, (_, i) => `${i + 3} 0 R`).join(' ');
  let pdf = `%PDF-1.5\n1 0 obj<</Type /Catalog /Pages 2 0 R>>endobj\n2 0 obj<</Type /Pages /Count ${pages} /Kids [${kids}]>>endobj\n`;
  for (let i = 0; i < pages; i++) pdf += `${i + 3} 0 obj<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]>>endobj\n`;
  return Buffer.from(`${pdf}trailer<</Root 1 0 R>>\n%%EOF\n`).toString('base64');
}

const catalog = { m: { pricing: { input: 3, output: 15 }, contextWindow: 200_000, maxOutputTokens: 4000 } };

describe('a PDF given inline', () => {
  // Was: 100 blank pages, 8 KB of base64, reserved as some 2,000 tokens ($0.0075 with the output)
  // and admitted by a $0.30 budget; the upstream billed 160,000 input tokens ($0.48).
  it('Anthropic document: reserved by its pages (up to the window), refused when they do not fit the budget', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 160_000, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'pdf', key: k('pdf'), budget: { usd: 0.3, period: 'day' } }],
      catalog,
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      // An encrypted object stream hides its pages: reserved up to the window.
      for (const data of [blankPdf(100), pdfBase64(10, { objectStreams: true, encrypted: true })]) {
        const refused = await spendOn(setup, up, 'pdf', '/v1/messages', documentAsk(data));
        expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 402, sent: 0 });
      }
      // Ten countable pages: 45,000 tokens reserved ($0.135 with the output), which the budget holds.
      expect(await spendOn(setup, up, 'pdf', '/v1/messages', documentAsk(blankPdf(10)))).toMatchObject({
        status: 200,
        sent: 1,
      });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('a Chat file part or image_url, or a Responses input_file, holding a PDF data URL: reserved by its pages too', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 160_000, completion_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'pdfc', key: k('pdfc'), budget: { usd: 0.3, period: 'day' } }],
      catalog,
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    const url = `data:application/pdf;base64,${blankPdf(100)}`;
    try {
      const asks = [
        ...[
          { type: 'file', file: { filename: 'blank.pdf', file_data: url } },
          { type: 'image_url', image_url: { url } },
        ].map((part) => ({
          path: '/v1/chat/completions',
          body: { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: [part] }] },
        })),
        {
          path: '/v1/responses',
          body: {
            model: 'm',
            max_output_tokens: 100,
            input: [{ role: 'user', content: [{ type: 'input_file', filename: 'blank.pdf', file_data: url }] }],
          },
        },
      ];
      for (const { path, body } of asks) {
        const refused = await spendOn(setup, up, 'pdfc', path, body);
        expect({ path, status: refused.status, sent: refused.sent }).toEqual({ path, status: 402, sent: 0 });
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('tokens per minute: counted by its pages at admission, refused when they do not fit the minute', async () => {
    // Was: admitted as some 2,100 tokens against a 50,000-token minute; the upstream counted 160,000.
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 160_000, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'tpm', key: k('tpm'), limits: { tokensPerMinute: 50_000 } }],
      catalog,
      providers: [anthropicAt(up.baseUrl)],
    });
    const ask = (pages: number) => ({
      model: 'm',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: blankPdf(pages) } },
          ],
        },
      ],
    });
    try {
      const refused = await spendOn(setup, up, 'tpm', '/v1/messages', ask(100));
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 429, sent: 0 });
      // Ten pages, 45,000 tokens: within the minute.
      expect(await spendOn(setup, up, 'tpm', '/v1/messages', ask(10))).toMatchObject({ status: 200, sent: 1 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
