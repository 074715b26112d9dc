/**
 * GET /v1/models (protocol-openai): each public model name once — served models, aliases, what
 * instances without a model list report from their own listing (cached, failures skipped) — in
 * OpenAI's list shape, behind a gateway key when the auth plugin has keys.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auth } from '@switchyard/plugin-auth';
import { models } from '@switchyard/plugin-models';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import type { ConfigInput, PluginEntry } from '@switchyard/core';
import { get, minimalGateway, tinyProvider, type MinimalGateway, type TinyListing } from './minimal-gateway.js';

/** Nothing is called at this address: listings come from the tiny provider's listModels. */
const BASE = 'http://127.0.0.1:9/v1';
const opened: MinimalGateway[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((gw) => gw.close()));
});

async function gatewayOf(config: ConfigInput, plugins: PluginEntry[]): Promise<MinimalGateway> {
  const gw = await minimalGateway(config, plugins);
  opened.push(gw);
  return gw;
}

const ids = async (gw: MinimalGateway, headers?: Record<string, string>): Promise<string[]> => {
  const answer = await get(gw, '/v1/models', headers);
  expect(answer.status).toBe(200);
  return answer.json.data.map((m: { id: string }) => m.id);
};

describe('the list', () => {
  it('names each served model and alias once, in OpenAI’s list shape; globs are not names', async () => {
    const gw = await gatewayOf(
      {
        providers: [
          { name: 'a', type: 'tiny', baseUrl: BASE, models: ['m-1', 'm-2'] },
          { name: 'b', type: 'tiny', baseUrl: BASE, models: ['m-2', 'm-3', 'llama-*'] },
        ],
        models: [
          { name: 'smart', targets: ['a/m-1', 'b/m-3'] },
          { name: 'm-1', targets: ['b/m-3'] },
        ],
      } as ConfigInput,
      [models(), protocolOpenAI(), tinyProvider()],
    );
    const answer = await get(gw, '/v1/models');
    expect(answer.status).toBe(200);
    expect(answer.json.object).toBe('list');
    expect(answer.json.data).toEqual([
      { id: 'm-1', object: 'model', created: expect.any(Number), owned_by: 'tiny' },
      { id: 'm-2', object: 'model', created: expect.any(Number), owned_by: 'tiny' },
      { id: 'm-3', object: 'model', created: expect.any(Number), owned_by: 'tiny' },
      { id: 'smart', object: 'model', created: expect.any(Number), owned_by: 'switchyard' },
    ]);
  });

  it('adds what an instance without models reports, asking it once for repeated requests', async () => {
    const listing: TinyListing = { models: ['found-1', 'found-2', 'm-1'], calls: 0 };
    const gw = await gatewayOf(
      {
        providers: [
          { name: 'a', type: 'tiny', baseUrl: BASE, models: ['m-1'] },
          { name: 'open', type: 'tiny', baseUrl: BASE },
        ],
      } as ConfigInput,
      [models(), protocolOpenAI(), tinyProvider(listing)],
    );
    expect(await ids(gw)).toEqual(['m-1', 'found-1', 'found-2']);
    expect(await ids(gw)).toEqual(['m-1', 'found-1', 'found-2']);
    expect(listing.calls).toBe(1);
  });

  it('skips a listing that fails, and asks again next time', async () => {
    const listing: TinyListing = { models: new Error('listing refused'), calls: 0 };
    const gw = await gatewayOf(
      {
        providers: [
          { name: 'a', type: 'tiny', baseUrl: BASE, models: ['m-1'] },
          { name: 'open', type: 'tiny', baseUrl: BASE },
        ],
      } as ConfigInput,
      [models(), protocolOpenAI(), tinyProvider(listing)],
    );
    expect(await ids(gw)).toEqual(['m-1']);
    listing.models = ['found-1'];
    expect(await ids(gw)).toEqual(['m-1', 'found-1']);
    expect(listing.calls).toBe(2);
  });

  it('still lists the configured models without the models plugin', async () => {
    const gw = await gatewayOf(
      { providers: [{ name: 'a', type: 'tiny', baseUrl: BASE, models: ['m-1', 'm-2'] }] } as ConfigInput,
      [protocolOpenAI(), tinyProvider()],
    );
    expect(await ids(gw)).toEqual(['m-1', 'm-2']);
  });
});

describe('with gateway keys', () => {
  it('needs one: 401 in OpenAI’s shape without it', async () => {
    const key = 'sk-gateway-key-0123456789';
    const gw = await gatewayOf(
      {
        providers: [{ name: 'a', type: 'tiny', baseUrl: BASE, models: ['m-1'] }],
        plugins: { auth: { keys: [{ name: 'k', key }] } },
      } as ConfigInput,
      [auth(), models(), protocolOpenAI(), tinyProvider()],
    );
    const refused = await get(gw, '/v1/models');
    expect(refused.status).toBe(401);
    expect(refused.json.error).toMatchObject({ type: expect.any(String), code: 'missing_api_key' });
    const wrong = await get(gw, '/v1/models', { authorization: 'Bearer sk-not-a-key-0123456789' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_api_key');
    expect(await ids(gw, { authorization: `Bearer ${key}` })).toEqual(['m-1']);
  });
});
