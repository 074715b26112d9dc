import type { Exchange } from '@switchyard/core';
import type { ChatRequest } from '@switchyard/core/protocol';
import { estimateChatTokens, inputTokens } from '@switchyard/plugin-models/contract';
import { describe, expect, it } from 'vitest';
import { testExchange } from '../../support/exchange.js';

function exchange(request: ChatRequest | undefined): Exchange {
  return testExchange(request ? { request } : {});
}

describe('input-token estimates', () => {
  it('counts characters / 4, 3 per message, 1000 per image, tools and tool calls', () => {
    expect(estimateChatTokens({ model: 'm', messages: [{ role: 'user', content: 'abcdefgh' }] })).toBe(2 + 3);
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } } as const;
    expect(
      estimateChatTokens({
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'abcd' }, image] }],
      }),
    ).toBe(1 + 3 + 1000);
    const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object' } } } as const;
    const withTool = estimateChatTokens({ model: 'm', messages: [{ role: 'user', content: '' }], tools: [tool] });
    expect(withTool).toBe(Math.ceil(JSON.stringify([tool]).length / 4) + 3);
  });

  it('is computed once per exchange, and is 0 without a canonical request', () => {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'abcdefgh' }] };
    const x = exchange(request);
    expect(inputTokens(x)).toBe(5);
    request.messages.push({ role: 'user', content: 'a much longer message that is not counted again' });
    expect(inputTokens(x)).toBe(5);
    expect(inputTokens(exchange(undefined))).toBe(0);
  });
});
