import { describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES, models } from '@switchyard/plugin-models';
import { vertex } from '@switchyard/provider-vertex';

/** What the plugin tells the gateway of Vertex AI's models, and how an instance without a list serves them. */
describe('Vertex AI models', () => {
  it('adds Claude on Vertex (model@version) and Gemini 2.5 to the model table; serves gemini- and claude- names without a list', async () => {
    const gateway = await createGateway({
      plugins: [models(), vertex()],
      logger: createLogger({ level: 'silent' }),
      config: {
        providers: [
          {
            name: 'vx',
            type: 'vertex',
            baseUrl: 'https://us-east5-aiplatform.googleapis.com',
            project: 'p',
            location: 'us-east5',
            keyFile: '/nonexistent/key.json',
          },
          {
            name: 'listed',
            type: 'vertex',
            baseUrl: 'https://aiplatform.googleapis.com',
            project: 'p',
            location: 'global',
            keyFile: '/nonexistent/key.json',
            models: ['gemini-2.5-flash'],
          },
        ],
      },
    });
    try {
      expect(gateway.need(MODEL_INFO).lookup('claude-sonnet-4-5@20250929')).toMatchObject({
        contextWindow: 200_000,
        maxOutputTokens: 64_000,
        pricing: { input: 3, output: 15 },
      });
      expect(gateway.need(MODEL_INFO).lookup('claude-3-5-haiku@20241022')?.maxOutputTokens).toBe(8192);
      expect(gateway.need(MODEL_INFO).lookup('gemini-2.5-pro')).toMatchObject({
        contextWindow: 1_048_576,
        pricing: { input: 1.25, output: 10 },
      });
      const ids = (model: string) =>
        gateway
          .need(MODEL_ROUTES)
          .resolver.resolve(model)
          .map((t) => `${t.id} ${t.rule}`);
      expect(ids('claude-opus-4-1@20250805')).toEqual(['vx/claude-opus-4-1@20250805 prefix']);
      expect(ids('gemini-2.5-pro')).toEqual(['vx/gemini-2.5-pro prefix']);
      expect(ids('gemini-2.5-flash')).toEqual(['listed/gemini-2.5-flash listed']);
      expect(ids('listed/claude-opus-4-1@20250805')).toEqual([]);
      expect(ids('anthropic.claude-3-5-haiku-20241022-v1:0')).toEqual([]);
    } finally {
      await gateway.close();
    }
  });
});
