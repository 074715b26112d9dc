/**
 * provider-openai builds the upstream request: the target's model, the instance's credentials and
 * headers (never the caller's), its paths, and the usage a stream is asked for. A minimal gateway
 * (models, protocol-openai, openai) over the mock OpenAI upstream.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { models } from '@switchyard/plugin-models';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import { openai } from '@switchyard/provider-openai';
import type { ConfigInput } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.js';
import { minimalGateway, post, sseData, type MinimalGateway } from '../protocol-openai/minimal-gateway.js';

const UP_KEY = 'sk-upstream-openai-0123456789';
const CALLER_KEY = 'sk-caller-own-key-0123456789';

let up: MockOpenAI;
const opened: MinimalGateway[] = [];

beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up' });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((gw) => gw.close()));
  up.reset();
});
afterAll(() => up.close());

async function gatewayWith(instance: Record<string, unknown>, config: ConfigInput = {}): Promise<MinimalGateway> {
  const gw = await minimalGateway(
    {
      providers: [
        {
          name: 'up',
          type: 'openai',
          baseUrl: up.baseUrl,
          models: ['gpt-4o-mini', 'text-embedding-3-small'],
          ...instance,
        },
      ],
      ...config,
    } as ConfigInput,
    [models(), protocolOpenAI(), openai()],
  );
  opened.push(gw);
  return gw;
}

const ask = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hello' }],
  ...extra,
});
const callerHeaders = { authorization: `Bearer ${CALLER_KEY}`, 'x-api-key': CALLER_KEY };

describe('model and credentials', () => {
  it("sends the target's model and the instance key as Bearer, never the caller's key", async () => {
    const gw = await gatewayWith({ apiKey: UP_KEY }, { models: [{ name: 'smart', targets: ['up/gpt-4o-mini'] }] });
    const answer = await post(gw, '/v1/chat/completions', ask({ model: 'smart' }), callerHeaders);
    expect(answer.status).toBe(200);
    const [sent] = up.requests;
    expect(sent!.path).toBe('/v1/chat/completions');
    expect(sent!.body.model).toBe('gpt-4o-mini');
    expect(sent!.headers.authorization).toBe(`Bearer ${UP_KEY}`);
    expect(sent!.headers['x-api-key']).toBeUndefined();
    expect(sent!.rawBody).not.toContain(CALLER_KEY);
  });

  it('sends no credentials at all for an instance without a key (the caller’s are not a fallback)', async () => {
    const gw = await gatewayWith({});
    expect((await post(gw, '/v1/chat/completions', ask(), callerHeaders)).status).toBe(200);
    expect(up.requests[0]!.headers.authorization).toBeUndefined();
    expect(up.requests[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('sends the bare key in authHeader when it names another header', async () => {
    const gw = await gatewayWith({ apiKey: UP_KEY, authHeader: 'Api-Key' });
    expect((await post(gw, '/v1/chat/completions', ask(), callerHeaders)).status).toBe(200);
    expect(up.requests[0]!.headers['api-key']).toBe(UP_KEY);
    expect(up.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('sends the instance headers, organization and project', async () => {
    const gw = await gatewayWith({
      apiKey: UP_KEY,
      headers: { 'x-team': 'search' },
      organization: 'org-123',
      project: 'proj-456',
    });
    expect((await post(gw, '/v1/chat/completions', ask())).status).toBe(200);
    expect(up.requests[0]!.headers).toMatchObject({
      'x-team': 'search',
      'openai-organization': 'org-123',
      'openai-project': 'proj-456',
      authorization: `Bearer ${UP_KEY}`,
    });
  });

  it('refuses an instance field it does not know, naming it, before anything starts', async () => {
    const err = await gatewayWith({ chatpath: '/chat' }).catch((e: unknown) => e);
    expect((err as { problems?: string[] }).problems).toEqual([
      expect.stringMatching(/^providers\[0\]\.chatpath: is not a known field/),
    ]);
  });
});

describe('paths', () => {
  it('appends chatPath and embeddingsPath to baseUrl', async () => {
    const gw = await gatewayWith({
      baseUrl: up.origin,
      chatPath: '/v1/chat/completions?api-version=1',
      embeddingsPath: '/v1/embeddings?api-version=2',
    });
    expect((await post(gw, '/v1/chat/completions', ask())).status).toBe(200);
    const embedded = await post(gw, '/v1/embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(embedded.status).toBe(200);
    expect(embedded.json.data).toHaveLength(2);
    expect(up.requests.map((r) => r.path)).toEqual([
      '/v1/chat/completions?api-version=1',
      '/v1/embeddings?api-version=2',
    ]);
  });

  it('passes an embeddings body through with only the model changed', async () => {
    const gw = await gatewayWith(
      { apiKey: UP_KEY },
      { models: [{ name: 'embedder', targets: ['up/text-embedding-3-small'] }] },
    );
    const body = { model: 'embedder', input: 'one', encoding_format: 'base64', user: 'u-1' };
    const answer = await post(gw, '/v1/embeddings', body, callerHeaders);
    expect(answer.status).toBe(200);
    expect(typeof answer.json.data[0].embedding).toBe('string');
    expect(up.requests[0]!.path).toBe('/v1/embeddings');
    expect(up.requests[0]!.body).toEqual({ ...body, model: 'text-embedding-3-small' });
    expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${UP_KEY}`);
  });
});

describe('stream usage', () => {
  it('asks a stream for its usage when the caller did not, and keeps the usage chunk from that caller', async () => {
    const gw = await gatewayWith({});
    const answer = await post(gw, '/v1/chat/completions', ask({ stream: true, stream_options: {} }));
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    const events = sseData(answer.text);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.some((e) => typeof e === 'object' && (e as any).choices.length === 0)).toBe(false);
    expect(events.some((e) => typeof e === 'object' && (e as any).usage)).toBe(false);
  });

  it('leaves stream_options out with streamUsage: false', async () => {
    const gw = await gatewayWith({ streamUsage: false });
    const answer = await post(gw, '/v1/chat/completions', ask({ stream: true }));
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body).not.toHaveProperty('stream_options');
    expect(sseData(answer.text).at(-1)).toBe('[DONE]');
  });

  it('does not ask a request that is not streamed', async () => {
    const gw = await gatewayWith({});
    expect((await post(gw, '/v1/chat/completions', ask())).status).toBe(200);
    expect(up.requests[0]!.body).toEqual(ask());
  });
});
