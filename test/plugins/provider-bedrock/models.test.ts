import { describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES, models } from '@switchyard/plugin-models';
import { bedrock } from '@switchyard/provider-bedrock';

/** What the plugin tells the gateway of Bedrock's models, and how an instance without a list serves them. */
describe('Bedrock models', () => {
  it('adds Claude and Nova ids (in-region, geographic and global profiles) to the model table, with list prices', async () => {
    const gateway = await createGateway({
      plugins: [models(), bedrock()],
      logger: createLogger({ level: 'silent' }),
      config: { providers: [] },
    });
    try {
      const info = (model: string) => gateway.need(MODEL_INFO).lookup(model);
      expect(info('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toMatchObject({
        contextWindow: 200_000,
        maxOutputTokens: 64_000,
        vision: true,
        tools: true,
        pricing: { input: 3, output: 15, cachedRead: 0.3, cacheWrite: 3.75 },
      });
      // From Claude 4.5 on, regional endpoints cost 10% more than the global profile, past 200K prompt tokens too.
      expect(info('anthropic.claude-sonnet-4-5-20250929-v1:0')?.pricing).toEqual({
        input: 3.3,
        output: 16.5,
        cachedRead: 0.33,
        cacheWrite: 4.125,
        cacheWrite1h: 6.6,
        longContext: {
          above: 200_000,
          input: 6.6,
          output: 24.75,
          cachedRead: 0.66,
          cacheWrite: 8.25,
          cacheWrite1h: 13.2,
        },
      });
      expect(info('us.anthropic.claude-sonnet-4-5-20250929-v1:0')?.pricing?.input).toBe(3.3);
      expect(info('eu.anthropic.claude-3-5-haiku-20241022-v1:0')).toMatchObject({
        maxOutputTokens: 8192,
        pricing: { input: 0.8, output: 4 },
      });
      expect(
        info('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0')?.maxOutputTokens,
      ).toBe(8192);
      expect(info('amazon.nova-pro-v1:0')).toMatchObject({
        contextWindow: 300_000,
        vision: true,
        pricing: { input: 0.8, output: 3.2 },
      });
      expect(info('amazon.nova-micro-v1:0')?.vision).toBe(false);
      expect(info('global.anthropic.claude-3-haiku-20240307-v1:0')).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it("serves, without a model list, the ids of Bedrock's model providers and inference profiles", async () => {
    const gateway = await createGateway({
      plugins: [models(), bedrock()],
      logger: createLogger({ level: 'silent' }),
      config: {
        providers: [
          {
            name: 'br',
            type: 'bedrock',
            baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com',
            apiKey: 'bedrock-api-key',
          },
          {
            name: 'listed',
            type: 'bedrock',
            baseUrl: 'https://bedrock-runtime.eu-west-1.amazonaws.com',
            apiKey: 'bedrock-api-key',
            models: ['amazon.nova-lite-v1:0'],
          },
        ],
      },
    });
    try {
      const ids = (model: string) =>
        gateway
          .need(MODEL_ROUTES)
          .resolver.resolve(model)
          .map((t) => `${t.id} ${t.rule}`);
      expect(ids('anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual([
        'br/anthropic.claude-sonnet-4-5-20250929-v1:0 prefix',
      ]);
      expect(ids('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual([
        'br/us.anthropic.claude-sonnet-4-5-20250929-v1:0 prefix',
      ]);
      expect(ids('br/mistral.mistral-large-2407-v1:0')).toEqual(['br/mistral.mistral-large-2407-v1:0 instance']);
      expect(ids('amazon.nova-lite-v1:0')).toEqual(['listed/amazon.nova-lite-v1:0 listed']);
      expect(ids('listed/amazon.nova-pro-v1:0')).toEqual([]);
      expect(ids('gpt-4o')).toEqual([]);
    } finally {
      await gateway.close();
    }
  });
});
