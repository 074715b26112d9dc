/**
 * The sixteenth rule-bypass pass: what was probed and held. The holes it found are closed in
 * rule-bypass-16-closed-*.test.ts: a replica run through `callback()` alone never followed run-time
 * key changes made elsewhere; a key's `limits` or `budget` were served without them on a gateway
 * without the rate-limit or budgets plugin. These probe keys, model lists and admin access from the sides a caller, or a
 * page in the operator's browser, could still try.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '@switchyard/core';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { call, chat } from '../support/rule-probes.js';
import { sendHttp } from '../support/raw-http.js';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

const ADMIN = 'fake-round16-admin-key';
const WIDE = 'fake-round16-wide-key';
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await dropTestKeys(prefix);
});

const chats = (up: MockOpenAI): number => up.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
const portOf = (gw: RunningGateway): number => Number(new URL(gw.url).port);

/** Two listening replicas on one Redis prefix, run-time keys on. */
async function redisReplicas(
  up: MockOpenAI,
): Promise<{ config: ConfigInput; one: RunningGateway; two: RunningGateway }> {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const config: ConfigInput = {
    store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: prefix },
    plugins: { auth: { keys: [{ name: 'ops', key: ADMIN, admin: true }] } },
    providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini', 'gpt-4o'] })],
  };
  return { config, one: await startGateway(config), two: await startGateway(config) };
}

describe('run-time keys on Redis replicas and across reloads', () => {
  it('a key expired through one replica is refused by the other: chat, the model listing and its kept response', async () => {
    const up = await startMockOpenAI({ name: 'up', models: ['gpt-4o-mini', 'gpt-4o'] });
    const { one, two } = await redisReplicas(up);
    try {
      const made = await call(`${one.url}/admin/keys`, ADMIN, { name: 'temp' });
      expect(made.status).toBe(201);
      const key = made.json.key as string;
      await until(async () => (await call(`${two.url}/v1/models`, key)).status === 200, { what: 'the key on two' });
      const kept = await call(`${two.url}/v1/responses`, key, { model: 'gpt-4o-mini', input: 'hi' });
      expect(kept.status, kept.text).toBe(200);
      expect((await call(`${one.url}/v1/responses/${kept.json.id}`, key)).status).toBe(200);
      const past = new Date(Date.now() - 60_000).toISOString();
      expect((await call(`${one.url}/admin/keys/temp`, ADMIN, { expiresAt: past }, { method: 'PATCH' })).status).toBe(
        200,
      );
      await until(async () => (await call(`${two.url}/v1/models`, key)).status === 401, { what: 'expired on two' });
      const before = chats(up);
      for (const gw of [one, two]) {
        const refused = await call(`${gw.url}/v1/chat/completions`, key, chat('gpt-4o-mini'));
        expect(refused.status).toBe(401);
        expect(refused.json.error.code).toBe('key_expired');
        expect((await call(`${gw.url}/v1/responses/${kept.json.id}`, key)).status).toBe(401);
      }
      expect(chats(up)).toBe(before);
    } finally {
      await one.close();
      await two.close();
      await up.close();
    }
  });

  it('a key deleted at run time stays deleted through a reload, and a key made since is kept', async () => {
    const up = await startMockOpenAI({ name: 'up', models: ['gpt-4o-mini', 'gpt-4o'] });
    const { config, one, two } = await redisReplicas(up);
    try {
      const gone = await call(`${one.url}/admin/keys`, ADMIN, { name: 'gone' });
      const stays = await call(`${one.url}/admin/keys`, ADMIN, { name: 'stays', models: ['gpt-4o-mini'] });
      expect((await call(`${one.url}/admin/keys/gone`, ADMIN, undefined, { method: 'DELETE' })).status).toBe(200);
      expect((await two.gateway.reload(config)).ok).toBe(true);
      const before = chats(up);
      expect((await call(`${two.url}/v1/chat/completions`, gone.json.key, chat('gpt-4o-mini'))).status).toBe(401);
      const narrow = await call(`${two.url}/v1/chat/completions`, stays.json.key, chat('gpt-4o'));
      expect(narrow.status).toBe(403);
      expect(narrow.json.error.code).toBe('model_not_allowed');
      expect(chats(up)).toBe(before);
      expect((await call(`${two.url}/v1/chat/completions`, stays.json.key, chat('gpt-4o-mini'))).status).toBe(200);
    } finally {
      await one.close();
      await two.close();
      await up.close();
    }
  });
});

describe('a shared response cache and a key narrowed at run time', () => {
  it('the narrowed key gets no cached answer of the model it may no longer use, and reaches no upstream', async () => {
    const up = await startMockOpenAI({ name: 'up', models: ['gpt-4o-mini', 'gpt-4o'] });
    const gw = await startGateway({
      plugins: {
        'response-cache': { enabled: true, shared: true },
        auth: {
          runtimeKeys: true,
          keys: [
            { name: 'ops', key: ADMIN, admin: true },
            { name: 'wide', key: WIDE },
          ],
        },
      },
      providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini', 'gpt-4o'] })],
    });
    try {
      const ask = { ...chat('gpt-4o'), temperature: 0 };
      const made = await call(`${gw.url}/admin/keys`, ADMIN, { name: 'rt', models: ['gpt-4o'] });
      expect((await call(`${gw.url}/v1/chat/completions`, WIDE, ask)).headers['x-switchyard-cache']).toBe('miss');
      // While it may use the model, the shared entry is its too.
      expect((await call(`${gw.url}/v1/chat/completions`, made.json.key, ask)).headers['x-switchyard-cache']).toBe(
        'hit',
      );
      const patched = await call(`${gw.url}/admin/keys/rt`, ADMIN, { models: ['gpt-4o-mini'] }, { method: 'PATCH' });
      expect(patched.status).toBe(200);
      const before = up.requests.length;
      const refused = await call(`${gw.url}/v1/chat/completions`, made.json.key, ask);
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('model_not_allowed');
      expect(up.requests.length).toBe(before);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('admin key routes from a page in the operator’s browser', () => {
  it('a loopback gateway with no admin key yet: a cross-site page cannot create one, as JSON or as a form', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    // Run-time keys and no keys yet: admin routes answer loopback callers, as the README says.
    const gw = await startGateway({
      plugins: { auth: { runtimeKeys: true } },
      providers: [mockProvider('up', up.baseUrl)],
    });
    try {
      const port = portOf(gw);
      const body = JSON.stringify({ name: 'planted', key: 'fake-planted-admin-key-0001', admin: true });
      const attempts = [
        { origin: 'http://evil.example', type: 'application/json' },
        { origin: 'http://evil.example', type: 'text/plain' },
        { origin: 'null', type: 'text/plain' },
        { origin: `http://localhost:${port + 1}`, type: 'application/json' },
        { origin: undefined, type: 'text/plain' },
        { origin: undefined, type: 'application/x-www-form-urlencoded' },
      ];
      for (const { origin, type } of attempts) {
        const answer = await sendHttp(port, {
          method: 'POST',
          path: '/admin/keys',
          headers: { host: `127.0.0.1:${port}`, 'content-type': type, ...(origin ? { origin } : {}) },
          body,
        });
        expect(answer.status, `${origin} ${type}`).toBe(origin ? 403 : 415);
      }
      expect(
        (await call(`${gw.url}/v1/chat/completions`, 'fake-planted-admin-key-0001', chat('gpt-4o-mini'))).status,
      ).toBe(401);
      const listing = await sendHttp(port, {
        method: 'GET',
        path: '/admin/keys',
        headers: { host: `127.0.0.1:${port}` },
      });
      expect(listing.json.keys).toEqual([]);
      expect(chats(up)).toBe(0);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
