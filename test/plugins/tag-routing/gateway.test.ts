import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagRouting } from '@switchyard/plugin-tag-routing';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { mockProvider, routesOf, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';

let a: MockOpenAI;
let b: MockOpenAI;
let gw: RunningGateway;
const plugin = tagRouting();

beforeAll(async () => {
  a = await startMockOpenAI({ name: 'a' });
  b = await startMockOpenAI({ name: 'b' });
  gw = await startGateway(
    {
      providers: [
        mockProvider('a', a.baseUrl, {
          models: ['gpt-4o-mini', 'llama-3.1-70b-instruct'],
          tags: ['Cheap'],
          priority: 1,
        }),
        mockProvider('b', b.baseUrl, { models: ['gpt-4o', 'gpt-4o-mini', 'qwen2.5-coder-7b'], priority: 2 }),
      ],
      models: [{ name: 'fast', targets: ['b/gpt-4o-mini'] }],
      catalog: { 'b/qwen2.5-coder-7b': { tags: ['gpu-box'] } },
    },
    { plugins: [plugin] },
  );
});
afterAll(async () => {
  await gw.close();
  await a.close();
  await b.close();
});

function chat(model: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
}
const lastModel = (m: MockOpenAI) => m.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)?.body.model;

describe('tag routing through a gateway', () => {
  it('routes tag:… to a target carrying every tag and sends the upstream its own model name', async () => {
    const res = await chat('tag:70b,instruct');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('a/llama-3.1-70b-instruct');
    expect(lastModel(a)).toBe('llama-3.1-70b-instruct');

    const coder = await chat('tag:code,gpu-box');
    expect(coder.headers.get('x-switchyard-target')).toBe('b/qwen2.5-coder-7b');
    expect(lastModel(b)).toBe('qwen2.5-coder-7b');
  });

  it('uses configured instance tags, derived capability tags and exclusions', async () => {
    expect((await chat('tag:cheap,vision')).headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
    expect((await chat('tag:vision,!mini')).headers.get('x-switchyard-target')).toBe('b/gpt-4o');
    expect((await chat('tag:b,mini')).headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
  });

  it('fails over along the tag-selected targets in priority order', async () => {
    a.queueFault({ kind: 'status', status: 500 });
    const res = await chat('tag:mini');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('answers 404 naming the tag counts when nothing matches, 400 for an empty query', async () => {
    const none = await chat('tag:code,cheap');
    expect(none.status).toBe(404);
    const body = (await none.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('model_not_found');
    expect(body.error.message).toContain('code: 1, cheap: 2');

    const empty = await chat('tag:!mini');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { param: string } }).error.param).toBe('model');
  });

  it('narrows any request by the x-switchyard-tags header', async () => {
    expect((await chat('gpt-4o-mini', { 'x-switchyard-tags': 'cheap' })).headers.get('x-switchyard-target')).toBe(
      'a/gpt-4o-mini',
    );
    expect((await chat('gpt-4o-mini', { 'x-switchyard-tags': '!cheap' })).headers.get('x-switchyard-target')).toBe(
      'b/gpt-4o-mini',
    );
    expect((await chat('tag:mini', { 'x-switchyard-tags': 'b' })).headers.get('x-switchyard-target')).toBe(
      'b/gpt-4o-mini',
    );
    const none = await chat('fast', { 'x-switchyard-tags': 'cheap' });
    expect(none.status).toBe(400);
    const body = (await none.json()) as { error: { message: string; param: string } };
    expect(body.error.param).toBe('x-switchyard-tags');
    expect(body.error.message).toContain('lacks tag cheap');
  });

  it("narrows by the body's switchyard.tags too, which the upstream never sees", async () => {
    const res = await chat('gpt-4o-mini', {}, { switchyard: { tags: ['!cheap'] } });
    expect(res.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
    const sent = b.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body;
    expect(sent).not.toHaveProperty('switchyard');
    expect((await chat('gpt-4o-mini', { 'x-switchyard-tags': 'b' }, { switchyard: { tags: ['cheap'] } })).status).toBe(
      400,
    );
  });

  it('rebuilds its index when the served models change, without touching the request path', async () => {
    expect(plugin.index()?.size).toBe(5);
    // As model discovery does: instance a now serves one other model (the last test: the gateway keeps it).
    routesOf(gw.gateway).serve('a', ['mistral-7b-instruct:free']);
    expect(plugin.index()?.size).toBe(4);
    expect(
      plugin
        .index()!
        .select({ include: ['free', '7b'], exclude: [] })
        .targets.map((t) => t.id),
    ).toEqual(['a/mistral-7b-instruct:free']);
    expect(plugin.index()!.select({ include: ['70b'], exclude: [] }).targets).toEqual([]);
    expect((await chat('tag:free,7b')).headers.get('x-switchyard-target')).toBe('a/mistral-7b-instruct:free');
  });
});
