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

  it('is read by the official @google/genai SDK, streaming and not', async () => {
    const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: mock.origin } });
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
