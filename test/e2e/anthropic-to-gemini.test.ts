import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockGemini } from '../support/mock-gemini.js';
import type { MockGemini } from '../support/mock-gemini.js';
import { geminiProvider, PNG } from '../support/gemini.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/** Anthropic SDK → Switchyard (/v1/messages) → Gemini upstream: both conversions in one request. */
let g: MockGemini;
let gw: RunningGateway;
let client: Anthropic;
const KEY = 'AIza-upstream-secret-g-0123456789';
const MODEL = 'gemini-2.5-flash';
const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

beforeAll(async () => {
  g = await startMockGemini({ name: 'g', apiKey: KEY });
  gw = await startGateway({ providers: [geminiProvider('g', g.origin, { apiKey: KEY, models: [MODEL] })] });
  client = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await g.close();
});

const generate = () =>
  g.requests.filter((r) => r.path.includes(':generateContent') || r.path.includes(':streamGenerateContent'));

describe('Anthropic clients → Gemini upstreams', () => {
  it('converts a text message with a system prompt, and the answer back into an Anthropic message', async () => {
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 200,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(msg.type).toBe('message');
    expect(msg.content).toEqual([{ type: 'text', text: 'g: hello there' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
    const sent = generate().at(-1)!.body;
    expect(sent.systemInstruction.parts[0].text).toBe('Be brief.');
    expect(sent.generationConfig.maxOutputTokens).toBe(200);
    expect(generate().at(-1)!.headers['x-goog-api-key']).toBe(KEY);
  });

  it('turns a Gemini function call into a tool_use block, and a tool_result into a functionResponse', async () => {
    const first = await client.messages.create({
      model: MODEL,
      max_tokens: 200,
      tools: [weather],
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use')!;
    expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });

    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 200,
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: use.type === 'tool_use' ? use.id : '', content: '{"temp":21}' },
          ],
        },
      ],
    });
    expect(second.content[0]).toMatchObject({ type: 'text' });
    const parts = generate().at(-1)!.body.contents.at(-1).parts;
    expect(parts[0].functionResponse).toMatchObject({ name: 'get_weather', response: { temp: 21 } });
  });

  it('streams Anthropic events in order, with text deltas and a final message_delta', async () => {
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'stream this' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'g: stream this' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(types.at(-2)).toBe('message_delta');
    expect(types).toContain('content_block_delta');
  });

  it('passes a base64 image block on as inlineData', async () => {
    await client.messages.create({
      model: MODEL,
      max_tokens: 50,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'text', text: 'what is this?' },
          ],
        },
      ],
    });
    const parts = generate().at(-1)!.body.contents[0].parts;
    expect(parts[0]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG } });
    expect(parts[1]).toEqual({ text: 'what is this?' });
  });

  it('turns output_config.format into a Gemini response schema and answers with JSON text', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'name a city' }],
      output_config: { format: { type: 'json_schema', schema } },
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    const config = generate().at(-1)!.body.generationConfig;
    expect(config.responseMimeType).toBe('application/json');
    expect(config.responseSchema).toMatchObject({ type: 'OBJECT', properties: { city: { type: 'STRING' } } });
    const text = msg.content[0]!.type === 'text' ? msg.content[0]!.text : '';
    expect(typeof JSON.parse(text).city).toBe('string');
  });

  it('answers upstream errors in Anthropic shape, keeping the status', async () => {
    g.queueFault({ kind: 'status', status: 400 });
    const err = await client.messages
      .create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: expect.any(String) },
    });
  });
});
