import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadBalancer } from '@switchyard/plugin-load-balancer';
import { promptCache } from '@switchyard/plugin-prompt-cache';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { recorder } from './fixtures.js';
import type { Seen } from './fixtures.js';

let oai: MockOpenAI;
let gw: RunningGateway;
const seen: Seen[] = [];

beforeAll(async () => {
  oai = await startMockOpenAI({ name: 'oai' });
  gw = await startGateway(
    {
      providers: [
        mockProvider('oai-a', oai.baseUrl, { models: ['gpt-4o-mini'] }),
        mockProvider('oai-b', oai.baseUrl, { models: ['gpt-4o-mini'] }),
      ],
    },
    { plugins: [{ plugin: loadBalancer(), options: { sticky: { sources: ['header'] } } }, recorder(seen)] },
  );
});

afterEach(() => {
  oai.reset();
  seen.length = 0;
});

afterAll(async () => {
  await gw.close();
  await oai.close();
});

const sent = () => oai.requests.filter((r) => r.path.endsWith('/chat/completions'));

async function chat(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json();
}

describe('prompt-cache on OpenAI targets', () => {
  it('sets prompt_cache_key to the affinity key: the same session gets the same key, another session another', async () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
    await chat(body, { 'x-session-id': 'conversation-1' });
    await chat(body, { 'x-session-id': 'conversation-1' });
    await chat(body, { 'x-session-id': 'conversation-2' });
    const keys = sent().map((r) => r.body.prompt_cache_key);
    expect(keys[0]).toBe(seen[0]!.affinity);
    expect(keys[0]).toMatch(/^header:[A-Za-z0-9_-]{22}$/);
    expect(keys[0]).not.toContain('conversation-1');
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).toBe(seen[2]!.affinity);
    expect(keys[2]).not.toBe(keys[0]);
    expect(seen.map((s) => s.stats?.promptCacheKey)).toEqual([true, true, true]);
  });

  it("never overwrites the caller's own prompt_cache_key, and sets none without an affinity key", async () => {
    await chat(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], prompt_cache_key: 'mine' },
      { 'x-session-id': 's' },
    );
    await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(sent()[0]!.body.prompt_cache_key).toBe('mine');
    expect('prompt_cache_key' in sent()[1]!.body).toBe(false);
    expect(seen.map((s) => s.stats?.promptCacheKey)).toEqual([false, false]);
  });

  it('promptCacheKeyInstances limits the instances that receive it', async () => {
    const g = await startGateway(
      { providers: [mockProvider('oai-a', oai.baseUrl, { models: ['gpt-4o-mini'] })] },
      {
        plugins: [
          { plugin: loadBalancer(), options: { sticky: { sources: ['header'] } } },
          { plugin: promptCache(), options: { promptCacheKeyInstances: ['elsewhere'] } },
        ],
      },
    );
    try {
      await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': 's' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect('prompt_cache_key' in sent()[0]!.body).toBe(false);
    } finally {
      await g.close();
    }
  });
});
