import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { tagRouting } from '@switchyard/plugin-tag-routing';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';

/** A key's `models` allow-list holds for what is sent upstream, however the request names it. */
const GLOB_KEY = 'sk-gw-glob-0123456789abcdef';
const MINI_KEY = 'sk-gw-mini-0123456789abcdef';
const EXACT_KEY = 'sk-gw-exact-0123456789abcdef';

let up: MockOpenAI;
let pool: MockOpenAI;
let gw: RunningGateway;

beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up' });
  pool = await startMockOpenAI({ name: 'pool' });
  gw = await startGateway(
    {
      plugins: { 'circuit-breaker': false },
      providers: [
        mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini', 'expensive-model'], tags: ['mini'] }),
        // No model list: serves what its type claims by prefix (gpt-, o1, o3...).
        mockProvider('mini-pool', pool.baseUrl),
      ],
      models: [
        { name: 'gpt-4o-mini-plus', targets: ['up/expensive-model'] },
        { name: 'cheap', targets: ['up/expensive-model', 'up/gpt-4o-mini'] },
      ],
    },
    {
      plugins: [
        withOptions(auth(), {
          keys: [
            { name: 'glob', key: GLOB_KEY, models: ['gpt-4o-mini*'] },
            { name: 'mini', key: MINI_KEY, models: ['*mini*'] },
            { name: 'exact', key: EXACT_KEY, models: ['gpt-4o-mini', 'cheap'] },
          ],
        }),
        tagRouting(),
      ],
    },
  );
});

afterAll(async () => {
  await gw.close();
  await up.close();
  await pool.close();
});

async function chat(key: string, model: string): Promise<{ status: number; body: any; target: string | null }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, body: await res.json(), target: res.headers.get('x-switchyard-target') };
}

const sentModels = (): string[] =>
  [...up.requests, ...pool.requests]
    .filter((r) => r.path.endsWith('/chat/completions'))
    .map((r) => r.body.model as string);

function expectRefused(res: { status: number; body: any }): void {
  expect(res.status).toBe(403);
  expect(res.body.error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed', param: 'model' });
  expect(sentModels()).toEqual([]);
}

describe("a key's models allow-list applies to what is sent upstream", () => {
  it('an alias matched by a glob does not reach a model the key may not use', async () => {
    up.reset();
    expectRefused(await chat(GLOB_KEY, 'gpt-4o-mini-plus'));
  });

  it('instance/model on a prefix-claiming instance does not step around it', async () => {
    pool.reset();
    up.reset();
    // `*mini*` matches the requested string, but the model sent would be gpt-5.
    expectRefused(await chat(MINI_KEY, 'mini-pool/gpt-5'));
  });

  it('a tag: query does not select a model the key may not use: such targets leave the plan', async () => {
    up.reset();
    expectRefused(await chat(MINI_KEY, 'tag:mini,!gpt-4o-mini'));
    const allowed = await chat(MINI_KEY, 'tag:mini');
    expect(allowed.status).toBe(200);
    expect(allowed.target).toBe('up/gpt-4o-mini');
    expect(sentModels()).toEqual(['gpt-4o-mini']);
  });

  it('an alias or instance/model the key lists exactly grants what it resolves to', async () => {
    up.reset();
    const viaAlias = await chat(EXACT_KEY, 'cheap');
    expect(viaAlias.status).toBe(200);
    expect(viaAlias.target).toBe('up/expensive-model');
    const byInstance = await chat(EXACT_KEY, 'up/gpt-4o-mini');
    expect(byInstance.status).toBe(200);
    expect(byInstance.target).toBe('up/gpt-4o-mini');
    expect(sentModels()).toEqual(['expensive-model', 'gpt-4o-mini']);
    up.reset();
    expectRefused(await chat(EXACT_KEY, 'up/expensive-model'));
  });
});
