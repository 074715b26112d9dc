/**
 * An image part whose URL has no image's extension (`https://host/clip`), sent to Gemini: the
 * Gemini provider turns it into fileData with no media type, and Gemini reads whatever the URL
 * serves — a video or a PDF of up to a million tokens. The budget used to reserve it as an image
 * (about a thousand tokens). Now, on a target whose upstream reads any file by URL, such a request
 * is reserved up to the model's context window; an image URL with an image's extension, and any
 * image URL sent to an upstream that reads images only (OpenAI), are reserved as images.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { budgeted, chatAnswer, geminiAt, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

/** A Gemini (or OpenAI-compatible) upstream billing every request 900,000 input tokens: a long video. */
const billingAVideo = () =>
  startScriptedUpstream((body, path) =>
    path.includes(':generateContent')
      ? {
          candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: 900_000, candidatesTokenCount: 10, totalTokenCount: 900_010 },
          modelVersion: 'm',
        }
      : chatAnswer(body.model, { prompt_tokens: 900_000, completion_tokens: 10 }),
  );

async function askAbout(url: string, on: 'gemini' | 'openai', contextWindow?: number) {
  const up = await billingAVideo();
  const gateway = await budgeted({
    keys: [{ name: 'urls7', key: k('urls7'), budget: { usd: 0.05, period: 'day' } }],
    catalog: {
      m: { pricing: { input: 0.3, output: 2.5 }, maxOutputTokens: 8000, ...(contextWindow ? { contextWindow } : {}) },
    },
    providers: [on === 'gemini' ? geminiAt(up.baseUrl, 'm') : mockProvider('o', up.baseUrl, { models: ['m'] })],
  });
  try {
    return await spendOn(gateway, up, 'urls7', '/v1/chat/completions', {
      model: 'm',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url } },
            { type: 'text', text: 'what happens in it?' },
          ],
        },
      ],
    });
  } finally {
    await gateway.gw.close();
    await up.close();
  }
}

describe('an image URL of unknown kind, on an upstream that reads any file by URL', () => {
  it('to Gemini: reserved up to the context window, so a $0.05 budget refuses it ($0.30 at 1M tokens)', async () => {
    // Was: reserved ~1,000 tokens as an image, sent, and billed $0.27 on the $0.05 budget.
    const seen = await askAbout('https://media.example.invalid/v/8f2a', 'gemini', 1_000_000);
    expect(seen).toMatchObject({ status: 402, sent: 0, spentUsd: 0 });
  });

  it('to Gemini, on a model whose context window is unknown: refused as unpriced, naming why', async () => {
    const seen = await askAbout('https://media.example.invalid/v/8f2a', 'gemini');
    expect(seen).toMatchObject({ status: 400, sent: 0, spentUsd: 0 });
    expect(seen.message).toMatch(/no context window known for g\/m: .*an image URL without an image's extension/);
  });

  it("to Gemini with an image's extension, and to OpenAI without one: reserved as an image and sent", async () => {
    for (const [url, on] of [
      ['https://media.example.invalid/photos/cat.JPG?w=800', 'gemini'],
      ['https://media.example.invalid/v/8f2a', 'openai'],
    ] as const) {
      const seen = await askAbout(url, on, 1_000_000);
      expect({ url, on, status: seen.status, sent: seen.sent }).toEqual({ url, on, status: 200, sent: 1 });
    }
  });
});
