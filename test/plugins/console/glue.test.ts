import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { webConsole } from '@switchyard/plugin-console';
import type { RequestRecord, TrafficSnapshot } from '@switchyard/plugin-console';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { useMockOpenAIs } from '../../support/mock-upstreams.js';

const ADMIN_KEY = 'sk-gw-glue-admin-0123456789';
const APP_KEY = 'sk-gw-glue-app-0123456789';

let a: MockOpenAI;
let b: MockOpenAI;
useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));

const providers = () => [
  mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], priority: 1 }),
  mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2 }),
];
const chat = (gw: RunningGateway, content = 'hello', headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  }).then(async (r) => ({ status: r.status, text: await r.text(), id: r.headers.get('x-request-id') }));
const json = async <T>(gw: RunningGateway, path: string, headers: Record<string, string> = {}): Promise<T> =>
  (await (await fetch(`${gw.url}${path}`, { headers })).json()) as T;

async function withGateway(
  run: (gw: RunningGateway) => Promise<void>,
  options: Parameters<typeof startGateway>[1] = {},
  extra: Record<string, unknown> = {},
): Promise<void> {
  const gw = await startGateway({ providers: providers(), ...extra }, options);
  try {
    await run(gw);
  } finally {
    await gw.close();
  }
}

describe('console plugin through a gateway', () => {
  it('serves its page and files with their content types, cache headers and a strict CSP', async () => {
    await withGateway(async (gw) => {
      const page = await fetch(`${gw.url}/console`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      const csp = page.headers.get('content-security-policy')!;
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ])
        expect(csp).toContain(directive);
      expect(csp).not.toContain('unsafe');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await page.text();
      // No inline script or style, and nothing but the shell.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|style=/);
      expect(html).not.toContain('gpt-4o-mini');
      const files = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(files.map((f) => f.split('.').pop()).sort()).toEqual(['css', 'js']);
      for (const file of files) {
        const res = await fetch(`${gw.url}${file}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(
          file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
        );
        expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(res.headers.get('content-security-policy')).toBe(csp);
      }
      expect((await fetch(`${gw.url}/console/`)).status).toBe(200);
      const again = await fetch(`${gw.url}/console`, { headers: { 'if-none-match': page.headers.get('etag')! } });
      expect(again.status).toBe(304);
      expect((await fetch(`${gw.url}/console/assets/nope.js`)).status).toBe(404);
      const traffic = await fetch(`${gw.url}/admin/console/traffic`);
      expect(traffic.headers.get('cache-control')).toBe('no-store');
    });
  });

  it('feeds live traffic per model and per target, and the tail with metadata only', async () => {
    await withGateway(async (gw) => {
      const marker = 'please-do-not-keep-this-prompt';
      expect((await chat(gw, marker)).status).toBe(200);
      a.queueFault({ kind: 'status', status: 500 });
      expect((await chat(gw)).status).toBe(200); // a fails, b serves
      a.queueFault({ kind: 'status', status: 500 });
      b.queueFault({ kind: 'status', status: 500 });
      const failed = await chat(gw);
      expect(failed.status).toBe(502);

      const traffic = await json<TrafficSnapshot & { refreshMs: number }>(gw, '/admin/console/traffic');
      expect(traffic.refreshMs).toBe(2000);
      expect(traffic.windowSeconds).toBe(60);
      expect(traffic.total).toMatchObject({ requests: 3, errors: 1 });
      expect(traffic.models).toEqual([expect.objectContaining({ name: 'gpt-4o-mini', requests: 3, errors: 1 })]);
      expect(traffic.models[0]!.latencyMs).not.toBeNull();
      expect(traffic.models[0]!.tokens.input).toBeGreaterThan(0);
      expect(traffic.models[0]!.costUsd).toBeGreaterThan(0);
      const targets = Object.fromEntries(traffic.targets.map((t) => [t.name, [t.requests, t.errors]]));
      expect(targets).toEqual({ 'a/gpt-4o-mini': [3, 2], 'b/gpt-4o-mini': [2, 1] });

      const tailText = await (await fetch(`${gw.url}/admin/console/requests`)).text();
      expect(tailText).not.toContain(marker);
      expect(tailText).not.toContain('messages');
      const tail = JSON.parse(tailText) as { requests: RequestRecord[]; last: number };
      expect(tail.last).toBe(3);
      expect(tail.requests.map((r) => [r.status, r.target, r.attempts])).toEqual([
        [502, 'b/gpt-4o-mini', 2],
        [200, 'b/gpt-4o-mini', 2],
        [200, 'a/gpt-4o-mini', 1],
      ]);
      expect(tail.requests[0]).toMatchObject({
        id: failed.id,
        model: 'gpt-4o-mini',
        protocol: 'openai',
        stream: false,
        errorCode: 'SWITCHYARD_ERR_UPSTREAM_FAILED',
      });
      expect(tail.requests[2]!.tokens!.input).toBeGreaterThan(0);
      const newer = await json<{ requests: RequestRecord[] }>(gw, '/admin/console/requests?after=2');
      expect(newer.requests.map((r) => r.seq)).toEqual([3]);
      expect((await fetch(`${gw.url}/admin/console/requests?limit=-1`)).status).toBe(400);

      // The figures and the tail outlive a config reload.
      expect((await (await fetch(`${gw.url}/admin/reload`, { method: 'POST' })).json()).ok).toBe(true);
      expect((await json<TrafficSnapshot>(gw, '/admin/console/traffic')).total.requests).toBe(3);
      expect((await json<{ last: number }>(gw, '/admin/console/requests')).last).toBe(3);
    });
  });

  it('with admin keys: the page (no data) for anyone, its data for admin keys only; the caller is named, never its key', async () => {
    const keys = [
      { name: 'ops', key: ADMIN_KEY, admin: true },
      { name: 'app', key: APP_KEY },
    ];
    await withGateway(
      async (gw) => {
        expect((await chat(gw, 'hi', { authorization: `Bearer ${APP_KEY}` })).status).toBe(200);
        expect((await fetch(`${gw.url}/console`)).status).toBe(200);
        for (const path of ['/admin/console/traffic', '/admin/console/requests']) {
          expect((await fetch(`${gw.url}${path}`)).status).toBe(401);
          expect((await fetch(`${gw.url}${path}`, { headers: { authorization: 'Bearer sk-wrong' } })).status).toBe(401);
          expect((await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${APP_KEY}` } })).status).toBe(
            403,
          );
          expect((await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(
            200,
          );
        }
        const tail = await (
          await fetch(`${gw.url}/admin/console/requests`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
        ).text();
        expect(JSON.parse(tail).requests[0].caller).toBe('app');
        expect(tail).not.toContain(APP_KEY);
      },
      { plugins: [withOptions(auth(), { keys })] },
    );
  });

  it('without admin keys answers loopback callers only, page and data alike', async () => {
    await withGateway(async (gw) => {
      const handler = gw.gateway.callback();
      const remote = createServer((req, res) => {
        Object.defineProperty(req.socket, 'remoteAddress', { value: '198.51.100.4', configurable: true });
        handler(req, res);
      });
      await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
      const far = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
      try {
        for (const path of ['/console', '/admin/console/traffic', '/admin/console/requests']) {
          expect((await fetch(`${far}${path}`)).status, path).toBe(403);
          expect((await fetch(`${gw.url}${path}`)).status, path).toBe(200);
        }
      } finally {
        await new Promise((resolve) => remote.close(resolve));
      }
    });
  });

  it('serves at the configured path, and not at all when turned off', async () => {
    await withGateway(
      async (gw) => {
        const html = await (await fetch(`${gw.url}/ops/console`)).text();
        expect(html).toMatch(/src="\/ops\/console\/assets\/app-[A-Z0-9]+\.js"/);
        expect((await fetch(`${gw.url}/console`)).status).toBe(404);
      },
      { plugins: [withOptions(webConsole(), { path: '/ops/console' })] },
    );
    await withGateway(
      async (gw) => {
        expect((await fetch(`${gw.url}/console`)).status).toBe(404);
        expect((await fetch(`${gw.url}/admin/console/traffic`)).status).toBe(404);
      },
      {},
      { plugins: { console: false } },
    );
  });
});
