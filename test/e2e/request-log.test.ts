import { describe, expect, it } from 'vitest';
import type { Plugin } from '@switchyard/core';
import { startMockOpenAI } from '../support/mock-openai.js';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';

describe('the request log line', () => {
  it('says, once per request, what was asked, where it went, how it ended and what was dropped', async () => {
    const a = await startMockOpenAI({ name: 'a' });
    const b = await startMockOpenAI({ name: 'b' });
    const { logger, lines } = memoryLogger();
    const warner: Plugin = { name: 'warner', apply: (g) => g.hooks.beforeRoute.tap('warner', (x) => void x.warn('seed dropped')) };
    const gw = await startGateway(
      { plugins: { 'circuit-breaker': false, 'load-balancer': false }, providers: [mockProvider('a', a.baseUrl, { models: ['m'] }), mockProvider('b', b.baseUrl, { models: ['m'], priority: 2 })] },
      { plugins: [warner], logger },
    );
    try {
      a.queueFault({ kind: 'status', status: 500 });
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
      await res.text();
      await new Promise((r) => setImmediate(r));
      const logged = lines.filter((l) => l.msg === 'request');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ requestId: res.headers.get('x-request-id'), model: 'm', target: 'b/m', attempts: 2, status: 200, warnings: ['seed dropped'] });
      expect(JSON.stringify(lines)).not.toContain('sk-upstream-secret');
    } finally {
      await gw.close();
      await a.close();
      await b.close();
    }
  });
});
