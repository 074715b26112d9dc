import { GoogleGenAI } from '@google/genai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockGemini } from './mock-gemini.js';
import type { MockGemini } from './mock-gemini.js';

const KEY = 'AIza-mock-key-0123456789';
let mock: MockGemini;

beforeAll(async () => {
  mock = await startMockGemini({ apiKey: KEY, name: 'g', pageSize: 2 });
});
afterEach(() => mock.reset());
afterAll(() => mock.close());

const url = (model: string, verb: string, query = ''): string =>
  `${mock.origin}/v1beta/models/${model}:${verb}${query}`;

async function post(
  path: string,
  body: unknown,
  key: string | null = KEY,
): Promise<{ status: number; json: any; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers['x-goog-api-key'] = key;
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const hello = { contents: [{ role: 'user', parts: [{ text: 'hello' }] }] };

describe('mock Gemini: auth and error shapes', () => {
  it('answers 403 PERMISSION_DENIED without a key and 400 API_KEY_INVALID with a wrong one', async () => {
    const missing = await post(url('gemini-2.5-flash', 'generateContent'), hello, null);
    expect(missing.status).toBe(403);
    expect(missing.json.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    const wrong = await post(url('gemini-2.5-flash', 'generateContent'), hello, 'nope');
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.details[0].reason).toBe('API_KEY_INVALID');
  });

  it('answers 404 NOT_FOUND for an unknown model', async () => {
    const res = await post(url('gemini-0', 'generateContent'), hello);
    expect(res.status).toBe(404);
    expect(res.json.error.status).toBe('NOT_FOUND');
  });
});

describe('mock Gemini: validation like the real API', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['unknown top-level field', { ...hello, messages: [] }, /Unknown name "messages": Cannot find field/],
    ['missing contents', { contents: [] }, /contents is not specified/],
    ['bad role', { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, /valid role: user, model/],
    ['empty parts', { contents: [{ role: 'user', parts: [] }] }, /parts must not be empty/],
    [
      'bad base64',
      { contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: 'not base64!' } }] }] },
      /Base64 decoding failed/,
    ],
    [
      'JSON Schema keyword outside the subset',
      {
        ...hello,
        tools: [
          {
            functionDeclarations: [
              {
                name: 'f',
                parameters: { type: 'OBJECT', properties: { a: { type: 'STRING' } }, additionalProperties: false },
              },
            ],
          },
        ],
      },
      /Unknown name "additionalProperties" at 'tools\[0\]\.function_declarations\[0\]\.parameters'/,
    ],
    [
      'lowercase type',
      {
        ...hello,
        tools: [
          {
            functionDeclarations: [
              { name: 'f', parameters: { type: 'object', properties: { a: { type: 'STRING' } } } },
            ],
          },
        ],
      },
      /Invalid value at 'tools\[0\]\.function_declarations\[0\]\.parameters\.type'/,
    ],
    [
      'required property not declared',
      {
        ...hello,
        tools: [
          {
            functionDeclarations: [
              { name: 'f', parameters: { type: 'OBJECT', properties: { a: { type: 'STRING' } }, required: ['b'] } },
            ],
          },
        ],
      },
      /required\[0\]: property is not defined/,
    ],
    [
      'function response without a call',
      { contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] },
      /function response turn comes immediately after a function call turn/,
    ],
    [
      'function response name mismatch',
      {
        contents: [
          { role: 'user', parts: [{ text: 'hi' }] },
          { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'g', response: {} } }] },
        ],
      },
      /do not match the function calls/,
    ],
  ];
  for (const [name, body, message] of cases) {
    it(`refuses ${name} with 400 INVALID_ARGUMENT`, async () => {
      const res = await post(url('gemini-2.5-flash', 'generateContent'), body);
      expect(res.status).toBe(400);
      expect(res.json.error.status).toBe('INVALID_ARGUMENT');
      expect(res.json.error.message).toMatch(message);
    });
  }

  it('refuses generationConfig.maxOutputTokens above the model limit, as the API does', async () => {
    const over = await post(url('gemini-2.5-flash', 'generateContent'), {
      ...hello,
      generationConfig: { maxOutputTokens: 128000 },
    });
    expect(over.status).toBe(400);
    expect(over.json.error).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message:
        'Unable to submit request because it has a maxOutputTokens value of 128000 but the supported range is from 1 (inclusive) to 65537 (exclusive). Update the value and try again.',
    });
    expect(
      (
        await post(url('gemini-2.5-flash', 'generateContent'), {
          ...hello,
          generationConfig: { max_output_tokens: 65536 },
        })
      ).status,
    ).toBe(200);
    const small = await startMockGemini({ outputLimits: { 'gemini-2.5-flash': 1000 } });
    try {
      const res = await fetch(`${small.origin}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: 'POST',
        body: JSON.stringify({ ...hello, generationConfig: { maxOutputTokens: 1001 } }),
      });
      expect(res.status).toBe(400);
    } finally {
      await small.close();
    }
  });

  const gen = (generationConfig: unknown, contents: unknown = hello.contents): unknown => ({
    contents,
    generationConfig,
  });
  // [case, model, refused body, its message, the valid neighbour accepted]
  const refusals: Array<[string, string, unknown, RegExp, unknown]> = [
    [
      'an empty text part (a model turn too)',
      'gemini-2.5-flash',
      { contents: [...hello.contents, { role: 'model', parts: [{ text: '' }] }, ...hello.contents] },
      /^Unable to submit request because it has an empty text parameter\. Add a value to the parameter and try again\./,
      { contents: [...hello.contents, { role: 'model', parts: [{ text: ' ' }] }, ...hello.contents] },
    ],
    [
      'an empty text part in the system instruction',
      'gemini-2.5-flash',
      { ...hello, systemInstruction: { parts: [{ text: '' }] } },
      /it has an empty text parameter/,
      { ...hello, systemInstruction: { parts: [{ text: 'be brief' }] } },
    ],
    [
      'a response MIME type the API does not produce',
      'gemini-2.5-flash',
      gen({ responseMimeType: 'image/png' }),
      /^\* GenerateContentRequest\.generation_config\.response_mime_type: allowed mimetypes are `text\/plain`, `application\/json`, `application\/xml`, `application\/yaml` and `text\/x\.enum`\.\n$/,
      gen({ responseMimeType: 'text/x.enum', responseSchema: { type: 'STRING', enum: ['a', 'b'] } }),
    ],
    [
      'a fractional int32 field (thinkingBudget)',
      'gemini-2.5-flash',
      gen({ thinkingConfig: { thinkingBudget: 19660.8 } }),
      /^Invalid value at 'generation_config\.thinking_config\.thinking_budget' \(TYPE_INT32\), 19660\.8$/,
      gen({ thinkingConfig: { thinkingBudget: 19660 } }),
    ],
    [
      'a fractional maxOutputTokens',
      'gemini-2.5-flash',
      gen({ maxOutputTokens: 100.5 }),
      /^Invalid value at 'generation_config\.max_output_tokens' \(TYPE_INT32\), 100\.5$/,
      gen({ maxOutputTokens: 100 }),
    ],
    [
      'maxOutputTokens 0',
      'gemini-2.5-flash',
      gen({ maxOutputTokens: 0 }),
      /maxOutputTokens value of 0 but the supported range is from 1 \(inclusive\) to 65537 \(exclusive\)/,
      gen({ maxOutputTokens: 1 }),
    ],
    [
      'temperature above 2',
      'gemini-2.5-flash',
      gen({ temperature: 2.5 }),
      /^Unable to submit request because it has a temperature value of 2\.5 but the supported range is from 0 \(inclusive\) to 2\.0001 \(exclusive\)\. Update the value and try again\.$/,
      gen({ temperature: 2 }),
    ],
    [
      'negative temperature',
      'gemini-2.5-flash',
      gen({ temperature: -0.1 }),
      /temperature value of -0\.1/,
      gen({ temperature: 0 }),
    ],
    ['topP above 1', 'gemini-2.5-flash', gen({ topP: 1.5 }), /topP value of 1\.5/, gen({ topP: 1 })],
    [
      'topK above the model family topK (2.5: 64)',
      'gemini-2.5-flash',
      gen({ topK: 65 }),
      /^Unable to submit request because it has a topK value of 65 but the supported range is from 1 \(inclusive\) to 65 \(exclusive\)\./,
      gen({ topK: 64 }),
    ],
    [
      'topK above the model family topK (1.5: 40)',
      'gemini-1.5-flash',
      gen({ topK: 50 }),
      /topK value of 50 but the supported range is from 1 \(inclusive\) to 41 \(exclusive\)/,
      gen({ topK: 40 }),
    ],
    [
      'a thinking config on a model without thinking (2.0)',
      'gemini-2.0-flash',
      gen({ thinkingConfig: { thinkingBudget: 1024 } }),
      /^thinking_config is not supported\.$/,
      gen({ temperature: 1 }),
    ],
    [
      'a thinking level on Gemini 2.5',
      'gemini-2.5-flash',
      gen({ thinkingConfig: { thinkingLevel: 'low' } }),
      /^Thinking level is not supported for this model\.$/,
      gen({ thinkingConfig: { thinkingBudget: 1024 } }),
    ],
    [
      'a thinking level and a budget together',
      'gemini-3-flash-preview',
      gen({ thinkingConfig: { thinkingLevel: 'low', thinkingBudget: 1024 } }),
      /thinking_budget and thinking_level are not supported together/,
      gen({ thinkingConfig: { thinkingLevel: 'low' } }),
    ],
    [
      'thinking budget 0 on Gemini 2.5 Pro',
      'gemini-2.5-pro',
      gen({ thinkingConfig: { thinkingBudget: 0 } }),
      /^Budget 0 is invalid\. This model only works in thinking mode\.$/,
      gen({ thinkingConfig: { thinkingBudget: 128 } }),
    ],
    [
      'a thinking budget above Gemini 2.5 Pro range (32768)',
      'gemini-2.5-pro',
      gen({ thinkingConfig: { thinkingBudget: 52428 } }),
      /^The thinking budget \(52428\) is invalid\.$/,
      gen({ thinkingConfig: { thinkingBudget: 32768 } }),
    ],
    [
      'a thinking budget above Gemini 2.5 Flash range (24576)',
      'gemini-2.5-flash',
      gen({ thinkingConfig: { thinkingBudget: 32768 } }),
      /^The thinking budget \(32768\) is invalid\.$/,
      gen({ thinkingConfig: { thinkingBudget: 24576 } }),
    ],
    [
      'thinking level MINIMAL on Gemini 3 Pro',
      'gemini-3-pro-preview',
      gen({ thinkingConfig: { thinkingLevel: 'minimal' } }),
      /^Thinking level MINIMAL is not supported for this model\. Please retry with other thinking level\.$/,
      gen({ thinkingConfig: { thinkingLevel: 'low' } }),
    ],
    [
      'thinking level MEDIUM on Gemini 3 Pro',
      'gemini-3-pro-preview',
      gen({ thinkingConfig: { thinkingLevel: 'MEDIUM' } }),
      /^Thinking level MEDIUM is not supported for this model\./,
      gen({ thinkingConfig: { thinkingLevel: 'HIGH' } }),
    ],
  ];
  describe('refusals by request content and model family', () => {
    let wide: MockGemini;
    beforeAll(async () => {
      wide = await startMockGemini({
        models: [
          'gemini-1.5-flash',
          'gemini-2.0-flash',
          'gemini-2.5-flash',
          'gemini-2.5-pro',
          'gemini-3-flash-preview',
          'gemini-3-pro-preview',
        ],
      });
    });
    afterAll(() => wide.close());
    const send = (model: string, body: unknown): Promise<Response> =>
      fetch(`${wide.origin}/v1beta/models/${model}:generateContent`, { method: 'POST', body: JSON.stringify(body) });
    for (const [name, model, body, message, neighbour] of refusals) {
      it(`refuses ${name} (${model}) and accepts its valid neighbour`, async () => {
        const res = await send(model, body);
        expect(res.status).toBe(400);
        const json: any = await res.json();
        expect(json.error.status).toBe('INVALID_ARGUMENT');
        expect(json.error.message).toMatch(message);
        const ok = await send(model, neighbour);
        expect(ok.status, JSON.stringify(await ok.clone().json())).toBe(200);
      });
    }

    it('reports a fractional int32 field as a field violation, like an unknown field', async () => {
      const json: any = await (await send('gemini-2.5-flash', gen({ candidateCount: 1.5 }))).json();
      expect(json.error.details[0].fieldViolations).toEqual([
        {
          field: 'generation_config.candidate_count',
          description: "Invalid value at 'generation_config.candidate_count' (TYPE_INT32), 1.5",
        },
      ]);
    });

    it('leaves the thinking config of a family it does not know unchecked, and takes -1 (dynamic) everywhere', async () => {
      for (const model of ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-3-pro-preview'])
        expect((await send(model, gen({ thinkingConfig: { thinkingBudget: -1 } }))).status).toBe(200);
      expect((await send('gemini-2.5-flash', gen({ thinkingConfig: { thinkingBudget: 0 } }))).status).toBe(200);
      expect((await send('gemini-3-flash-preview', gen({ thinkingConfig: { thinkingLevel: 'minimal' } }))).status).toBe(
        200,
      );
    });
  });

  it('accepts snake_case field names, as proto JSON does', async () => {
    const res = await post(url('gemini-2.5-flash', 'generateContent'), {
      ...hello,
      system_instruction: { parts: [{ text: 'be brief' }] },
    });
    expect(res.status).toBe(200);
  });
});

describe('mock Gemini: wire format', () => {
  it('streams `data: {…}\\r\\n\\r\\n` events with no end marker, the last one carrying finishReason', async () => {
    const res = await post(url('gemini-2.5-flash', 'streamGenerateContent', '?alt=sse'), hello);
    expect(res.status).toBe(200);
    const frames = res.text.split('\r\n\r\n').filter(Boolean);
    expect(frames.length).toBe(3);
    for (const f of frames) expect(f.startsWith('data: {')).toBe(true);
    const events = frames.map((f) => JSON.parse(f.slice(6)));
    expect(events.at(-1).candidates[0].finishReason).toBe('STOP');
    expect(events[0].candidates[0].finishReason).toBeUndefined();
    expect(events.map((e) => e.candidates[0].content.parts[0].text).join('')).toBe('g: hello');
    expect(res.text).not.toContain('[DONE]');
  });

  it('puts the usage so far on every stream event: candidatesTokenCount growing, thoughts on each, the last one whole', async () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'a somewhat longer question to split' }] }] };
    const res = await post(url('gemini-2.5-flash', 'streamGenerateContent', '?alt=sse'), body);
    const events = res.text
      .split('\r\n\r\n')
      .filter(Boolean)
      .map((f) => JSON.parse(f.slice(6)));
    const usages = events.map((e) => e.usageMetadata);
    const counts = usages.map((u) => u.candidatesTokenCount as number);
    expect(counts.every((n, i) => n >= 1 && (i === 0 || n >= counts[i - 1]!))).toBe(true);
    expect(counts[0]).toBeLessThan(counts.at(-1)!);
    for (const u of usages) {
      expect(u.thoughtsTokenCount).toBeGreaterThan(0);
      expect(u.totalTokenCount).toBe(u.promptTokenCount + u.candidatesTokenCount + u.thoughtsTokenCount);
    }
    const whole = await post(url('gemini-2.5-flash', 'generateContent'), body);
    expect(usages.at(-1)).toEqual(whole.json.usageMetadata);
  });

  it('thinks by default on 2.5 Flash and Pro, not with thinkingBudget 0 nor on Flash-Lite', async () => {
    const thoughts = async (origin: string, model: string, generationConfig?: unknown): Promise<unknown> => {
      const res = await post(`${origin}/v1beta/models/${model}:generateContent`, { ...hello, generationConfig });
      return res.json.usageMetadata.thoughtsTokenCount;
    };
    expect(await thoughts(mock.origin, 'gemini-2.5-flash')).toBeGreaterThan(0);
    expect(await thoughts(mock.origin, 'gemini-2.5-pro')).toBeGreaterThan(0);
    expect(await thoughts(mock.origin, 'gemini-2.5-flash', { thinkingConfig: { thinkingBudget: 0 } })).toBeUndefined();
    const lite = await startMockGemini({ models: ['gemini-2.5-flash-lite', 'gemini-2.0-flash'] });
    try {
      expect(await thoughts(lite.origin, 'gemini-2.5-flash-lite')).toBeUndefined();
      expect(await thoughts(lite.origin, 'gemini-2.0-flash')).toBeUndefined();
      const asked = { thinkingConfig: { thinkingBudget: 512 } };
      expect(await thoughts(lite.origin, 'gemini-2.5-flash-lite', asked)).toBeGreaterThan(0);
    } finally {
      await lite.close();
    }
  });

  it('answers a scripted malformed function call as the API does: content {}, finishMessage, no output tokens', async () => {
    mock.setAnswerer(() => ({ malformedFunctionCall: 'Malformed function call: get_weather(city=' }));
    const res = await post(url('gemini-2.5-flash', 'generateContent'), hello);
    expect(res.status).toBe(200);
    expect(res.json.candidates).toEqual([
      {
        content: {},
        finishReason: 'MALFORMED_FUNCTION_CALL',
        finishMessage: 'Malformed function call: get_weather(city=',
        index: 0,
      },
    ]);
    const usage = res.json.usageMetadata;
    expect(usage).not.toHaveProperty('candidatesTokenCount');
    expect(usage.totalTokenCount).toBe(usage.promptTokenCount + usage.thoughtsTokenCount);
    const streamed = await post(url('gemini-2.5-flash', 'streamGenerateContent', '?alt=sse'), hello);
    const frames = streamed.text.split('\r\n\r\n').filter(Boolean);
    expect(frames).toHaveLength(1);
    expect(JSON.parse(frames[0]!.slice(6)).candidates[0].finishReason).toBe('MALFORMED_FUNCTION_CALL');
  });

  it('is read by the official @google/genai SDK, streaming and not', async () => {
    // v1beta: the version provider-gemini calls (the SDK's default is v1 since 3.0).
    const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: mock.origin, apiVersion: 'v1beta' } });
    const whole = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi there' });
    expect(whole.text).toBe('g: hi there');
    let text = '';
    for await (const chunk of await ai.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'streamed',
    }))
      text += chunk.text ?? '';
    expect(text).toBe('g: streamed');
    expect(mock.requests.at(-1)!.path).toContain('alt=sse');
    expect(mock.requests.at(-1)!.headers['x-goog-api-key']).toBe(KEY);
    const embedded = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'vector me' });
    expect(embedded.embeddings?.[0]?.values).toHaveLength(8);
  });

  it('pages the model list', async () => {
    const first: any = await (
      await fetch(`${mock.origin}/v1beta/models`, { headers: { 'x-goog-api-key': KEY } })
    ).json();
    expect(first.models).toHaveLength(2);
    expect(first.nextPageToken).toBe('2');
    const second: any = await (
      await fetch(`${mock.origin}/v1beta/models?pageToken=2`, { headers: { 'x-goog-api-key': KEY } })
    ).json();
    expect(second.models.map((m: { name: string }) => m.name)).toEqual(['models/gemini-embedding-001']);
  });

  it('injects faults: status with the Google error body, and a stream ended without finishReason', async () => {
    mock.queueFault({ kind: 'status', status: 503 }, { kind: 'end', afterEvents: 1 });
    const failed = await post(url('gemini-2.5-flash', 'generateContent'), hello);
    expect(failed.status).toBe(503);
    expect(failed.json.error.status).toBe('UNAVAILABLE');
    const cut = await post(url('gemini-2.5-flash', 'streamGenerateContent', '?alt=sse'), hello);
    expect(cut.text.split('\r\n\r\n').filter(Boolean)).toHaveLength(1);
    expect(cut.text).not.toContain('finishReason');
  });
});

describe('mock Gemini: function calls', () => {
  const report = {
    name: 'weather_report',
    parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' }, sunny: { type: 'BOOLEAN' } } },
  };
  it('calls a forced function (mode ANY) with arguments of its parameters’ shape, the city Paris', async () => {
    const res = await post(url('gemini-2.5-flash', 'generateContent'), {
      ...hello,
      tools: [{ functionDeclarations: [report] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['weather_report'] } },
    });
    expect(res.status).toBe(200);
    expect(res.json.candidates[0].content.parts[0].functionCall).toEqual({
      name: 'weather_report',
      args: { city: 'Paris', sunny: true },
    });
  });
});
