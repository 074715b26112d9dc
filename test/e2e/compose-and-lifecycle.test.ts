import { describe, expect, it } from 'vitest';
import { composeGateway } from '@switchyard/example-compose-in-code';
import { startMockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';

const chat = (model: string, stream = false) => JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] });

describe('examples/compose-in-code', () => {
  it('routes by model prefix and applies its custom beforeRoute policy', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    const gateway = await composeGateway(up.baseUrl, 'sk-compose-0123456789');
    const { url } = await gateway.listen({ port: 0 });
    try {
      const refused = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat('gpt-4o-mini') });
      expect(refused.status).toBe(403);
      expect((await refused.json()).error.message).toBe('send an x-team header');
      const served = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: chat('gpt-4o-mini'), headers: { 'content-type': 'application/json', 'x-team': 'search' } });
      expect((await served.json()).choices[0].message.content).toBe('up: hi');
      expect(up.requests).toHaveLength(1);
    } finally {
      await gateway.close();
      await up.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight stream finish, refuses new connections and reports draining', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    const gw = await startGateway({ providers: [mockProvider('a', up.baseUrl, { models: ['m'] })] });
    up.queueFault({ kind: 'streamDelay', firstChunkMs: 300 });
    const inFlight = fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat('m', true) }).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 100));
    const closing = gw.close();
    expect(gw.gateway.draining).toBe(true);
    const text = await inFlight;
    expect(text).toContain('data: [DONE]');
    await closing;
    await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
    await up.close();
  });
});
