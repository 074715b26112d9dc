/**
 * The response cache and OpenAI's encrypted reasoning: an answer carrying it is not stored (OpenAI
 * takes a reasoning item back only beside the output item that followed it, by id, and a replay
 * from the canonical form would mint that item anew), so a Responses client that sends the answer
 * back is served; an answer without reasoning is cached as any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseCache } from '@switchyard/plugin-response-cache';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.js';
import { mockProvider, startGateway, type RunningGateway } from '../../support/gateway.js';

let oai: MockOpenAI;
let gw: RunningGateway;

beforeAll(async () => {
  oai = await startMockOpenAI({ name: 'oai' });
  gw = await startGateway(
    { providers: [mockProvider('oai', oai.baseUrl, { models: ['gpt-5.5', 'gpt-4o-mini'], responsesApi: true })] },
    { plugins: [{ plugin: responseCache(), options: { ttlSeconds: 60, cacheable: 'all' } }] },
  );
});
afterAll(async () => {
  await gw.close();
  await oai.close();
});

async function post(body: unknown): Promise<{ status: number; json: any; cache: string | null }> {
  const res = await fetch(`${gw.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json(), cache: res.headers.get('x-switchyard-cache') };
}

const modelCalls = (): number => oai.requests.filter((r) => r.path === '/v1/responses').length;

describe('response-cache with Responses answers', () => {
  it('does not store an answer carrying OpenAI’s encrypted reasoning, so sending it back is served', async () => {
    const body = {
      model: 'oai/gpt-5.5',
      store: false,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'low' },
      input: [{ role: 'user', content: 'hello' }],
    };
    const first = await post(body);
    expect(first.status).toBe(200);
    expect(first.json.output.map((i: any) => i.type)).toContain('reasoning');
    const again = await post(body);
    const next = await post({
      ...body,
      input: [...body.input, ...again.json.output, { role: 'user', content: 'more' }],
    });
    expect(next.status, JSON.stringify(next.json)).toBe(200);
    expect(again.cache).toBe('miss');
    expect(modelCalls()).toBe(3);
  });

  it('caches an answer without reasoning', async () => {
    oai.reset();
    const body = { model: 'oai/gpt-4o-mini', store: false, input: [{ role: 'user', content: 'hello' }] };
    expect((await post(body)).cache).toBe('miss');
    expect((await post(body)).cache).toBe('hit');
    expect(modelCalls()).toBe(1);
  });
});
