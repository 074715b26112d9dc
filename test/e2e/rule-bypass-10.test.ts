/**
 * Rule-bypass probes, tenth pass: ways around a rule that held. Each assertion fails if its rule
 * breaks. The holes this pass closed are in rule-bypass-10-closed-*.test.ts (an output limit left
 * unset under tokens per minute; inline data billed by more than its bytes; image URLs of unknown
 * kind to Gemini under tokens per minute; models a hosted tool runs, outside a key's model list).
 */
import { describe, expect, it } from 'vitest';
import { budgeted, geminiAt, k, responsesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

/** A Gemini upstream answering every generateContent with this prompt usage. */
function startGemini(promptTokens = 10) {
  return startScriptedUpstream(() => ({
    candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: 1, totalTokenCount: promptTokens + 1 },
    modelVersion: 'gemini-2.5-flash',
  }));
}

const flash = {
  'gemini-2.5-flash': { pricing: { input: 0.3, output: 2.5 }, contextWindow: 1_048_576, maxOutputTokens: 65_536 },
};

/** 1,000,000 characters of text as a data URL: some 250,000 tokens read. */
const TEXT_FILE = `data:text/plain;base64,${Buffer.from('lorem ipsum '.repeat(83_334)).toString('base64')}`;

const chatWith = (part: Record<string, unknown>) => ({
  model: 'gemini-2.5-flash',
  max_tokens: 100,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'what does it say?' }, part] }],
});

describe('a text file given inline in a file part', () => {
  it('is reserved by its size: a budget without room for it refuses it before Gemini', async () => {
    const up = await startGemini();
    const setup = await budgeted({
      keys: [{ name: 'txt10', key: k('txt10'), budget: { usd: 0.05, period: 'day' } }],
      catalog: flash,
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
    });
    try {
      const file = { type: 'file', file: { filename: 'notes.txt', file_data: TEXT_FILE } };
      const refused = await spendOn(setup, up, 'txt10', '/v1/chat/completions', chatWith(file));
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
});

describe('a data URL spelled in capitals in an image part', () => {
  it('reaches Gemini as no file: dropped with a warning, nothing read beyond the text', async () => {
    const up = await startGemini();
    const setup = await budgeted({
      keys: [{ name: 'cap10', key: k('cap10'), budget: { usd: 1, period: 'day' } }],
      catalog: flash,
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
    });
    try {
      const url = `DATA:TEXT/PLAIN;BASE64,${Buffer.from('secret plans').toString('base64')}`;
      const res = await spendOn(
        setup,
        up,
        'cap10',
        '/v1/chat/completions',
        chatWith({ type: 'image_url', image_url: { url } }),
      );
      expect(res.status).toBe(200);
      const sent = JSON.stringify(up.received[0]!.body);
      expect(sent).not.toContain('inlineData');
      expect(sent).not.toContain('fileData');
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('a hosted image generation tool naming its own model', () => {
  it('is refused for a budgeted key before the upstream: its images have no price', async () => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, [], { input_tokens: 10, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'img10', key: k('img10'), budget: { usd: 5, period: 'day' } }],
      catalog: { 'gpt-4o-mini': { pricing: { input: 0.15, output: 0.6 }, contextWindow: 128_000 } },
      providers: [
        {
          name: 'o',
          type: 'openai',
          baseUrl: up.baseUrl,
          apiKey: 'test-key',
          models: ['gpt-4o-mini'],
          responsesApi: true,
        },
      ],
    });
    try {
      const body = {
        model: 'gpt-4o-mini',
        max_output_tokens: 100,
        input: 'draw a lighthouse',
        tools: [{ type: 'image_generation', model: 'gpt-image-1', quality: 'high', size: '1536x1024' }],
      };
      const refused = await spendOn(setup, up, 'img10', '/v1/responses', body);
      expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
        status: 400,
        sent: 0,
        spentUsd: 0,
      });
      expect(refused.message).toContain('image_generation tool');
      // Without the tool the same request is answered.
      const { tools: _tools, ...plain } = body;
      expect(await spendOn(setup, up, 'img10', '/v1/responses', plain)).toMatchObject({ status: 200, sent: 1 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
