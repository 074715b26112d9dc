/**
 * plugin-admin on a gateway of its own (plus the one provider type its config names): the
 * effective config, masked; reloads through POST /admin/reload; its gauges; admin access rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import type { ConfigInput, Gateway, Plugin } from '@switchyard/core';
import { admin } from '@switchyard/plugin-admin';
import { openai } from '@switchyard/provider-openai';

const SECRET = 'sk-upstream-secret-admin-0123456789';
const configWith = (timeoutMs: number): ConfigInput => ({
  server: { host: '127.0.0.1', port: 0, drainDelayMs: 0 },
  providers: [
    { name: 'up', type: 'openai', baseUrl: `https://user:pw@127.0.0.1:9/v1?key=${SECRET}`, apiKey: SECRET, timeoutMs },
  ],
});
const opened: Gateway[] = [];

async function start(options: { plugins?: Plugin[]; next?: () => ConfigInput } = {}): Promise<string> {
  const { next } = options;
  const gateway = await createGateway({
    config: configWith(1000),
    plugins: [admin(), openai(), ...(options.plugins ?? [])],
    logger: createLogger({ level: 'silent' }),
    source: '/etc/switchyard/gateway.yaml',
    ...(next ? { reloadFrom: async () => ({ config: next() }) } : {}),
  });
  opened.push(gateway);
  return (await gateway.listen()).url;
}

const gauges = (gateway: Gateway): Record<string, number> =>
  Object.fromEntries(gateway.current.status.gauges().map((g) => [g.name, g.value]));

afterEach(async () => {
  await Promise.all(opened.splice(0).map((g) => g.close({ drainDelayMs: 0 })));
});

describe('GET /admin/config', () => {
  it('shows the effective config with every secret masked, the plugins’ options, generation and source', async () => {
    const url = await start();
    const res = await fetch(`${url}/admin/config`);
    expect(res.status).toBe(200);
    const shown = await res.json();
    expect(shown).toMatchObject({
      generation: 1,
      source: '/etc/switchyard/gateway.yaml',
      reloads: { ok: 0, failed: 0 },
    });
    expect(Date.parse(shown.loadedAt)).not.toBeNaN();
    expect(JSON.stringify(shown)).not.toContain(SECRET);
    expect(JSON.stringify(shown)).not.toContain('user:pw');
    expect(shown.config.providers[0]).toMatchObject({ name: 'up', timeoutMs: 1000 });
    expect(shown.config.plugins).toEqual({ admin: {}, 'provider-openai': {} });
    // Core's defaults are filled in: what the gateway runs with, not only what the file said.
    expect(shown.config.routing.maxAttempts).toBeGreaterThan(0);
  });
});

describe('POST /admin/reload', () => {
  it('swaps in the config reloadFrom reads (200), refuses a bad one with every problem (422), and counts both', async () => {
    let next = configWith(2000);
    const url = await start({ next: () => next });
    const gateway = opened[0]!;
    expect(gauges(gateway)).toEqual({ config_generation: 1, config_reloads_ok: 0, config_reloads_failed: 0 });

    const ok = await fetch(`${url}/admin/reload`, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, generation: 2 });
    const shown = await (await fetch(`${url}/admin/config`)).json();
    expect(shown.config.providers[0].timeoutMs).toBe(2000);

    next = { ...configWith(3000), routing: { maxAttempts: 0 } } as ConfigInput;
    const bad = await fetch(`${url}/admin/reload`, { method: 'POST' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual({ ok: false, generation: 2, problems: ['routing.maxAttempts: must be >= 1'] });
    expect(gauges(gateway)).toEqual({ config_generation: 2, config_reloads_ok: 1, config_reloads_failed: 1 });
    const after = await (await fetch(`${url}/admin/config`)).json();
    expect(after).toMatchObject({ generation: 2, reloads: { ok: 1, failed: 1, last: { ok: false } } });
    expect(after.config.providers[0].timeoutMs).toBe(2000);
  });
});

describe('access', () => {
  it('asks the authorizer an auth plugin installs: 401 without a key, 403 for a caller, 200 for an admin', async () => {
    const keys: Plugin = {
      name: 'keys',
      apply(g) {
        g.security.authorizeAdmin = (headers) =>
          headers.authorization === 'Bearer admin' ? 'ok' : headers.authorization ? 'forbidden' : 'unauthorized';
      },
    };
    const url = await start({ plugins: [keys] });
    const get = (authorization?: string) =>
      fetch(`${url}/admin/config`, { headers: authorization ? { authorization } : {} });
    expect((await get()).status).toBe(401);
    expect((await get('Bearer caller')).status).toBe(403);
    expect((await get('Bearer admin')).status).toBe(200);
    const reload = await fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer caller' } });
    expect(reload.status).toBe(403);
    expect(opened[0]!.reloads).toEqual({ ok: 0, failed: 0 });
  });
});
