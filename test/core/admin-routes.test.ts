import { describe, expect, it } from 'vitest';
import { AdminRoutes, createGateway, createLogger, SwitchyardError } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { startGateway } from '../support/gateway.js';

const echo: Plugin = {
  name: 'echo-admin',
  apply(g) {
    g.admin.add({ method: 'POST', path: '/admin/echo/:name', plugin: 'echo-admin', handle: (req) => ({ status: 201, body: { name: req.params.name, got: req.body } }) });
  },
};

describe('admin routes', () => {
  it('serves plugin routes to loopback callers when no authorizer is set', async () => {
    const gw = await startGateway({}, { plugins: [echo] });
    try {
      const res = await fetch(`${gw.url}/admin/echo/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ name: 'x', got: { a: 1 } });
      expect(() => gw.gateway.admin.add({ method: 'GET', path: '/admin/late', plugin: 'late', handle: () => ({ body: 1 }) })).toThrow(/after listen/);
    } finally {
      await gw.close();
    }
  });

  it('asks the authorizer an auth plugin installs: 401 without a key, 403 for a non-admin key', async () => {
    const guard: Plugin = {
      name: 'guard',
      apply(g) {
        g.security.authorizeAdmin = (headers) => (headers.authorization === 'Bearer admin' ? 'ok' : headers.authorization ? 'forbidden' : 'unauthorized');
      },
    };
    const gw = await startGateway({}, { plugins: [echo, guard] });
    try {
      const post = (auth?: string) => fetch(`${gw.url}/admin/echo/y`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) } });
      expect((await post()).status).toBe(401);
      const forbidden = await post('Bearer user');
      expect(forbidden.status).toBe(403);
      expect((await forbidden.json()).error.type).toBe('permission_error');
      expect((await post('Bearer admin')).status).toBe(201);
    } finally {
      await gw.close();
    }
  });

  it('refuses a second plugin claiming the same admin route', async () => {
    const twin: Plugin = { name: 'twin', apply: (g) => g.admin.add({ method: 'POST', path: '/admin/echo/:name', plugin: 'twin', handle: () => ({ body: null }) }) };
    const err = await createGateway({ plugins: [echo, twin], logger: createLogger({ level: 'silent' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchyardError);
    expect((err as SwitchyardError).message).toContain('already served by plugin "echo-admin"');
  });

  it('serves a route outside /admin/ only with a declared access, public ones to anyone, never on core paths', async () => {
    const routes: Plugin = {
      name: 'routes',
      apply(g) {
        g.admin.add({ method: 'GET', path: '/open', plugin: 'routes', access: 'public', handle: () => ({ body: 'a text', headers: { 'content-type': 'text/plain; version=0.0.4' } }) });
        g.admin.add({ method: 'GET', path: '/closed', plugin: 'routes', access: 'admin', handle: () => ({ body: { ok: true } }) });
        g.security.authorizeAdmin = (headers) => (headers.authorization === 'Bearer admin' ? 'ok' : 'unauthorized');
      },
    };
    const gw = await startGateway({}, { plugins: [routes] });
    try {
      const open = await fetch(`${gw.url}/open`);
      expect(open.status).toBe(200);
      expect(open.headers.get('content-type')).toBe('text/plain; version=0.0.4');
      expect(await open.text()).toBe('a text');
      expect((await fetch(`${gw.url}/closed`)).status).toBe(401);
      expect((await fetch(`${gw.url}/closed`, { headers: { authorization: 'Bearer admin' } })).status).toBe(200);
      const add = (path: string, access?: 'public' | 'admin') => () =>
        new AdminRoutes().add({ method: 'GET', path, plugin: 'p', ...(access ? { access } : {}), handle: () => ({ body: 1 }) });
      expect(add('/admin/x', 'public')).toThrow(/cannot be public/);
      expect(add('/elsewhere')).toThrow(/must start with \/admin\//);
      for (const path of ['/v1/models', '/v1/anything', '/health', '/ready']) expect(add(path, 'public'), path).toThrow(/not a path a plugin may serve/);
      expect(add('/metrics', 'public')).not.toThrow();
    } finally {
      await gw.close();
    }
  });
});
