/**
 * protocol-openai checks bodies before anything else runs: required fields, types and the ranges
 * OpenAI accepts. A wrong one is a 400 naming the field (`param`) in OpenAI's error shape, and no
 * upstream is called. Without the plugin, its paths are not served at all.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { models } from '@switchyard/plugin-models';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import type { ConfigInput } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.js';
import { get, minimalGateway, post, tinyProvider, type MinimalGateway } from './minimal-gateway.js';

let up: MockOpenAI;
let gw: MinimalGateway;

const config = (): ConfigInput =>
  ({ providers: [{ name: 'up', type: 'tiny', baseUrl: up.baseUrl, models: ['gpt-4o-mini', 'emb'] }] }) as ConfigInput;

beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up' });
  gw = await minimalGateway(config(), [models(), protocolOpenAI(), tinyProvider()]);
});
afterEach(() => up.reset());
afterAll(async () => {
  await gw.close();
  await up.close();
});

const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('chat body checks', () => {
  it.each([
    ['temperature above 2', { ...ask, temperature: 3 }, 'temperature', 'temperature: must be <= 2'],
    ['n of 0', { ...ask, n: 0 }, 'n', 'n: must be >= 1'],
    ['n above 128', { ...ask, n: 129 }, 'n', 'n: must be <= 128'],
    ['max_tokens of 0', { ...ask, max_tokens: 0 }, 'max_tokens', 'max_tokens: must be >= 1'],
    [
      'max_completion_tokens above 1,000,000',
      { ...ask, max_completion_tokens: 1_000_001 },
      'max_completion_tokens',
      'max_completion_tokens: must be <= 1000000',
    ],
    ['a fractional max_tokens', { ...ask, max_tokens: 1.5 }, 'max_tokens', 'max_tokens: must be integer,null'],
    ['top_p above 1', { ...ask, top_p: 1.5 }, 'top_p', 'top_p: must be <= 1'],
    [
      'presence_penalty below -2',
      { ...ask, presence_penalty: -3 },
      'presence_penalty',
      'presence_penalty: must be >= -2',
    ],
    [
      'frequency_penalty above 2',
      { ...ask, frequency_penalty: 2.5 },
      'frequency_penalty',
      'frequency_penalty: must be <= 2',
    ],
    ['missing messages', { model: 'gpt-4o-mini' }, 'messages', 'messages: is required'],
    ['empty messages', { ...ask, messages: [] }, 'messages', undefined],
    ['an unknown role', { ...ask, messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', undefined],
    ['missing model', { messages: ask.messages }, 'model', 'model: is required'],
    ['a stream that is not a boolean', { ...ask, stream: 'yes' }, 'stream', undefined],
    [
      'a tool without a function name',
      { ...ask, tools: [{ type: 'function', function: {} }] },
      'tools[0].function.name',
      undefined,
    ],
  ])('refuses %s with a 400 naming the field', async (_name, body, param, message) => {
    const answer = await post(gw, '/v1/chat/completions', body);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: {
        message: message ?? expect.stringContaining(`${param}:`),
        type: 'invalid_request_error',
        code: 'invalid_request',
        param,
      },
    });
    expect(up.requests).toHaveLength(0);
  });

  it('accepts the edges of each range', async () => {
    const body = {
      ...ask,
      temperature: 2,
      top_p: 0,
      n: 1,
      max_tokens: 1,
      presence_penalty: -2,
      frequency_penalty: 2,
      stop: ['x'],
      tool_choice: 'none',
    };
    expect((await post(gw, '/v1/chat/completions', body)).status).toBe(200);
    expect(up.requests).toHaveLength(1);
  });
});

describe('embeddings body checks', () => {
  it.each([
    ['missing input', { model: 'emb' }, 'input'],
    ['a number as input', { model: 'emb', input: 3 }, 'input'],
    ['an unknown encoding_format', { model: 'emb', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
    ['dimensions of 0', { model: 'emb', input: 'x', dimensions: 0 }, 'dimensions'],
  ])('refuses %s with a 400 naming the field', async (_name, body, param) => {
    const answer = await post(gw, '/v1/embeddings', body);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(up.requests).toHaveLength(0);
  });
});

describe('errors on its paths', () => {
  it('are in OpenAI’s shape: unreadable JSON, an unknown model', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    const unknown = await post(gw, '/v1/chat/completions', { ...ask, model: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      error: {
        message: 'The model `nope` does not exist or is not served by this gateway',
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
      },
    });
    expect(up.requests).toHaveLength(0);
  });
});

describe('without the plugin', () => {
  it('serves none of its paths', async () => {
    const bare = await minimalGateway(config(), [models(), tinyProvider()]);
    try {
      expect((await post(bare, '/v1/chat/completions', ask)).status).toBe(404);
      expect((await post(bare, '/v1/embeddings', { model: 'emb', input: 'x' })).status).toBe(404);
      expect((await get(bare, '/v1/models')).status).toBe(404);
      expect(up.requests).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});
