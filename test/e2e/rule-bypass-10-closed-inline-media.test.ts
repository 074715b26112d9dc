/**
 * A hole the tenth rule-bypass pass closed: an image part holding a data URL of another kind (a
 * text file, a video) was reserved as an image, a flat 1,000 tokens, its bytes never weighed. A
 * Gemini upstream is sent it as `inlineData` of the type the URL names and reads it whole: a
 * megabyte of text is some 250,000 input tokens, an hour of video a million. Budgets and tokens per
 * minute now count such a part as input the upstream reads whole, up to the model's context window,
 * as a document given by URL. Each refusal failed before the fix (200, the part sent upstream).
 */
import { describe, expect, it } from 'vitest';
import { budgeted, geminiAt, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

/** A Gemini upstream billing an inline text file by its characters / 4, images 258 tokens, as Gemini does. */
function startGeminiReadingInline() {
  return startScriptedUpstream((body) => {
    let prompt = 0;
    for (const content of body.contents ?? [])
      for (const part of content.parts ?? []) {
        if (typeof part.text === 'string') prompt += Math.ceil(part.text.length / 4);
        const inline = part.inlineData;
        if (inline?.mimeType?.startsWith('text/'))
          prompt += Math.ceil(Buffer.from(inline.data, 'base64').toString('utf8').length / 4);
        else if (inline) prompt += 258;
      }
    return {
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: 1, totalTokenCount: prompt + 1 },
      modelVersion: 'gemini-2.5-flash',
    };
  });
}

/** 1,000,000 characters of text: 250,000 tokens, $0.075 at $0.30 per 1M. */
const TEXT_FILE = `data:text/plain;base64,${Buffer.from('lorem ipsum '.repeat(83_334)).toString('base64')}`;
/** A 1×1 PNG. */
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const catalog = {
  'gemini-2.5-flash': { pricing: { input: 0.3, output: 2.5 }, contextWindow: 1_048_576, maxOutputTokens: 65_536 },
};

/** A Chat request holding `url` in an image part, to gemini-2.5-flash. */
const chatWith = (url: string) => ({
  model: 'gemini-2.5-flash',
  max_tokens: 100,
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'what does it say?' },
        { type: 'image_url', image_url: { url } },
      ],
    },
  ],
});

/** The same as an Anthropic Messages request, its image block's media type the URL's. */
const messagesWith = (mediaType: string, data: string) => ({
  model: 'gemini-2.5-flash',
  max_tokens: 100,
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'what does it say?' },
        { type: 'image', source: { type: 'base64', media_type: mediaType, data } },
      ],
    },
  ],
});

describe('an image part holding a data URL that is no image', () => {
  it.each([
    ['a Chat image_url', '/v1/chat/completions', chatWith(TEXT_FILE)],
    [
      'a Responses input_image',
      '/v1/responses',
      {
        model: 'gemini-2.5-flash',
        max_output_tokens: 100,
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'what does it say?' },
              { type: 'input_image', image_url: TEXT_FILE },
            ],
          },
        ],
      },
    ],
    ['an Anthropic image block', '/v1/messages', messagesWith('text/plain', TEXT_FILE.split(',')[1]!)],
  ] as const)(
    '%s of a text file: a budget without room for the window refuses it before Gemini',
    async (_, path, body) => {
      const up = await startGeminiReadingInline();
      const setup = await budgeted({
        keys: [{ name: 'inl10', key: k('inl10'), budget: { usd: 0.05, period: 'day' } }],
        catalog,
        providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
      });
      try {
        // Was: 200, reserved as a 1,000-token image ($0.0006), charged $0.075 of the $0.05 budget.
        const refused = await spendOn(setup, up, 'inl10', path, body);
        expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
          status: 402,
          sent: 0,
          spentUsd: 0,
        });
        // A real image is still an image: it fits.
        const image = await spendOn(setup, up, 'inl10', '/v1/chat/completions', chatWith(PNG));
        expect(image).toMatchObject({ status: 200, sent: 1 });
        expect(image.spentUsd).toBeLessThan(0.001);
      } finally {
        await setup.gw.close();
        await up.close();
      }
    },
  );

  it('tokens per minute: counted up to the window, so it runs alone in its minute', async () => {
    const up = await startGeminiReadingInline();
    const setup = await budgeted({
      keys: [{ name: 'tpmi10', key: k('tpmi10'), limits: { tokensPerMinute: 100_000 } }],
      catalog,
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
    });
    try {
      expect(await spendOn(setup, up, 'tpmi10', '/v1/chat/completions', chatWith(PNG))).toMatchObject({
        status: 200,
        sent: 1,
      });
      // Was: 200, counted as a 1,000-token image next to the first request; Gemini read 250,000 tokens.
      const refused = await spendOn(setup, up, 'tpmi10', '/v1/chat/completions', chatWith(TEXT_FILE));
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 429, sent: 1 });
      expect(refused.message).toContain("this request may read up to its model's context window");
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
