import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { auth, hashKey } from '@switchyard/plugin-auth';
import { spawnSync } from 'node:child_process';
import { CLI, runCli } from '../../support/cli.js';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';

const APP_KEY = 'sk-gw-app-0123456789abcdef';
const HASHED_KEY = 'sk-gw-hashed-fedcba9876543210';
const ADMIN_KEY = 'sk-gw-admin-00112233445566';
const LIMITED_KEY = 'sk-gw-limited-99887766';

let upstream: MockOpenAI;
let other: MockOpenAI;
let gw: RunningGateway;
const log = memoryLogger();

const probe: Plugin = {
  name: 'caller-probe',
  apply(g) {
    g.routes.add({
      method: 'GET',
      path: '/admin/whoami',
      plugin: 'caller-probe',
      handle: () => ({ body: { ok: true } }),
    });
    g.hooks.beforeRoute.tap('caller-probe', (x) => {
      x.warn(`caller=${x.caller?.name ?? 'none'} team=${x.caller?.team ?? 'none'}`);
    });
  },
};

beforeAll(async () => {
  upstream = await startMockOpenAI({ name: 'main' });
  other = await startMockOpenAI({ name: 'other' });
  gw = await startGateway(
    {
      providers: [
        mockProvider('main', upstream.baseUrl, { models: ['gpt-4o-mini', 'gpt-4o'], priority: 1 }),
        mockProvider('other', other.baseUrl, { models: ['gpt-4o-mini'], priority: 2 }),
      ],
      models: [{ name: 'smart', targets: ['main/gpt-4o'] }],
    },
    {
      logger: log.logger,
      plugins: [
        withOptions(auth(), {
          keys: [
            { name: 'app-1', key: APP_KEY, team: 'search', models: ['gpt-4o-mini', 'smart'] },
            { name: 'hashed', keyHash: hashKey(HASHED_KEY), models: ['*'], providers: ['other'] },
            { name: 'ops', key: ADMIN_KEY, admin: true },
            { name: 'off', key: 'sk-gw-disabled-1', enabled: false },
            { name: 'old', key: 'sk-gw-expired-1', expiresAt: '2021-06-01T00:00:00Z' },
            { name: 'limited', key: LIMITED_KEY, models: ['gpt-4o'] },
          ],
        }),
        probe,
      ],
    },
  );
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  await other.close();
});

const chat = (
  headers: Record<string, string>,
  body: unknown = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  path = '/v1/chat/completions',
) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('auth plugin through a gateway', () => {
  it('lets an OpenAI client in with its key, putting the caller on the exchange', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: APP_KEY, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('main: hi');
    expect(response.headers.get('x-switchyard-warnings')).toContain('caller=app-1 team=search');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-upstream-secret-main-0123456789');
  });

  it('accepts x-api-key and x-goog-api-key, and hashed keys', async () => {
    expect((await chat({ 'x-api-key': APP_KEY })).status).toBe(200);
    expect((await chat({ 'x-goog-api-key': APP_KEY })).status).toBe(200);
    expect((await chat({ authorization: `Bearer ${HASHED_KEY}` })).status).toBe(200);
  });

  it('answers 401 in OpenAI shape for missing, unknown, disabled and expired keys', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'missing_api_key'],
      [{ authorization: 'Bearer sk-gw-nope' }, 'invalid_api_key'],
      [{ authorization: 'Bearer sk-gw-disabled-1' }, 'key_disabled'],
      [{ 'x-api-key': 'sk-gw-expired-1' }, 'key_expired'],
    ];
    for (const [headers, code] of cases) {
      const res = await chat(headers);
      expect(res.status, code).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      const body = await res.json();
      expect(body.error).toMatchObject({ type: 'authentication_error', code });
    }
  });

  it('answers 401 in Anthropic shape on /v1/messages', async () => {
    const res = await chat(
      { 'anthropic-version': '2023-06-01' },
      { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      '/v1/messages',
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('refuses a key in the query string even next to a valid header', async () => {
    const res = await chat({ authorization: `Bearer ${APP_KEY}` }, undefined, `/v1/chat/completions?key=${APP_KEY}`);
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body.error.code).toBe('key_in_query');
    expect(body.error.message).toMatch(/query string/);
  });

  it('answers 403 for a model the key may not use, in the caller protocol', async () => {
    const res = await chat({ authorization: `Bearer ${LIMITED_KEY}` });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatchObject({
      type: 'permission_error',
      code: 'model_not_allowed',
      param: 'model',
    });
    expect(
      (
        await chat(
          { authorization: `Bearer ${APP_KEY}` },
          { model: 'smart', messages: [{ role: 'user', content: 'x' }] },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await chat(
          { authorization: `Bearer ${APP_KEY}` },
          { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] },
        )
      ).status,
    ).toBe(403);
  });

  it('excludes providers the key may not use at FILTER, with a reason', async () => {
    const res = await chat({ authorization: `Bearer ${HASHED_KEY}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('other/gpt-4o-mini');
    const none = await chat(
      { authorization: `Bearer ${HASHED_KEY}` },
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] },
    );
    expect(none.status).toBe(503);
    expect((await none.json()).error.message).toContain('gateway key "hashed" may not use this provider');
  });

  it('guards GET /v1/models too', async () => {
    expect((await fetch(`${gw.url}/v1/models`)).status).toBe(401);
    const ok = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${APP_KEY}` } });
    expect(ok.status).toBe(200);
  });

  it('needs an admin key for /admin/*', async () => {
    const get = (headers: Record<string, string> = {}) => fetch(`${gw.url}/admin/whoami`, { headers });
    expect((await get()).status).toBe(401);
    expect((await get({ authorization: 'Bearer sk-gw-nope' })).status).toBe(401);
    expect((await get({ authorization: `Bearer ${APP_KEY}` })).status).toBe(403);
    expect((await get({ authorization: `Bearer ${ADMIN_KEY}` })).status).toBe(200);
  });

  it('lists the keys at GET /admin/keys for admin keys only: names, hash fingerprints, models, limits — never a key', async () => {
    const get = (key?: string) =>
      fetch(`${gw.url}/admin/keys`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect((await get()).status).toBe(401);
    expect((await get(APP_KEY)).status).toBe(403);
    const res = await get(ADMIN_KEY);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of [APP_KEY, HASHED_KEY, ADMIN_KEY, LIMITED_KEY, 'sk-gw-disabled-1', 'sk-gw-expired-1'])
      expect(text).not.toContain(secret);
    // Only the start of each hash: not even the full sha256 is shown.
    expect(text).not.toContain(hashKey(APP_KEY));
    const { keys } = JSON.parse(text) as { keys: Array<Record<string, unknown>> };
    expect(keys.map((k) => k.name)).toEqual(['app-1', 'hashed', 'ops', 'off', 'old', 'limited']);
    expect(keys[0]).toEqual({
      name: 'app-1',
      fingerprint: hashKey(APP_KEY).slice(0, 19),
      enabled: true,
      admin: false,
      models: ['gpt-4o-mini', 'smart'],
      team: 'search',
      expired: false,
      source: 'config',
    });
    expect(keys[1]).toMatchObject({
      name: 'hashed',
      fingerprint: hashKey(HASHED_KEY).slice(0, 19),
      providers: ['other'],
    });
    expect(keys[2]).toMatchObject({ name: 'ops', admin: true, models: ['*'] });
    expect(keys[3]).toMatchObject({ name: 'off', enabled: false });
    expect(keys[4]).toMatchObject({ name: 'old', expired: true, expiresAt: '2021-06-01T00:00:00Z' });
  });

  it('shows the limits a key carries for the rate limiter, and an empty list to loopback callers without keys', async () => {
    const keys = [
      {
        name: 'batch',
        key: LIMITED_KEY,
        owner: 'data',
        strategy: 'cost',
        limits: { requestsPerMinute: 60, tokensPerDay: 1000 },
      },
      { name: 'ops', key: ADMIN_KEY, admin: true },
    ];
    const limited = await startGateway({}, { plugins: [withOptions(auth(), { keys })] });
    try {
      const body = (await (
        await fetch(`${limited.url}/admin/keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
      ).json()) as { keys: unknown[] };
      expect(body.keys[0]).toMatchObject({
        name: 'batch',
        owner: 'data',
        strategy: 'cost',
        limits: { requestsPerMinute: 60, tokensPerDay: 1000 },
      });
    } finally {
      await limited.close();
    }
    const open = await startGateway({}, { plugins: [auth()] });
    try {
      expect(await (await fetch(`${open.url}/admin/keys`)).json()).toEqual({ runtimeKeys: false, keys: [] });
    } finally {
      await open.close();
    }
  });

  it('lets the gateway bind a non-loopback host once keys exist, and logs key names, never keys', async () => {
    expect(gw.gateway.security.authenticatesCallers).toBe(true);
    const text = JSON.stringify(log.lines);
    expect(text).toContain('"caller":"limited"');
    for (const secret of [APP_KEY, HASHED_KEY, ADMIN_KEY, LIMITED_KEY, 'sk-gw-disabled-1', 'sk-upstream-secret'])
      expect(text).not.toContain(secret);
  });

  it('without keys lets everyone in and leaves the gateway loopback-only', async () => {
    const open = await startGateway(
      { providers: [mockProvider('main', upstream.baseUrl, { models: ['gpt-4o-mini'] })] },
      { plugins: [auth()] },
    );
    try {
      expect(open.gateway.security.authenticatesCallers).toBe(false);
      const res = await fetch(`${open.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('refuses a bad key configuration with every problem listed', async () => {
    await expect(
      startGateway(
        {},
        { plugins: [withOptions(auth(), { keys: [{ name: 'a', keyHash: 'nope' }, { name: 'b' } as never] })] },
      ),
    ).rejects.toThrow(/plugins\.auth/);
  });
});

describe('switchyard keys hash', () => {
  it('prints the keyHash the plugin accepts, from an argument or stdin', async () => {
    const run = await runCli(['keys', 'hash', APP_KEY]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(hashKey(APP_KEY));
    const piped = spawnSync(process.execPath, [CLI, 'keys', 'hash'], { input: `${APP_KEY}\n`, encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stdout.trim()).toBe(hashKey(APP_KEY));
  });
});
