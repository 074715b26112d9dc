/**
 * What the `openai` provider type serves: model names claimed by prefix for instances that list
 * none, globs in `models`, the instance's own listing at `{baseUrl}{modelsPath}`, and the
 * operations it serves (chat, embeddings) — with its own error for a request it cannot build.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, Type } from '@switchyard/core';
import type { ConfigInput, PluginEntry } from '@switchyard/core';
import type { InboundProtocol } from '@switchyard/core/protocol';
import { models } from '@switchyard/plugin-models';
import { openaiCodec, protocolOpenAI } from '@switchyard/protocol-openai';
import { openai } from '@switchyard/provider-openai';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.js';
import { get, minimalGateway, post, type MinimalGateway } from '../protocol-openai/minimal-gateway.js';

let up: MockOpenAI;
const opened: MinimalGateway[] = [];

beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up', models: ['gpt-4o-mini', 'llama-3-8b', 'qwen3-32b'] });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((gw) => gw.close()));
  up.reset();
});
afterAll(() => up.close());

async function gatewayWith(
  instance: Record<string, unknown>,
  plugins: PluginEntry[] = [models(), protocolOpenAI(), openai()],
): Promise<MinimalGateway> {
  const config = { providers: [{ name: 'up', type: 'openai', baseUrl: up.baseUrl, ...instance }] } as ConfigInput;
  const gw = await minimalGateway(config, plugins);
  opened.push(gw);
  return gw;
}

const chat = (gw: MinimalGateway, model: string) =>
  post(gw, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });
const chats = () => up.requests.filter((r) => r.method === 'POST');

describe('model names', () => {
  it('claims OpenAI’s prefixes for an instance that lists no models, and nothing else', async () => {
    const gw = await gatewayWith({});
    for (const model of ['gpt-4.1-nano', 'o3-mini', 'o4-mini', 'chatgpt-4o-latest'])
      expect((await chat(gw, model)).status, model).toBe(200);
    const embedded = await post(gw, '/v1/embeddings', { model: 'text-embedding-3-large', input: 'x' });
    expect(embedded.status).toBe(200);
    const other = await chat(gw, 'llama-3-8b');
    expect(other.status).toBe(404);
    expect(other.json.error.code).toBe('model_not_found');
    expect(chats().map((r) => r.body.model)).toEqual([
      'gpt-4.1-nano',
      'o3-mini',
      'o4-mini',
      'chatgpt-4o-latest',
      'text-embedding-3-large',
    ]);
  });

  it('serves open-ended names from globs in models, and no longer claims the prefixes', async () => {
    const gw = await gatewayWith({ models: ['llama-*', 'qwen3-32b'] });
    expect((await chat(gw, 'llama-3-8b')).status).toBe(200);
    expect((await chat(gw, 'qwen3-32b')).status).toBe(200);
    expect((await chat(gw, 'gpt-4o-mini')).status).toBe(404);
    const listed = await get(gw, '/v1/models');
    expect(listed.json.data.map((m: any) => m.id)).toEqual(['qwen3-32b']);
  });

  it('lists an instance without models from {baseUrl}{modelsPath}, with its key', async () => {
    const gw = await gatewayWith({ baseUrl: up.origin, modelsPath: '/v1/models', apiKey: 'sk-up-0123456789' });
    const listed = await get(gw, '/v1/models');
    expect(listed.status).toBe(200);
    expect(listed.json.data.map((m: any) => [m.id, m.owned_by])).toEqual([
      ['gpt-4o-mini', 'openai'],
      ['llama-3-8b', 'openai'],
      ['qwen3-32b', 'openai'],
    ]);
    expect(up.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['GET', '/v1/models', 'Bearer sk-up-0123456789'],
    ]);
  });
});

/** A tiny inbound protocol for requests protocol-openai never makes: a chat without a canonical request, an operation no type serves. */
const bare: InboundProtocol = {
  ...openaiCodec,
  name: 'bare',
  routes: [
    { path: '/bare/chat', operation: 'chat', decode: () => ({}) },
    { path: '/bare/rerank', operation: 'rerank', decode: () => ({}) },
  ],
};
const bareProtocol = () =>
  definePlugin({ name: 'protocol-bare', options: Type.Object({}), protocols: [bare], apply: () => undefined });

describe('operations', () => {
  it('answers a chat it has no canonical request for with its own 400, without calling the upstream', async () => {
    const gw = await gatewayWith({ models: ['gpt-4o-mini'] }, [models(), bareProtocol(), openai()]);
    const answer = await post(gw, '/bare/chat', { model: 'gpt-4o-mini', prompt: 'hi' });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain('chat is not supported here');
    expect(up.requests).toHaveLength(0);
  });

  it('serves chat and embeddings only: another operation finds no target of type openai', async () => {
    const gw = await gatewayWith({ models: ['gpt-4o-mini'] }, [models(), bareProtocol(), openai()]);
    const answer = await post(gw, '/bare/rerank', { model: 'gpt-4o-mini', query: 'hi' });
    expect(answer.status).toBe(503);
    expect(answer.json.error.message).toContain('provider type openai does not serve rerank');
    expect(up.requests).toHaveLength(0);
  });
});
