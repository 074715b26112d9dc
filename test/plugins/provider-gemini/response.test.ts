import { describe, expect, it } from 'vitest';
import { classifyGeminiError, fromEmbedContent, fromGenerateContent } from '@switchyard/provider-gemini';
import type { DecodeContext } from '@switchyard/provider-gemini';

function context(): DecodeContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { fallbackId: 'req-1', model: 'gemini-2.5-flash', warn: (w) => warnings.push(w), warnings };
}

describe('fromGenerateContent', () => {
  it('converts text, thoughts and usage (cached and reasoning tokens included)', () => {
    const c = context();
    const completion = fromGenerateContent(
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ text: 'Let me think.', thought: true }, { text: 'Hello' }, { text: ' world' }],
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: {
          promptTokenCount: 10,
          candidatesTokenCount: 5,
          thoughtsTokenCount: 7,
          cachedContentTokenCount: 4,
          totalTokenCount: 22,
        },
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'r-42',
      },
      c,
    );
    expect(completion).toMatchObject({
      id: 'chatcmpl-r-42',
      object: 'chat.completion',
      model: 'gemini-2.5-flash-001',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello world', reasoning_content: 'Let me think.' },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 12,
        total_tokens: 22,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 7 },
      },
    });
    expect(c.warnings).toEqual([]);
  });

  it('turns function calls into tool_calls with ids stable for the same response', () => {
    const body = {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
              { functionCall: { name: 'get_time', args: {} } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      responseId: 'abc',
    };
    const first = fromGenerateContent(body, context());
    const again = fromGenerateContent(body, context());
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message.content).toBeNull();
    expect(message.tool_calls).toEqual([
      { id: 'call_abc_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_abc_1', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    expect(again.choices[0]!.message.tool_calls).toEqual(message.tool_calls);
  });

  it('maps finish reasons', () => {
    const finish = (finishReason: string): unknown =>
      fromGenerateContent({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason }] }, context())
        .choices[0]!.finish_reason;
    expect(finish('STOP')).toBe('stop');
    expect(finish('MAX_TOKENS')).toBe('length');
    for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII'])
      expect(finish(r)).toBe('content_filter');
    const c = context();
    fromGenerateContent({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'OTHER' }] }, c);
    expect(c.warnings).toEqual(['Gemini finishReason OTHER reported as stop']);
    // A function call Gemini could not form is a failed attempt, not an answer.
    const malformed = { content: {}, finishReason: 'MALFORMED_FUNCTION_CALL', finishMessage: 'get_weather(city=' };
    expect(() => fromGenerateContent({ candidates: [malformed] }, context())).toThrow(
      'Gemini could not form a function call (MALFORMED_FUNCTION_CALL: get_weather(city=)',
    );
  });

  it('reports a blocked prompt as content_filter, with a warning', () => {
    const c = context();
    const completion = fromGenerateContent(
      { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } },
      c,
    );
    expect(completion.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter', logprobs: null },
    ]);
    expect(completion.id).toBe('chatcmpl-req-1');
    expect(c.warnings).toEqual(['Gemini returned no candidates (SAFETY)']);
  });
});

describe('fromEmbedContent', () => {
  it('builds the OpenAI list from one or many vectors, base64 on request', () => {
    expect(fromEmbedContent({ embedding: { values: [0.5, -1] } }, 'm', false)).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.5, -1] }],
      model: 'm',
    });
    const b64 = fromEmbedContent({ embeddings: [{ values: [1] }, { values: [2] }] }, 'm', true);
    expect(b64.data.map((d) => d.index)).toEqual([0, 1]);
    const bytes = Buffer.from(b64.data[1]!.embedding as string, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))).toEqual([2]);
  });
});

describe('classifyGeminiError', () => {
  const body = (code: number, status: string, message = 'm'): string =>
    JSON.stringify({ error: { code, message, status } });
  it('reads rate limits, failures and business errors', () => {
    expect(classifyGeminiError(429, body(429, 'RESOURCE_EXHAUSTED')).outcome).toBe('rate_limited');
    expect(classifyGeminiError(503, body(503, 'UNAVAILABLE')).outcome).toBe('failure');
    expect(classifyGeminiError(500, 'oops').outcome).toBe('failure');
    expect(
      classifyGeminiError(
        400,
        body(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified\n'),
      ),
    ).toEqual({
      outcome: 'business_error',
      message: '* GenerateContentRequest.contents: contents is not specified\n',
      code: 'INVALID_ARGUMENT',
      type: 'invalid_request_error',
    });
    expect(classifyGeminiError(403, body(403, 'PERMISSION_DENIED'))).toMatchObject({
      outcome: 'business_error',
      type: 'permission_error',
    });
    const badKey = {
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [{ reason: 'API_KEY_INVALID' }],
      },
    };
    expect(classifyGeminiError(400, JSON.stringify(badKey)).outcome).toBe('failure');
  });
});
