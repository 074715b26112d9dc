import type { Exchange } from '@switchyard/core';
import type { ChatRequest } from '@switchyard/core/protocol';
import { bodyTokens, estimateChatTokens, inputTokens, sentInputTokens } from '@switchyard/plugin-models/contract';
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

  it('estimates the body as sent: every string but model, metadata and user at the top; 1000 per image', () => {
    const body = {
      model: 'a-model-name-that-is-not-prompt',
      metadata: { note: 'not prompt either' },
      user: 'user-1234',
      system: [{ type: 'text', text: 'abcd' }],
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              content: [{ type: 'search_result', content: [{ type: 'text', text: 'x'.repeat(400) }] }],
            },
            { type: 'image', source: { type: 'base64', data: 'A'.repeat(100_000) } },
          ],
        },
      ],
    };
    // Strings: 'text' 'abcd' 'user' 'tool_result' 'search_result' 'text' + 400 x = 4+4+4+11+13+4+400 = 440 chars.
    expect(bodyTokens(body)).toBe(110 + 1000);
  });

  it('weighs a character past ASCII by its UTF-8 bytes: a CJK character over a token, an emoji more', () => {
    expect(bodyTokens({ input: '東'.repeat(400) })).toBe(500); // 5 characters' worth each: 2 × 3 bytes − 1
    expect(bodyTokens({ input: '🙂'.repeat(100) })).toBe(150); // 2 × 4 bytes − 2 code units
    expect(bodyTokens({ input: 'é'.repeat(400) })).toBe(300);
    expect(bodyTokens({ input: 'a'.repeat(400) }, 2)).toBe(200); // another charsPerToken
  });

  it('reserves the larger of the converted request and the body as sent, once per exchange', () => {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    const left = testExchange({
      request,
      body: { model: 'm', input: [{ type: 'left_out', output: 'y'.repeat(4000) }] },
    });
    expect(inputTokens(left)).toBe(4);
    expect(sentInputTokens(left)).toBe(bodyTokens(left.body));
    const kept = testExchange({ request, body: {} });
    expect(sentInputTokens(kept)).toBe(4);
  });
});

describe('a JSON schema in the body', () => {
  it('counts its property names and numbers, however deep, where other objects count their strings only', () => {
    const name = 'n'.repeat(400);
    // 'object' + the name + 'string': 6 + 400 + 6 characters.
    expect(
      bodyTokens({
        response_format: { json_schema: { schema: { type: 'object', properties: { [name]: { type: 'string' } } } } },
      }),
    ).toBe(Math.ceil((6 + 400 + 6 + 'properties'.length + 'type'.length * 2) / 4));
    expect(bodyTokens({ tools: [{ input_schema: { enum: [1234, 5678] } }] })).toBe(Math.ceil(('enum'.length + 8) / 4));
    // Keys and numbers outside a schema are not prompt: a logit_bias, a field name.
    expect(bodyTokens({ logit_bias: { [name]: 100 }, temperature: 1 })).toBe(0);
    let deep: unknown = { description: 'd'.repeat(400) };
    for (let i = 0; i < 100; i++) deep = { a: deep };
    expect(bodyTokens({ text: { format: { schema: deep } } })).toBe(Math.ceil((100 + 'description'.length + 400) / 4));
  });
});
