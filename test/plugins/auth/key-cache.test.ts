import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@switchyard/core';
import type { ConfigInput } from '@switchyard/core';
import { hashKey, KeyTable, LiveKeys } from '@switchyard/plugin-auth';
import type { KeysDocument, StoredKey } from '@switchyard/plugin-auth';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';

// A key table remembers which key a presented key matched (it is hashed once): these tests show
// that what it remembers never outlives a change of keys, and never skips the state checks.

const ADMIN = 'sk-gw-ops-0123456789abcdef';
const APP = 'sk-gw-app-0123456789abcdef';
const RUNTIME = 'sk-gw-runtime-0123456789abcdef';
const ROTATED = 'sk-gw-rotated-0123456789abcdef';

const stored = (key: string, extra: Partial<StoredKey> = {}): StoredKey => ({
  keyHash: hashKey(key),
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...extra,
});

describe('key lookups remembered per key table', () => {
  it('checks expiry and the enabled flag at every lookup, also for a remembered key', () => {
    const table = new KeyTable([{ name: 'soon', key: APP, expiresAt: '2030-01-01T00:00:00Z' }]);
    const before = Date.parse('2029-12-31T23:59:59Z');
    expect(table.lookup(APP, before)).toMatchObject({ ok: true, key: { name: 'soon' } });
    expect(table.lookup(APP, before)).toMatchObject({ ok: true, key: { name: 'soon' } });
    expect(table.lookup(APP, Date.parse('2030-01-01T00:00:00Z'))).toMatchObject({ ok: false, reason: 'expired' });
    expect(table.lookup(`${APP}x`, before)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('answers from the keys of the moment: run-time keys disabled, rotated or deleted are refused at the next lookup', () => {
    const live = new LiveKeys([{ name: 'app', key: APP }], createLogger({ level: 'silent' }));
    const doc = (version: number, keys: Record<string, StoredKey>): KeysDocument => ({ version, keys });
    live.adopt(doc(1, { svc: stored(RUNTIME) }));
    expect(live.table.lookup(RUNTIME)).toMatchObject({ ok: true, key: { name: 'svc' } });
    expect(live.table.lookup(APP)).toMatchObject({ ok: true, key: { name: 'app' } });

    live.adopt(doc(2, { svc: stored(RUNTIME, { enabled: false }) }));
    expect(live.table.lookup(RUNTIME)).toMatchObject({ ok: false, reason: 'disabled' });

    live.adopt(doc(3, { svc: stored(ROTATED) }));
    expect(live.table.lookup(RUNTIME)).toEqual({ ok: false, reason: 'unknown' });
    expect(live.table.lookup(ROTATED)).toMatchObject({ ok: true, key: { name: 'svc' } });

    live.adopt(doc(4, {}));
    expect(live.table.lookup(ROTATED)).toEqual({ ok: false, reason: 'unknown' });
    expect(live.table.lookup(APP)).toMatchObject({ ok: true, key: { name: 'app' } });
  });
});

describe('key changes through a gateway take effect at the next request', () => {
  let upstream: MockOpenAI;
  let gw: RunningGateway;
  const config = (keys: Array<Record<string, unknown>>): ConfigInput => ({
    providers: [mockProvider('u', upstream.baseUrl, { models: ['gpt-4o-mini'] })],
    plugins: {
      auth: { runtimeKeys: true, keys: [{ name: 'ops', key: ADMIN, admin: true }, ...keys] },
      'circuit-breaker': false,
    },
  });
  const chat = async (key: string): Promise<number> => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.text();
    return res.status;
  };
  const admin = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    upstream = await startMockOpenAI({ name: 'u' });
    gw = await startGateway(config([{ name: 'app', key: APP }]));
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('refuses a run-time key at once when it is disabled, rotated or deleted', async () => {
    expect((await admin('POST', '/admin/keys', { name: 'svc', key: RUNTIME })).status).toBe(201);
    expect(await chat(RUNTIME)).toBe(200);
    expect(await chat(RUNTIME)).toBe(200);
    expect((await admin('PATCH', '/admin/keys/svc', { enabled: false })).status).toBe(200);
    expect(await chat(RUNTIME)).toBe(401);
    expect((await admin('PATCH', '/admin/keys/svc', { enabled: true, key: ROTATED })).status).toBe(200);
    expect(await chat(RUNTIME)).toBe(401);
    expect(await chat(ROTATED)).toBe(200);
    expect((await admin('DELETE', '/admin/keys/svc')).status).toBe(200);
    expect(await chat(ROTATED)).toBe(401);
  });

  it('refuses a config key at once when a reload removes or changes it', async () => {
    expect(await chat(APP)).toBe(200);
    expect((await gw.gateway.reload(config([{ name: 'app', key: ROTATED }]))).ok).toBe(true);
    expect(await chat(APP)).toBe(401);
    expect(await chat(ROTATED)).toBe(200);
    expect((await gw.gateway.reload(config([]))).ok).toBe(true);
    expect(await chat(ROTATED)).toBe(401);
  });
});
