import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PluginRoutes, createGateway, createLogger, SwitchyardError } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { startGateway } from '../support/gateway.js';

const echo: Plugin = {
  name: 'echo-admin',
  apply(g) {
    g.routes.add({
      method: 'POST',
      path: '/admin/echo/:name',
      plugin: 'echo-admin',
      handle: (req) => ({ status: 201, body: { name: req.params.name, got: req.body } }),
    });
  },
};

describe('admin routes', () => {
  it('serves plugin routes to loopback callers when no authorizer is set', async () => {
    const gw = await startGateway({}, { plugins: [echo] });
    try {
      const res = await fetch(`${gw.url}/admin/echo/x`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: 1 }),
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ name: 'x', got: { a: 1 } });
      expect(() =>
        gw.gateway.routes.add({ method: 'GET', path: '/admin/late', plugin: 'late', handle: () => ({ body: 1 }) }),
      ).toThrow(/after listen/);
    } finally {
      await gw.close();
    }
  });

  it('asks the authorizer an auth plugin installs: 401 without a key, 403 for a non-admin key', async () => {
    const guard: Plugin = {
      name: 'guard',
      apply(g) {
        g.security.authorizeAdmin = (headers) =>
          headers.authorization === 'Bearer admin' ? 'ok' : headers.authorization ? 'forbidden' : 'unauthorized';
      },
    };
    const gw = await startGateway({}, { plugins: [echo, guard] });
    try {
      const post = (auth?: string) =>
        fetch(`${gw.url}/admin/echo/y`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        });
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
    const twin: Plugin = {
      name: 'twin',
      apply: (g) =>
        g.routes.add({ method: 'POST', path: '/admin/echo/:name', plugin: 'twin', handle: () => ({ body: null }) }),
    };
    const err = await createGateway({ plugins: [echo, twin], logger: createLogger({ level: 'silent' }) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SwitchyardError);
    expect((err as SwitchyardError).message).toContain('already served by plugin "echo-admin"');
  });

  it('serves a route outside /admin/ only with a declared access, public ones to anyone, never on core paths', async () => {
    const routes: Plugin = {
      name: 'routes',
      apply(g) {
        g.routes.add({
          method: 'GET',
          path: '/open',
          plugin: 'routes',
          access: 'public',
          handle: () => ({ body: 'a text', headers: { 'content-type': 'text/plain; version=0.0.4' } }),
        });
        g.routes.add({
          method: 'GET',
          path: '/closed',
          plugin: 'routes',
          access: 'admin',
          handle: () => ({ body: { ok: true } }),
        });
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
      const add = (path: string, access?: 'public' | 'admin' | 'caller') => () =>
        new PluginRoutes().add({
          method: 'GET',
          path,
          plugin: 'p',
          ...(access ? { access } : {}),
          handle: () => ({ body: 1 }),
        });
      expect(add('/admin/x', 'public')).toThrow(/routes under \/admin\/ need the admin key/);
      expect(add('/elsewhere')).toThrow(/must declare its access/);
      for (const path of ['/v1/models', '/v1/anything'])
        expect(add(path, 'public'), path).toThrow(/routes under \/v1\/ are for callers/);
      expect(add('/v1/anything')).not.toThrow();
      expect(add('/v1/anything', 'caller')).not.toThrow();
      for (const path of ['/health', '/ready'])
        expect(add(path, 'public'), path).toThrow(/core serves \/health and \/ready/);
      expect(add('/metrics', 'public')).not.toThrow();
    } finally {
      await gw.close();
    }
  });

  it("serves a 'page' route to anyone while an authorizer guards admin routes, to loopback callers only without one", async () => {
    const page = (guarded: boolean): Plugin => ({
      name: 'page',
      apply(g) {
        g.routes.add({
          method: 'GET',
          path: '/page',
          plugin: 'page',
          access: 'page',
          handle: () => ({ body: '<p>shell</p>', headers: { 'content-type': 'text/html' } }),
        });
        g.routes.add({ method: 'GET', path: '/admin/data', plugin: 'page', handle: () => ({ body: { secret: 1 } }) });
        if (guarded)
          g.security.authorizeAdmin = (headers) => (headers.authorization === 'Bearer admin' ? 'ok' : 'unauthorized');
      },
    });
    for (const guarded of [false, true]) {
      const gw = await startGateway({}, { plugins: [page(guarded)] });
      // The gateway binds loopback only: a front server hands it requests whose peer looks remote.
      const handler = gw.gateway.callback();
      const remote = createServer((req, res) => {
        Object.defineProperty(req.socket, 'remoteAddress', { value: '203.0.113.7', configurable: true });
        handler(req, res);
      });
      await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
      const remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
      try {
        const local = await fetch(`${gw.url}/page`);
        expect(local.status).toBe(200);
        expect(await local.text()).toBe('<p>shell</p>');
        const far = await fetch(`${remoteUrl}/page`);
        expect(far.status, `guarded: ${guarded}`).toBe(guarded ? 200 : 403);
        // The page's data stays behind the key either way.
        expect((await fetch(`${remoteUrl}/admin/data`)).status).toBe(guarded ? 401 : 403);
      } finally {
        await new Promise((resolve) => remote.close(resolve));
        await gw.close();
      }
    }
    expect(() =>
      new PluginRoutes().add({
        method: 'GET',
        path: '/admin/page',
        plugin: 'p',
        access: 'page',
        handle: () => ({ body: 1 }),
      }),
    ).toThrow(/routes under \/admin\/ need the admin key/);
  });
});
