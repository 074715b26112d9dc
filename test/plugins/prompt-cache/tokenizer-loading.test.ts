import { describe, expect, it } from 'vitest';
import { TokenCounter } from '@switchyard/plugin-prompt-cache';
import { startMockOpenAI } from '../../support/mock-openai.js';
import { mockProvider, startGateway } from '../../support/gateway.js';

// One file on its own: whether the tokenizer is loaded is process-wide state.
describe('tokenizer loading', () => {
  it('is not loaded by a gateway without Anthropic targets, and is loaded at start by one with them', async () => {
    const upstream = await startMockOpenAI();
    const openaiOnly = await startGateway({
      providers: [mockProvider('u', upstream.baseUrl, { models: ['gpt-4o-mini'] })],
    });
    try {
      const res = await fetch(`${openaiOnly.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect(TokenCounter.loaded).toBe(false);
    } finally {
      await openaiOnly.close();
    }
    const withAnthropic = await startGateway({
      providers: [
        {
          name: 'ant',
          type: 'anthropic',
          baseUrl: upstream.origin,
          apiKey: 'ant-test-key-0123456789',
          models: ['claude-sonnet-4-5'],
        },
      ],
    });
    try {
      expect(TokenCounter.loaded).toBe(true);
      expect(new TokenCounter(8).count('one two three')).toBeGreaterThan(0);
    } finally {
      await withAnthropic.close();
      await upstream.close();
    }
  });
});
