/**
 * A hole the eleventh rule-bypass pass closed: an inline PDF is reserved by its pages (the seventh
 * pass) when it is a `data:application/pdf;base64,` URL, but a data URL may carry media type
 * parameters (`data:application/pdf;name=report.pdf;base64,…`), which the conversions for Gemini
 * (inlineData) and Bedrock Converse (a document block) take all the same: the upstream read every
 * page, while budgets and tokens per minute reserved the part as one image (1,000 tokens) in an
 * image part, or by its bytes in a file part. Such a PDF is counted by its pages now. Each refusal
 * failed before the fix (200, the PDF sent).
 */
import { describe, expect, it } from 'vitest';
import { budgeted, geminiAt, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';
import { pdfBase64 } from '../support/pdf.js';

/** A 100-page PDF as a data URL with a `name` parameter. */
const NAMED_PDF = `data:application/pdf;name=report.pdf;base64,${pdfBase64(100)}`;

const chatWith = (part: Record<string, unknown>) => ({
  model: 'gemini-2.5-flash',
  max_tokens: 100,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'sum it up' }, part] }],
});

describe('a PDF data URL with a media type parameter, to a Gemini target', () => {
  it('is reserved by its pages: a budget without room for them refuses it, as an image part or a file part', async () => {
    const up = await startScriptedUpstream(() => ({
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 25_800, candidatesTokenCount: 1, totalTokenCount: 25_801 },
      modelVersion: 'gemini-2.5-flash',
    }));
    const setup = await budgeted({
      keys: [{ name: 'pdfp11', key: k('pdfp11'), budget: { usd: 0.05, period: 'day' } }],
      catalog: {
        'gemini-2.5-flash': { pricing: { input: 0.3, output: 2.5 }, contextWindow: 1_048_576, maxOutputTokens: 65_536 },
      },
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
    });
    try {
      // 100 pages: 450,000 tokens reserved ($0.135), past the $0.05 budget. Was 200: the image part
      // reserved as one image, the file part by its 9 KB; Gemini read all 100 pages.
      for (const part of [
        { type: 'image_url', image_url: { url: NAMED_PDF } },
        { type: 'file', file: { file_data: NAMED_PDF } },
      ]) {
        const refused = await spendOn(setup, up, 'pdfp11', '/v1/chat/completions', chatWith(part));
        expect({ part: part.type, status: refused.status, sent: refused.sent }).toEqual({
          part: part.type,
          status: 402,
          sent: 0,
        });
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
