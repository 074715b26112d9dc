/**
 * plugin-capabilities on a minimal gateway (models, the OpenAI protocol and provider, and the
 * plugin under test): targets whose model the table says cannot serve a request are left out;
 * when none is left, the caller gets 400 `capability_unmet` naming the need, upstream untouched.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import type { Gateway, PluginEntry } from '@switchyard/core';
import { capabilities } from '@switchyard/plugin-capabilities';
import { models } from '@switchyard/plugin-models';
import { protocolAnthropic } from '@switchyard/protocol-anthropic';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import { protocolResponses } from '@switchyard/protocol-responses';
import { openai } from '@switchyard/provider-openai';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';

const KEY = 'sk-upstream-capabilities-0123456789';
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
let up: MockOpenAI;
const opened: Gateway[] = [];

beforeAll(async () => {
  up = await startMockOpenAI({
    apiKey: KEY,
    models: ['text-only', 'seeing', 'tiny-window', 'small-window', 'unknown-model'],
  });
});
afterEach(async () => {
  up.reset();
  await Promise.all(opened.splice(0).map((g) => g.close({ drainDelayMs: 0 })));
});
afterAll(() => up.close());

async function start(plugins: PluginEntry[] = [models(), protocolOpenAI(), openai(), capabilities()]): Promise<string> {
  const gateway = await createGateway({
    config: {
      server: { host: '127.0.0.1', port: 0, drainDelayMs: 0 },
      providers: [
        {
          name: 'a',
          type: 'openai',
          baseUrl: up.baseUrl,
          apiKey: KEY,
          models: ['text-only', 'tiny-window', 'unknown-model'],
        },
        { name: 'c', type: 'openai', baseUrl: up.baseUrl, apiKey: KEY, models: ['small-window'] },
        { name: 'b', type: 'openai', baseUrl: up.baseUrl, apiKey: KEY, models: ['seeing'], priority: 5 },
      ],
      models: [
        { name: 'either', targets: ['a/text-only', 'b/seeing'] },
        { name: 'claude-opus-5-5', targets: ['a/tiny-window', 'c/small-window'] },
      ],
      catalog: {
        'text-only': { vision: false, tools: false, structuredOutput: false },
        seeing: { vision: true },
        'tiny-window': { contextWindow: 10 },
        'small-window': { contextWindow: 40 },
      },
    },
    plugins,
    logger: createLogger({ level: 'silent' }),
  });
  opened.push(gateway);
  return (await gateway.listen()).url;
}

const image = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }];
const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];

async function chat(url: string, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return { status: res.status, json: await res.json() };
}

describe('capability filtering', () => {
  it('answers 400 capability_unmet naming the need when the only target cannot serve it, without calling upstream', async () => {
    const url = await start();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ model: 'text-only', messages: image }, /supports vision/],
      [{ model: 'text-only', tools }, /supports tools/],
      [
        { model: 'text-only', response_format: { type: 'json_schema', json_schema: { name: 's', schema: {} } } },
        /supports structured output/,
      ],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await chat(url, body);
      expect(status, JSON.stringify(json)).toBe(400);
      expect(json.error).toMatchObject({ code: 'capability_unmet', param: 'model', type: 'invalid_request_error' });
      expect(json.error.message).toMatch(message);
    }
    expect(up.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);
  });

  it('leaves out only the targets that cannot serve, so an alias routes to the one that can', async () => {
    const url = await start();
    const { status, json } = await chat(url, { model: 'either', messages: image });
    expect(status).toBe(200);
    expect(json.model).toBe('seeing');
    // Without an image the alias keeps its order: the text-only target first.
    expect((await chat(url, { model: 'either' })).json.model).toBe('text-only');
  });

  it('never excludes for what the table does not know', async () => {
    const url = await start();
    const { status } = await chat(url, { model: 'unknown-model', messages: image, tools });
    expect(status).toBe(200);
  });

  it('is what refuses: without the plugin the same request reaches the upstream', async () => {
    const url = await start([models(), protocolOpenAI(), openai()]);
    await chat(url, { model: 'text-only', tools });
    expect(up.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);
  });
});

describe("a prompt longer than every target's context window", () => {
  const ALL = [models(), protocolOpenAI(), protocolResponses(), protocolAnthropic(), openai(), capabilities()];
  const long = 'x'.repeat(400);

  async function post(url: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  }

  it('gets Anthropic callers 400 invalid_request_error "prompt is too long: ~N tokens > M maximum", M the largest window', async () => {
    const url = await start(ALL);
    for (const stream of [false, true]) {
      const body = { model: 'claude-opus-5-5', max_tokens: 50, stream, messages: [{ role: 'user', content: long }] };
      const { status, text } = await post(url, '/v1/messages', body);
      expect(status, text).toBe(400);
      const json = JSON.parse(text);
      expect(json.type).toBe('error');
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message).toMatch(/^prompt is too long: ~\d+ tokens > 40 maximum$/);
    }
    expect(up.requests).toHaveLength(0);
  });

  it('gets OpenAI Chat and Responses callers code context_length_exceeded, streamed or not', async () => {
    const url = await start(ALL);
    for (const stream of [false, true]) {
      const chatAnswer = await post(url, '/v1/chat/completions', {
        model: 'claude-opus-5-5',
        stream,
        messages: [{ role: 'user', content: long }],
      });
      expect(chatAnswer.status, chatAnswer.text).toBe(400);
      expect(JSON.parse(chatAnswer.text).error).toMatchObject({
        code: 'context_length_exceeded',
        type: 'invalid_request_error',
        message: expect.stringMatching(/maximum context length is 40 tokens/),
      });
      const responsesAnswer = await post(url, '/v1/responses', { model: 'claude-opus-5-5', stream, input: long });
      expect(responsesAnswer.status, responsesAnswer.text).toBe(400);
      expect(JSON.parse(responsesAnswer.text).error).toMatchObject({
        code: 'context_length_exceeded',
        type: 'invalid_request_error',
      });
    }
    expect(up.requests).toHaveLength(0);
  });

  it('keeps capability_unmet for the other needs', async () => {
    const url = await start(ALL);
    const { json } = await chat(url, { model: 'text-only', tools, messages: [{ role: 'user', content: long }] });
    expect(json.error.code).toBe('capability_unmet');
  });
});
