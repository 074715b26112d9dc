import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hashKey } from '@switchyard/plugin-auth';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startGatedUpstream } from '../../support/gated-upstream.js';
import type { GatedUpstream } from '../../support/gated-upstream.js';
import { startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';

const REDIS = 'redis://127.0.0.1:6379';
const ADMIN = 'sk-gw-ops-0123456789abcdef';
const APP = 'sk-gw-config-app-0123456789';
const prefix = testPrefix();
const redis = new Redis(REDIS);
let run = 0;
const opened: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

interface Replica {
  gw: RunningGateway;
  lines: Array<Record<string, unknown>>;
}

async function upstream(): Promise<GatedUpstream> {
  const u = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 5 }), { open: true });
  opened.unshift({ close: () => u.stop() });
  return u;
}

/** A replica on Redis prefix `keyPrefix` (at `url`) with one admin key and one app key in its config. */
async function replica(
  keyPrefix: string,
  u: GatedUpstream,
  plugins: Record<string, unknown> = {},
  store: 'redis' | 'memory' = 'redis',
  url = REDIS,
): Promise<Replica> {
  const { logger, lines } = memoryLogger();
  const gw = await startGateway(
    {
      ...(store === 'redis' ? { store: { type: 'redis', url, keyPrefix } } : {}),
      providers: [mockProvider('u', u.baseUrl, { models: ['m', 'other'] })],
      catalog: { m: { pricing: { input: 0, output: 10 } } },
      plugins: {
        auth: {
          keys: [
            { name: 'ops', key: ADMIN, admin: true },
            { name: 'app', key: APP },
          ],
        },
        'circuit-breaker': false,
        ...plugins,
      },
    },
    { logger },
  );
  opened.push(gw);
  return { gw, lines };
}

function call(gw: RunningGateway, method: string, path: string, body?: unknown, key = ADMIN): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function chat(gw: RunningGateway, key: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

/** Waits (hang guard only) until `key` gets `status` from `gw`. */
async function until(gw: RunningGateway, key: string, status: number): Promise<void> {
  await waitFor(async () => (await chat(gw, key)).status === status, `${status} for a key on ${gw.url}`);
}

describe('keys managed at run time (Redis store)', () => {
  it('creates a key on one replica, shown once and stored as a hash, that every replica accepts without a reload', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const u = await upstream();
    const a = await replica(keyPrefix, u);
    const b = await replica(keyPrefix, u);
    const res = await call(a.gw, 'POST', '/admin/keys', { name: 'team-app', team: 'research', models: ['m'] });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = await res.json();
    expect(created).toMatchObject({
      name: 'team-app',
      source: 'runtime',
      team: 'research',
      models: ['m'],
      enabled: true,
      admin: false,
      fingerprint: hashKey(created.key).slice(0, 19),
    });
    expect(created.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
    // Accepted on the replica that made it at once, and on the other once the change notice arrives.
    expect((await chat(a.gw, created.key)).status).toBe(200);
    await until(b.gw, created.key, 200);
    const stored = await redis.get(`${keyPrefix}auth:keys`);
    expect(stored).toContain(hashKey(created.key));
    expect(stored).not.toContain(created.key);
    const listing = await (await call(b.gw, 'GET', '/admin/keys')).json();
    expect(listing.runtimeKeys).toBe(true);
    expect(listing.keys.map((k: { name: string; source: string }) => `${k.name}:${k.source}`)).toEqual([
      'ops:config',
      'app:config',
      'team-app:runtime',
    ]);
    expect(JSON.stringify(listing)).not.toContain(created.key);
    for (const lines of [a.lines, b.lines]) expect(JSON.stringify(lines)).not.toContain(created.key);
    // Models still hold: the key may not use `other`.
    expect((await chat(b.gw, created.key, { model: 'other' })).status).toBe(403);
  });

  it('rotates, disables, re-enables and deletes a key; every replica follows', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const u = await upstream();
    const a = await replica(keyPrefix, u);
    const b = await replica(keyPrefix, u);
    const { key: first } = await (await call(a.gw, 'POST', '/admin/keys', { name: 'svc' })).json();
    await until(b.gw, first, 200);
    const rotated = await call(b.gw, 'PATCH', '/admin/keys/svc', { rotate: true });
    expect(rotated.status).toBe(200);
    const { key: second } = await rotated.json();
    expect(second).not.toBe(first);
    expect((await chat(b.gw, first)).status).toBe(401);
    await until(a.gw, first, 401);
    expect((await chat(a.gw, second)).status).toBe(200);
    expect((await (await call(a.gw, 'PATCH', '/admin/keys/svc', { enabled: false })).json()).enabled).toBe(false);
    const disabled = await chat(a.gw, second);
    expect(disabled.status).toBe(401);
    expect((await disabled.json()).error.code).toBe('key_disabled');
    await until(b.gw, second, 401);
    await call(a.gw, 'PATCH', '/admin/keys/svc', { enabled: true });
    await until(b.gw, second, 200);
    expect((await call(b.gw, 'DELETE', '/admin/keys/svc')).status).toBe(200);
    expect((await chat(b.gw, second)).status).toBe(401);
    await until(a.gw, second, 401);
    const gone = await call(a.gw, 'DELETE', '/admin/keys/svc');
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.code).toBe('key_not_found');
  });

  it('sets limits and a budget on a key at run time, which the rate limiter and the budgets plugin apply', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const u = await upstream();
    const a = await replica(keyPrefix, u, { budgets: { enabled: true } });
    const { key } = await (
      await call(a.gw, 'POST', '/admin/keys', { name: 'capped', limits: { requestsPerMinute: 1 } })
    ).json();
    expect((await chat(a.gw, key)).status).toBe(200);
    expect((await chat(a.gw, key)).status).toBe(429);
    await call(a.gw, 'PATCH', '/admin/keys/capped', { limits: null, budget: { usd: 0.00001, period: 'day' } });
    const refused = await chat(a.gw, key, { max_tokens: 100 });
    expect(refused.status).toBe(402);
    expect((await refused.json()).error.message).toContain('budget exceeded for key "capped"');
    const listed = (await (await call(a.gw, 'GET', '/admin/keys')).json()).keys.find(
      (k: { name: string }) => k.name === 'capped',
    );
    expect(listed).toMatchObject({ budget: { usd: 0.00001, period: 'day' } });
    expect(listed.limits).toBeUndefined();
  });

  it('keeps config keys first: their names cannot be taken or changed, and bad bodies are refused with every problem', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const u = await upstream();
    const a = await replica(keyPrefix, u);
    const taken = await call(a.gw, 'POST', '/admin/keys', { name: 'app' });
    expect(taken.status).toBe(409);
    expect((await taken.json()).error.code).toBe('key_in_config');
    expect((await (await call(a.gw, 'PATCH', '/admin/keys/app', { enabled: false })).json()).error.code).toBe(
      'key_in_config',
    );
    const same = await call(a.gw, 'POST', '/admin/keys', { name: 'copy', key: APP });
    expect(same.status).toBe(409);
    expect((await same.json()).error.message).toBe('that key is already in use by another key');
    const bad = await call(a.gw, 'POST', '/admin/keys', { name: 'bad name', models: 'm', colour: 'red' });
    expect(bad.status).toBe(400);
    const message = (await bad.json()).error.message as string;
    for (const part of ['name:', 'models:', 'colour']) expect(message).toContain(part);
    expect((await call(a.gw, 'POST', '/admin/keys', { name: 'x' }, APP)).status).toBe(403);
    expect((await chat(a.gw, APP)).status).toBe(200);
  });

  it('answers 503 key_store_unavailable (the code its README names) with Retry-After while the store is unreachable', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const u = await upstream();
    const proxy = await startTcpProxy(6379);
    opened.push({ close: () => proxy.close() });
    const a = await replica(keyPrefix, u, {}, 'redis', proxy.url);
    await proxy.cut();
    const res = await call(a.gw, 'POST', '/admin/keys', { name: 'later' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await res.json()).error).toMatchObject({ type: 'service_unavailable', code: 'key_store_unavailable' });
  });

  it('keeps run-time keys across a restart', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const u = await upstream();
    const a = await replica(keyPrefix, u);
    const { key } = await (await call(a.gw, 'POST', '/admin/keys', { name: 'durable' })).json();
    await a.gw.close();
    const again = await replica(keyPrefix, u);
    expect((await chat(again.gw, key)).status).toBe(200);
  });

  it('rotation while requests are in flight: admitted requests finish and are charged to the key; the old key is refused after, the new one accepted', async () => {
    const keyPrefix = `${prefix}${++run}:`;
    const u = await upstream();
    const a = await replica(keyPrefix, u, { budgets: { enabled: true } });
    const { key: old } = await (
      await call(a.gw, 'POST', '/admin/keys', { name: 'busy', budget: { usd: 1, period: 'day' } })
    ).json();
    u.close();
    const before = u.received;
    const inFlight = Array.from({ length: 5 }, () => chat(a.gw, old));
    await u.waitForReceived(before + 5);
    const { key: fresh } = await (await call(a.gw, 'PATCH', '/admin/keys/busy', { rotate: true })).json();
    expect((await chat(a.gw, old)).status).toBe(401);
    const during = chat(a.gw, fresh);
    await u.waitForReceived(before + 6);
    u.open();
    const statuses = await Promise.all([...inFlight, during].map(async (r) => (await r).status));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    await waitFor(async () => {
      const budgets = await (await call(a.gw, 'GET', '/admin/budgets')).json();
      return budgets.budgets.find((b: { scope: string }) => b.scope === 'key:busy')?.spentUsd > 0.0002999;
    }, 'the six requests settled');
    const { budgets } = await (await call(a.gw, 'GET', '/admin/budgets')).json();
    expect(budgets.find((b: { scope: string }) => b.scope === 'key:busy')).toMatchObject({
      spentUsd: expect.closeTo(6 * 0.00005, 12),
      reservedUsd: 0,
    });
  });
});

describe('keys managed at run time (memory store)', () => {
  it('are off by default: the listing says so and writes are refused with 409', async () => {
    const u = await upstream();
    const a = await replica('', u, {}, 'memory');
    expect((await (await call(a.gw, 'GET', '/admin/keys')).json()).runtimeKeys).toBe(false);
    const res = await call(a.gw, 'POST', '/admin/keys', { name: 'x' });
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('runtime_keys_off');
  });

  it('with runtimeKeys: true and no config keys, callers need a key at once and the first one is made from loopback', async () => {
    const u = await upstream();
    const { logger } = memoryLogger();
    const gw = await startGateway(
      { providers: [mockProvider('u', u.baseUrl, { models: ['m'] })], plugins: { auth: { runtimeKeys: true } } },
      { logger },
    );
    opened.push(gw);
    expect((await chat(gw, 'sk-nothing-yet-0000000000')).status).toBe(401);
    const res = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'root', admin: true }),
    });
    expect(res.status).toBe(201);
    const { key } = await res.json();
    expect((await chat(gw, key)).status).toBe(200);
    // Once a key exists, /admin/* needs an admin key, loopback or not.
    expect((await fetch(`${gw.url}/admin/keys`)).status).toBe(401);
    expect((await call(gw, 'GET', '/admin/keys', undefined, key)).status).toBe(200);
  });
});
