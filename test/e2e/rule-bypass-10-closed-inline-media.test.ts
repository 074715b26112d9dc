/**
 * A hole the tenth rule-bypass pass closed: an image part holding a data URL of another kind (a
 * text file, a video) was reserved as an image, a flat 1,000 tokens, its bytes never weighed; a
 * video in a file part was reserved by its bytes. A Gemini upstream is sent either as `inlineData`
 * of the type the URL names and reads it whole: a megabyte of text is some 250,000 input tokens, and
 * a video is billed by its length (263 tokens a second), whatever its size. Budgets and tokens per
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
        else if (inline?.mimeType?.startsWith('video/')) prompt += VIDEO_TOKENS;
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
/**
 * A video Gemini bills by its length, not its bytes (263 tokens a second): ten minutes of a still
 * frame take a few kilobytes, and 157,800 tokens, $0.047 at $0.30 per 1M.
 */
const VIDEO_TOKENS = 600 * 263;
/** A short video file (its bytes stand for one: the upstream bills by length). */
const VIDEO_FILE = `data:video/mp4;base64,${Buffer.from('\0'.repeat(4000)).toString('base64')}`;
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

describe('an image or file part holding inline data billed by more than its bytes', () => {
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

  it.each([
    ['a Chat file part', '/v1/chat/completions', { type: 'file', file: { file_data: VIDEO_FILE } }],
    ['a Chat image_url', '/v1/chat/completions', { type: 'image_url', image_url: { url: VIDEO_FILE } }],
    ['a Responses input_file', '/v1/responses', { type: 'input_file', filename: 'a.mp4', file_data: VIDEO_FILE }],
    [
      'an Anthropic document',
      '/v1/messages',
      { type: 'document', source: { type: 'base64', media_type: 'video/mp4', data: VIDEO_FILE.split(',')[1]! } },
    ],
  ] as const)('%s holding a video: reserved up to the window, not by its bytes', async (_, path, part) => {
    const up = await startGeminiReadingInline();
    const setup = await budgeted({
      keys: [{ name: 'vid10', key: k('vid10'), budget: { usd: 0.02, period: 'day' } }],
      catalog,
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
    });
    try {
      const content = [{ type: 'text', text: 'what happens in it?' }, part];
      const body = path.endsWith('/messages')
        ? { model: 'gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content }] }
        : path.endsWith('/responses')
          ? {
              model: 'gemini-2.5-flash',
              max_output_tokens: 100,
              input: [{ role: 'user', content: [{ type: 'input_text', text: 'what happens in it?' }, part] }],
            }
          : {
              model: 'gemini-2.5-flash',
              max_tokens: 100,
              messages: [{ role: 'user', content: [{ type: 'text', text: 'what happens in it?' }, part] }],
            };
      // Was: 200, reserved by its 5,336 characters of base64 (some $0.0004), charged $0.047 of $0.02.
      const refused = await spendOn(setup, up, 'vid10', path, body);
      expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
        status: 402,
        sent: 0,
        spentUsd: 0,
      });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

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
