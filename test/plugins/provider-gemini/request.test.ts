import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '@switchyard/core/protocol';
import { splitToolCallId, toEmbedCall, toGenerateContent, toolCallId } from '@switchyard/provider-gemini';
import { validateGenerate } from '../../support/mock-gemini-validate.js';

const options: { jsonSchema: 'convert' | 'native'; includeThoughts: boolean } = {
  jsonSchema: 'convert',
  includeThoughts: false,
};
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function convert(
  req: Partial<ChatRequest>,
  model = 'gemini-2.5-flash',
  opts = options,
): { body: ReturnType<typeof toGenerateContent>; warnings: string[] } {
  const warnings: string[] = [];
  const body = toGenerateContent({ model, messages: [], ...req } as ChatRequest, model, opts, (w) => warnings.push(w));
  return { body, warnings };
}

describe('toGenerateContent', () => {
  it('moves system and developer messages into systemInstruction and maps roles to user/model', () => {
    const { body, warnings } = convert({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use French.' }] },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: 'Again' },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }, { text: 'Use French.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Bonjour' }] },
      { role: 'user', parts: [{ text: 'Again' }] },
    ]);
    expect(warnings).toEqual([]);
  });

  it('gives call turns no model signed the bypass signature on Gemini 3; signed turns and Gemini 2.5 stay as they are', () => {
    const signed = toolCallId('resp1', 0, 'c2lnbmF0dXJlKy8=');
    const call = (id: string, name: string) => ({ id, type: 'function' as const, function: { name, arguments: '{}' } });
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        content: 'Let me hand you over.',
        tool_calls: [call('toolu_a', 'transfer'), call('toolu_b', 'log')],
      },
      { role: 'tool', tool_call_id: 'toolu_a', content: 'ok' },
      { role: 'tool', tool_call_id: 'toolu_b', content: 'ok' },
      { role: 'assistant', content: null, tool_calls: [call(signed, 'get_weather'), call('call_x_1', 'get_time')] },
      { role: 'tool', tool_call_id: signed, content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_x_1', content: '09:00' },
    ];
    const signatures = (model: string) => {
      const { body, warnings } = convert({ messages }, model);
      const parts = body.contents.flatMap((c) => c.parts.filter((p) => p.functionCall));
      return { signatures: parts.map((p) => p.thoughtSignature), warnings };
    };
    const BYPASS = 'skip_thought_signature_validator';
    for (const model of [
      'gemini-3-flash-preview',
      'gemini-flash-latest',
      'publishers/google/models/gemini-3-pro-preview',
    ])
      expect(signatures(model)).toEqual({
        signatures: [BYPASS, BYPASS, 'c2lnbmF0dXJlKy8=', undefined],
        warnings: [expect.stringContaining('2 function call(s) in the history carry no Gemini thought signature')],
      });
    for (const model of ['gemini-2.5-flash', 'gemini-2.0-flash', 'gemma-3-27b-it'])
      expect(signatures(model)).toEqual({
        signatures: [undefined, undefined, 'c2lnbmF0dXJlKy8=', undefined],
        warnings: [],
      });
  });

  it('turns a tool history into functionCall / functionResponse parts, recovering names and wrapping non-objects', () => {
    const signed = toolCallId('resp1', 1, 'c2lnbmF0dXJlKy8=');
    const { body } = convert({
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: signed, type: 'function', function: { name: 'get_time', arguments: '{"city":"Tokyo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: signed, content: '09:00' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: { city: 'Tokyo' } }, thoughtSignature: 'c2lnbmF0dXJlKy8=' },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_time', response: { result: '09:00' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
  });

  it('refuses a tool result that answers no earlier tool call', () => {
    expect(() =>
      convert({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'nope', content: '1' },
        ],
      }),
    ).toThrow(/matches no earlier assistant tool call/);
  });

  it('sends data-URL images as inlineData and http(s) URLs as fileData', () => {
    const { body, warnings } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg?x=1', detail: 'high' } },
          ],
        },
      ],
    });
    expect(body.contents[0]!.parts).toEqual([
      { text: 'What is this?' },
      { inlineData: { mimeType: 'image/png', data: PNG } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.jpg?x=1' } },
    ]);
    expect(warnings).toEqual(['messages[0].content[2].image_url.detail has no Gemini equivalent and was dropped']);
  });

  it('drops an image URL it cannot send, and says why: not http(s), not a URL, or an object of the upstream account', () => {
    const urls = [
      'ftp://example.com/cat.jpg',
      'https://exa mple.com/cat.jpg',
      'https://generativelanguage.googleapis.com/v1beta/files/abc',
    ];
    const { body, warnings } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What are these?' },
            ...urls.map((url) => ({ type: 'image_url' as const, image_url: { url } })),
          ],
        },
      ],
    });
    expect(body.contents[0]!.parts).toEqual([{ text: 'What are these?' }]);
    expect(warnings).toEqual([
      'messages[0].content[1]: image URL is neither a base64 data URL nor http(s); dropped',
      'messages[0].content[2]: image URL is not a valid URL; dropped',
      "messages[0].content[3]: image URL is on the Gemini or Vertex AI API (an object of the upstream account, not the caller's); dropped",
    ]);
  });

  it('maps tools, tool_choice and generation parameters, and names every dropped field', () => {
    const { body, warnings } = convert({
      messages: [{ role: 'user', content: 'x' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
              additionalProperties: false,
            },
          },
        },
        { type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: {} } } },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      temperature: 0.3,
      top_p: 0.9,
      max_completion_tokens: 100,
      max_tokens: 50,
      stop: ['END'],
      n: 2,
      seed: 7,
      presence_penalty: 0.5,
      logit_bias: { 1: 2 },
      user: 'u-1',
      parallel_tool_calls: false,
    });
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
          },
          { name: 'ping' },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    expect(body.generationConfig).toEqual({
      temperature: 0.3,
      topP: 0.9,
      maxOutputTokens: 100,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
    });
    expect(warnings).toEqual([
      'logit_bias has no Gemini equivalent and was dropped',
      'user has no Gemini equivalent and was dropped',
      'tool schemas (get_weather): JSON Schema keywords unsupported by Gemini dropped: additionalProperties',
      'parallel_tool_calls: false has no Gemini equivalent and was dropped',
    ]);
  });

  it('maps tool_choice auto / none / required', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    const mode = (tool_choice: ChatRequest['tool_choice']): unknown =>
      convert({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice }).body.toolConfig;
    expect(mode('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(mode('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(mode('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  it('asks for JSON with responseMimeType, and a converted responseSchema for json_schema', () => {
    const jsonObject = convert({
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_object' },
    }).body;
    expect(jsonObject.generationConfig).toEqual({ responseMimeType: 'application/json' });
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' } },
      required: ['name', 'age'],
      additionalProperties: false,
    };
    const converted = convert({
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
    });
    expect(converted.body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'OBJECT',
        properties: { name: { type: 'STRING' }, age: { type: 'INTEGER' } },
        propertyOrdering: ['name', 'age'],
        required: ['name', 'age'],
      },
    });
    expect(converted.warnings).toHaveLength(2);
    const native = convert(
      {
        messages: [{ role: 'user', content: 'x' }],
        response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
      },
      'gemini-2.5-flash',
      { ...options, jsonSchema: 'native' },
    );
    expect(native.body.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
  });

  it('maps reasoning_effort to a thinking budget (2.x) or level (3.x)', () => {
    const messages = [{ role: 'user' as const, content: 'x' }];
    expect(convert({ messages, reasoning_effort: 'low' }).body.generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 1024 },
    });
    expect(convert({ messages, reasoning_effort: 'high' }, 'gemini-3-pro-preview').body.generationConfig).toEqual({
      thinkingConfig: { thinkingLevel: 'high' },
    });
    expect(
      convert({ messages, reasoning_effort: 'medium' }, 'gemini-2.5-pro', { ...options, includeThoughts: true }).body
        .generationConfig,
    ).toEqual({
      thinkingConfig: { thinkingBudget: 8192, includeThoughts: true },
    });
  });

  it('drops JSON output beside callable functions on models before Gemini 3 (they refuse the two), keeps it otherwise', () => {
    const messages = [{ role: 'user' as const, content: 'x' }];
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object' } } }];
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'o', schema: { type: 'object' } } };
    const send = (req: Partial<ChatRequest>, model = 'gemini-2.5-flash') => {
      const out = convert({ messages, tools, response_format, ...req }, model);
      expect(validateGenerate(out.body, { requireThoughtSignatures: false, model }), model).toBeUndefined();
      return out;
    };
    const dropped = send({ tool_choice: 'auto' });
    expect(dropped.body.generationConfig).toBeUndefined();
    expect(dropped.warnings).toEqual([
      'response_format json_schema dropped (gemini-2.5-flash gives no JSON output while it may call functions; Gemini 3 does)',
    ]);
    expect(send({}).body.generationConfig).toBeUndefined();
    expect(send({ tool_choice: 'none' }).body.generationConfig).toMatchObject({ responseMimeType: 'application/json' });
    expect(send({ tools: [] }).body.generationConfig).toMatchObject({ responseMimeType: 'application/json' });
    expect(send({}, 'gemini-3-flash-preview').body.generationConfig).toMatchObject({
      responseMimeType: 'application/json',
    });
    // What the mock (as the API) refuses.
    const both = {
      contents: [{ role: 'user', parts: [{ text: 'x' }] }],
      tools: [{ functionDeclarations: [{ name: 'f' }] }],
      generationConfig: { responseMimeType: 'application/json' },
    };
    expect(validateGenerate(both, { requireThoughtSignatures: false, model: 'gemini-2.5-flash' })).toEqual({
      message: "Function calling with a response mime type: 'application/json' is unsupported",
    });
  });

  it('asks for thoughts when the caller shows reasoning (reasoning_summary), with or without an effort', () => {
    const messages = [{ role: 'user' as const, content: 'x' }];
    const config = (req: Partial<ChatRequest>, model = 'gemini-2.5-flash') => {
      const out = convert({ messages, ...req }, model);
      expect(validateGenerate(out.body, { requireThoughtSignatures: false, model }), model).toBeUndefined();
      expect(out.warnings).toEqual([]);
      return out.body.generationConfig;
    };
    expect(config({ reasoning_effort: 'low', reasoning_summary: true })).toEqual({
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
    expect(config({ reasoning_effort: 'high', reasoning_summary: true }, 'gemini-3-pro-preview')).toEqual({
      thinkingConfig: { thinkingLevel: 'high', includeThoughts: true },
    });
    // A model that thinks unasked shows its thoughts; one that takes no thinking config is sent none.
    expect(config({ reasoning_summary: true })).toEqual({ thinkingConfig: { includeThoughts: true } });
    expect(config({ reasoning_summary: true }, 'gemini-2.0-flash')).toBeUndefined();
    // No thinking, nothing to show.
    expect(config({ reasoning_effort: 'none', reasoning_summary: true })).toEqual({
      thinkingConfig: { thinkingBudget: 0 },
    });
  });
});

describe('reasoning_effort as each Gemini family takes it (the mock refuses what the API refuses)', () => {
  const messages = [{ role: 'user' as const, content: 'x' }];
  const accepted = (model: string, effort: string) => {
    const out = convert({ messages, reasoning_effort: effort as ChatRequest['reasoning_effort'] }, model);
    expect(
      validateGenerate(out.body, { requireThoughtSignatures: false, model }),
      `${model} ${effort}`,
    ).toBeUndefined();
    return { thinking: out.body.generationConfig?.thinkingConfig, warnings: out.warnings };
  };

  it('sends no thinking config to models before 2.5, with a warning', () => {
    expect(accepted('gemini-2.0-flash', 'low')).toEqual({
      thinking: undefined,
      warnings: ['reasoning_effort "low" dropped (gemini-2.0-flash takes no thinking config)'],
    });
  });

  it('sends none to 2.5 Pro, which always thinks, as its minimum budget; 2.5 Flash turns thinking off', () => {
    expect(accepted('gemini-2.5-pro', 'none')).toEqual({
      thinking: { thinkingBudget: 128 },
      warnings: ['reasoning_effort "none" sent as the minimum thinking budget (gemini-2.5-pro always thinks)'],
    });
    expect(accepted('gemini-2.5-flash', 'none')).toEqual({ thinking: { thinkingBudget: 0 }, warnings: [] });
    for (const effort of ['minimal', 'low', 'medium', 'high']) {
      accepted('gemini-2.5-pro', effort);
      accepted('gemini-2.5-flash', effort);
    }
  });

  it('sends Gemini 3 Pro the nearest level it takes (no minimal; 3.0 Pro no medium), other Gemini 3 models the level asked', () => {
    expect(accepted('gemini-3-pro-preview', 'none').thinking).toEqual({ thinkingLevel: 'low' });
    expect(accepted('gemini-3-pro-preview', 'minimal')).toEqual({
      thinking: { thinkingLevel: 'low' },
      warnings: ['reasoning_effort "minimal" sent as thinking level low (gemini-3-pro-preview takes no minimal)'],
    });
    expect(accepted('gemini-3-pro-preview', 'medium').thinking).toEqual({ thinkingLevel: 'high' });
    expect(accepted('gemini-3.1-pro-preview', 'medium')).toEqual({
      thinking: { thinkingLevel: 'medium' },
      warnings: [],
    });
    expect(accepted('gemini-3-flash-preview', 'minimal')).toEqual({
      thinking: { thinkingLevel: 'minimal' },
      warnings: [],
    });
  });
});

describe('empty text parts', () => {
  it('are left out (Gemini refuses an empty text parameter)', () => {
    const { body } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '' },
            { type: 'text', text: 'hi' },
          ],
        },
      ],
    });
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'hi' }] }]);
    expect(validateGenerate(body, { requireThoughtSignatures: false, model: 'gemini-2.5-flash' })).toBeUndefined();
  });
});

describe('tool-call ids', () => {
  it('round-trip a thought signature through the id', () => {
    const id = toolCallId('AbC-123_x', 0, 'c2lnbmF0dXJlKy8=');
    expect(id).toMatch(/^call_AbC123x_0_sig_[A-Za-z0-9_-]+$/);
    expect(splitToolCallId(id)).toEqual({ id: 'call_AbC123x_0', signature: 'c2lnbmF0dXJlKy8=' });
    expect(splitToolCallId('call_plain')).toEqual({ id: 'call_plain' });
  });
});

describe('toEmbedCall', () => {
  it('uses embedContent for one input and batchEmbedContents for a list', () => {
    const warnings: string[] = [];
    expect(
      toEmbedCall({ model: 'e', input: 'hi', dimensions: 4 }, 'gemini-embedding-001', (w) => warnings.push(w)),
    ).toEqual({
      method: 'embedContent',
      body: { content: { parts: [{ text: 'hi' }] }, outputDimensionality: 4 },
    });
    expect(
      toEmbedCall({ model: 'e', input: ['a', 'b'], user: 'u' }, 'gemini-embedding-001', (w) => warnings.push(w)),
    ).toEqual({
      method: 'batchEmbedContents',
      body: {
        requests: ['a', 'b'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] } })),
      },
    });
    expect(warnings).toEqual(['user has no Gemini equivalent and was dropped']);
    expect(() => toEmbedCall({ model: 'e', input: [1, 2, 3] }, 'm', () => undefined)).toThrow(/text input/);
  });
});
