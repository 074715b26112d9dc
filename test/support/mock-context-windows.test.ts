/** The mock upstreams refuse a prompt over the model's context window, each in its API's words. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic } from './mock-anthropic.js';
import type { MockAnthropic } from './mock-anthropic.js';
import { startMockGemini } from './mock-gemini.js';
import type { MockGemini } from './mock-gemini.js';
import { startMockOpenAI } from './mock-openai.js';
import type { MockOpenAI } from './mock-openai.js';

const long = 'x'.repeat(4000); // ~1000 tokens
let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gemini: MockGemini;

beforeAll(async () => {
  openai = await startMockOpenAI({ models: ['gpt-4o-mini', 'small'], contextWindows: { small: 500 } });
  anthropic = await startMockAnthropic({ contextWindows: { 'claude-sonnet-4-5': 500 } });
  gemini = await startMockGemini({ contextWindows: { 'gemini-2.5-flash': 500 } });
});
afterAll(async () => {
  await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe('mock upstreams: a prompt over the context window', () => {
  it('OpenAI Chat: 400 invalid_request_error context_length_exceeded naming both counts; shorter ones pass', async () => {
    const over = await post(`${openai.baseUrl}/chat/completions`, {
      model: 'small',
      messages: [{ role: 'user', content: long }],
    });
    expect(over.status).toBe(400);
    expect(JSON.parse(over.text).error).toEqual({
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: 'messages',
      message: expect.stringMatching(
        /^This model's maximum context length is 500 tokens\. However, your messages resulted in \d+ tokens\./,
      ),
    });
    const fits = await post(`${openai.baseUrl}/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: long }],
    });
    expect(fits.status).toBe(200);
  });

  it('OpenAI Responses: 400 context_length_exceeded, or in a stream an error event after response.in_progress', async () => {
    const whole = await post(`${openai.baseUrl}/responses`, { model: 'small', input: long });
    expect(whole.status).toBe(400);
    expect(JSON.parse(whole.text).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: 'input',
      message: 'Your input exceeds the context window of this model. Please adjust your input and try again.',
    });
    const streamed = await post(`${openai.baseUrl}/responses`, { model: 'small', input: long, stream: true });
    expect(streamed.status).toBe(200);
    const events = streamed.text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)));
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'error']);
    expect(events[2]).toMatchObject({ sequence_number: 2, error: { code: 'context_length_exceeded' } });
  });

  it('Anthropic: 400 invalid_request_error "prompt is too long: N tokens > M maximum"', async () => {
    const over = await post(
      `${anthropic.baseUrl}/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: long }] },
      { 'anthropic-version': '2023-06-01' },
    );
    expect(over.status).toBe(400);
    expect(JSON.parse(over.text).error).toEqual({
      type: 'invalid_request_error',
      message: expect.stringMatching(/^prompt is too long: \d+ tokens > 500 maximum$/),
    });
  });

  it('Gemini: 400 INVALID_ARGUMENT "The input token count (N) exceeds the maximum number of tokens allowed (M)."', async () => {
    const over = await post(`${gemini.origin}/v1beta/models/gemini-2.5-flash:generateContent`, {
      contents: [{ role: 'user', parts: [{ text: long }] }],
    });
    expect(over.status).toBe(400);
    expect(JSON.parse(over.text).error).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(
        /^The input token count \(\d+\) exceeds the maximum number of tokens allowed \(500\)\.$/,
      ),
    });
  });
});
