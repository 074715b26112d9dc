/**
 * A hole the tenth rule-bypass pass closed: an image URL without an image's extension, sent to a
 * model spoken to in Gemini's protocol, is read as whatever file it serves (`fileData`: a video, a
 * PDF), so budgets reserve it up to the context window there (the sixth pass). Tokens per minute
 * counted it as an image, 1,000 tokens, whatever the target: a burst of such requests passed the
 * limit, then settled at what Gemini read (an hour of video is a million tokens). It counts the
 * window now when the requested name resolves to such a target, as budgets reserve it. The refusal
 * failed before the fix (200, the request sent).
 */
import { describe, expect, it } from 'vitest';
import { budgeted, chatAnswer, geminiAt, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

/** A URL with no image extension: the gateway never fetches it; Gemini reads what it serves. */
const CLIP = 'https://media.example.test/watch/clip';

const withImage = (model: string, url: string, maxTokens = 100) => ({
  model,
  max_tokens: maxTokens,
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'what is in it?' },
        { type: 'image_url', image_url: { url } },
      ],
    },
  ],
});

describe('an image URL of unknown kind, against tokens per minute', () => {
  it('to a Gemini target: counts the window, so it runs alone in its minute; to an OpenAI target, an image', async () => {
    // Gemini bills what the URL served: an hour of video.
    const up = await startScriptedUpstream((body, path) => {
      if (!path.includes(':generateContent'))
        return chatAnswer(body.model, { prompt_tokens: 1010, completion_tokens: 1 });
      const video = JSON.stringify(body.contents).includes('fileData');
      const prompt = video ? 946_800 : 10;
      return {
        candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: 1, totalTokenCount: prompt + 1 },
        modelVersion: 'gemini-2.5-flash',
      };
    });
    const window = { contextWindow: 1_048_576, maxOutputTokens: 65_536 };
    const setup = await budgeted({
      keys: [
        { name: 'url10', key: k('url10'), limits: { tokensPerMinute: 100_000 } },
        { name: 'urlo10', key: k('urlo10'), limits: { tokensPerMinute: 100_000 } },
      ],
      catalog: { 'gemini-2.5-flash': window, 'gpt-4o': window },
      providers: [
        geminiAt(up.baseUrl, 'gemini-2.5-flash'),
        { name: 'o', type: 'openai', baseUrl: up.baseUrl, apiKey: 'test-key', models: ['gpt-4o'] },
      ],
    });
    try {
      const plain = { model: 'gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
      expect(await spendOn(setup, up, 'url10', '/v1/chat/completions', plain)).toMatchObject({ status: 200, sent: 1 });
      // Was: 200, counted as a 1,000-token image next to the first request; Gemini read 946,800 tokens.
      const refused = await spendOn(setup, up, 'url10', '/v1/chat/completions', withImage('gemini-2.5-flash', CLIP));
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 429, sent: 1 });
      expect(refused.message).toContain("this request may read up to its model's context window");
      // OpenAI reads an image URL as an image, whatever it ends with: counted as one, twice in a minute.
      for (const sent of [2, 3])
        expect(await spendOn(setup, up, 'urlo10', '/v1/chat/completions', withImage('gpt-4o', CLIP))).toMatchObject({
          status: 200,
          sent,
        });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
