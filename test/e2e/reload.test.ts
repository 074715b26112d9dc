import { describe, expect, it } from 'vitest';
import { ROUTER } from '@switchyard/plugin-router';
import type { ConfigInput, Plugin } from '@switchyard/core';
import type { MockOpenAI } from '../support/mock-openai.js';
import { useMockOpenAIs } from '../support/mock-upstreams.js';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

let a: MockOpenAI;
let b: MockOpenAI;

useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));

const SERVER = { host: '127.0.0.1', port: 0 };
const chatBody = (model: string, stream = false) =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] });
const chat = (gw: RunningGateway, model = 'smart', headers: Record<string, string> = {}, stream = false) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    body: chatBody(model, stream),
    headers: { 'content-type': 'application/json', ...headers },
  });
const targetOf = async (gw: RunningGateway, model = 'smart', headers: Record<string, string> = {}) => {
  const res = await chat(gw, model, headers);
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  return res.headers.get('x-switchyard-target');
};

/** Two instances serving gpt-4o-mini; `smart` points at `to`. */
function routing(to: 'a' | 'b', extra: Partial<ConfigInput> = {}): ConfigInput {
  return {
    server: SERVER,
    providers: [
      mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'] }),
      mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'] }),
    ] as ConfigInput['providers'],
    models: [{ name: 'smart', targets: [`${to}/gpt-4o-mini`] }],
    ...extra,
  };
}

/** Records which generations ran their close hook. */
function closeRecorder(): { plugin: Plugin; closed: number[] } {
  const closed: number[] = [];
  return {
    closed,
    plugin: {
      name: 'close-recorder',
      apply(gateway) {
        gateway.hooks.close.tap('close-recorder', () => void closed.push(gateway.generation));
      },
    },
  };
}

describe('gateway.reload()', () => {
  it('swaps the routing, refuses an invalid config without changing anything, and reports both', async () => {
    const { logger, lines } = memoryLogger();
    const gw = await startGateway(routing('a'), { logger });
    try {
      expect(await targetOf(gw)).toBe('a/gpt-4o-mini');
      const ok = await gw.gateway.reload({ ...routing('b'), server: { ...SERVER, port: 1 } });
      expect(ok).toEqual({ ok: true, generation: 2 });
      expect(
        lines.some(
          (l) =>
            l.level === 40 && l.msg === 'config reload: server.port: changed, takes effect on restart (kept as it was)',
        ),
      ).toBe(true);
      expect(gw.gateway.current.generation).toBe(2);
      expect(await targetOf(gw)).toBe('b/gpt-4o-mini');

      const bad = await gw.gateway.reload({
        ...routing('a'),
        models: [{ name: 'smart', targets: ['nowhere/gpt-4o-mini'] }],
        plugins: { 'no-such-plugin': {} },
      });
      expect(bad.ok).toBe(false);
      expect(bad.generation).toBe(2);
      expect(bad.problems).toEqual(expect.arrayContaining([expect.stringContaining('plugins.no-such-plugin')]));
      expect(await targetOf(gw)).toBe('b/gpt-4o-mini');
      expect(gw.gateway.reloads).toMatchObject({ ok: 1, failed: 1, last: { ok: false, generation: 2 } });
      expect(
        lines.some(
          (l) =>
            l.level === 50 &&
            l.event === 'config_reload_problem' &&
            String(l.msg).startsWith('config reload: plugins.no-such-plugin'),
        ),
      ).toBe(true);
      expect(lines.some((l) => l.event === 'config_reload_failed' && l.generation === 2)).toBe(true);
      expect(lines.some((l) => l.event === 'config_reloaded' && l.generation === 2)).toBe(true);

      const status = Object.fromEntries(gw.gateway.current.status.gauges().map((g) => [g.name, g.value]));
      expect(status).toMatchObject({ config_generation: 2, config_reloads_ok: 1, config_reloads_failed: 1 });

      const shown = await fetch(`${gw.url}/admin/config`);
      expect(shown.status).toBe(200);
      const config = await shown.json();
      expect(config).toMatchObject({ generation: 2, reloads: { ok: 1, failed: 1 } });
      expect(config.config.models).toEqual([{ name: 'smart', targets: ['b/gpt-4o-mini'] }]);
      expect(config.config.providers[0].apiKey).toMatch(/^\*\*\*\*/);
      expect(JSON.stringify(config)).not.toContain('sk-upstream-secret');
      // Plugin sections show the options each plugin was applied with, defaults filled.
      expect(config.config.plugins['circuit-breaker']).toMatchObject({ failureThreshold: 5 });
    } finally {
      await gw.close();
    }
  });

  it('says that a changed log file or pretty setting, or server.watchConfig, takes effect on restart, as it does for log.level (the logger and the file watch are kept)', async () => {
    const { logger, lines } = memoryLogger();
    const gw = await startGateway(routing('a'), { logger });
    try {
      const ok = await gw.gateway.reload({
        ...routing('a'),
        server: { ...SERVER, watchConfig: true },
        log: { file: '/nonexistent/switchyard.log', pretty: true },
      });
      expect(ok).toEqual({ ok: true, generation: 2 });
      const warned = lines.filter((l) => l.level === 40).map((l) => l.msg);
      for (const path of ['log.file', 'log.pretty', 'server.watchConfig'])
        expect(warned).toContain(`config reload: ${path}: changed, takes effect on restart (kept as it was)`);
    } finally {
      await gw.close();
    }
  });

  it('refuses a reload that would leave a gateway listening beyond loopback without gateway keys', async () => {
    const key = 'test-gateway-key-0123456789';
    const withKey = routing('a', { plugins: { auth: { keys: [{ name: 'k', key }] } } });
    // Bound to every interface (which needs a gateway key), called on loopback only.
    const gw = await startGateway({ ...withKey, server: { host: '0.0.0.0', port: 0 } });
    const local = `http://127.0.0.1:${new URL(gw.url).port}`;
    const anonymous = () => chat({ ...gw, url: local });
    try {
      expect((await anonymous()).status).toBe(401);
      const open = await gw.gateway.reload(routing('b'));
      expect(open.ok).toBe(false);
      expect(open.problems).toEqual([
        expect.stringContaining('server.allowUnauthenticated: the new config has no gateway keys'),
      ]);
      expect((await anonymous()).status).toBe(401);
      // Saying so in the config is allowed, as it is at start.
      const allowed = await gw.gateway.reload(
        routing('b', { server: { host: '0.0.0.0', port: 0, allowUnauthenticated: true } }),
      );
      expect(allowed.ok).toBe(true);
      expect((await anonymous()).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('POST /admin/reload reads reloadFrom again and answers 422 with every problem when it is invalid', async () => {
    const { createGateway, createLogger } = await import('@switchyard/core');
    const { standard } = await import('@switchyard/preset-standard');
    let next: ConfigInput = routing('b');
    const gateway = await createGateway({
      config: routing('a'),
      presets: [standard()],
      logger: createLogger({ level: 'silent' }),
      reloadFrom: async () => ({ config: next }),
    });
    const { url } = await gateway.listen();
    const gw: RunningGateway = { gateway, url, close: () => gateway.close({ drainDelayMs: 0 }) };
    try {
      expect(await targetOf(gw)).toBe('a/gpt-4o-mini');
      const ok = await fetch(`${url}/admin/reload`, { method: 'POST' });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ ok: true, generation: 2 });
      expect(await targetOf(gw)).toBe('b/gpt-4o-mini');

      next = {
        ...routing('a'),
        providers: [{ name: 'a', type: 'no-such-type', baseUrl: a.baseUrl }],
        routing: { maxAttempts: 0 },
      } as ConfigInput;
      const bad = await fetch(`${url}/admin/reload`, { method: 'POST' });
      expect(bad.status).toBe(422);
      const body = await bad.json();
      expect(body.ok).toBe(false);
      expect(body.problems).toEqual([
        'routing.maxAttempts: must be >= 1',
        'providers[0].type: no provider plugin defines type "no-such-type" (defined: openai, anthropic, gemini, azure-openai, bedrock, vertex)',
      ]);
      expect(await targetOf(gw)).toBe('b/gpt-4o-mini');
      expect(gateway.reloads.failed).toBe(1);
    } finally {
      await gw.close();
    }
  });

  it('shares one store between generations: neither a failed nor a good reload closes it, close() does once', async () => {
    const { createGateway, createLogger, MemoryStore } = await import('@switchyard/core');
    const { standard } = await import('@switchyard/preset-standard');
    const store = new MemoryStore();
    let closes = 0;
    const close = store.close.bind(store);
    store.close = () => {
      closes++;
      return close();
    };
    const gateway = await createGateway({
      config: routing('a'),
      presets: [standard()],
      store,
      logger: createLogger({ level: 'silent' }),
    });
    await gateway.listen();
    expect((await gateway.reload({ ...routing('b'), plugins: { 'no-such-plugin': {} } })).ok).toBe(false);
    expect((await gateway.reload(routing('b'))).ok).toBe(true);
    expect(gateway.current.store).toBe(store);
    expect(closes).toBe(0);
    await gateway.close({ drainDelayMs: 0 });
    expect(closes).toBe(1);
  });

  it('keeps the old generation, its pools and its close hook, until its last stream ends', async () => {
    const recorder = closeRecorder();
    const gw = await startGateway(routing('a'), { plugins: [recorder.plugin] });
    try {
      const first = gw.gateway.current;
      // The stream stays open well past the reload below, however slow the machine: its first event waits 3 s.
      a.queueFault({ kind: 'streamDelay', firstChunkMs: 3000 });
      const slow = chat(gw, 'smart', {}, true).then((r) => r.text());
      await until(() => a.requests.length === 1, { what: 'the stream at a' });
      expect((await gw.gateway.reload(routing('b'))).ok).toBe(true);
      expect(await targetOf(gw)).toBe('b/gpt-4o-mini');
      expect(recorder.closed).toEqual([]);
      expect(first.http.poolCount).toBe(1);
      const text = await slow;
      expect(text).toContain('"content":"a"');
      expect(text).toContain('data: [DONE]');
      await until(() => recorder.closed.length > 0, { what: 'the old generation closed' });
      expect(recorder.closed).toEqual([1]);
      expect(first.http.poolCount).toBe(0);
      expect(gw.gateway.current.http.poolCount).toBe(1);
    } finally {
      await gw.close();
    }
    expect(recorder.closed).toEqual([1, 2]);
  });

  it("keeps the router's learned per-target figures across a reload", async () => {
    const gw = await startGateway(routing('a'));
    try {
      for (let i = 0; i < 3; i++) expect(await targetOf(gw)).toBe('a/gpt-4o-mini');
      expect((await gw.gateway.reload(routing('b'))).ok).toBe(true);
      expect(await targetOf(gw)).toBe('b/gpt-4o-mini');
      const current = gw.gateway.current.need(ROUTER);
      expect(current.statsOf('a/gpt-4o-mini')).toMatchObject({ requests: 3, successes: 3 });
      expect(current.statsOf('a/gpt-4o-mini')!.latencyMs).toBeGreaterThan(0);
      const report = (await (await fetch(`${gw.url}/admin/routes`)).json()) as {
        targets: Array<{ id: string; requests: number }>;
      };
      expect(report.targets.find((t) => t.id === 'a/gpt-4o-mini')?.requests).toBe(3);
      expect(report.targets.find((t) => t.id === 'b/gpt-4o-mini')?.requests).toBe(1);
    } finally {
      await gw.close();
    }
  });

  it('keeps breaker counts, sticky bindings and limit counters across an unrelated reload', async () => {
    const config = (aliases: ConfigInput['models']): ConfigInput => ({
      ...routing('a'),
      models: aliases,
      plugins: {
        'circuit-breaker': { failureThreshold: 2, failureRatio: 0, openMs: 60_000, jitter: 0 },
        'load-balancer': { algorithm: 'round-robin', sticky: { sources: ['header'] } },
        'rate-limit': { defaults: { requestsPerMinute: 8 } },
      },
    });
    const pair = [{ name: 'pair', targets: ['a/gpt-4o-mini', 'b/gpt-4o-mini'] }];
    const gw = await startGateway(config(pair));
    try {
      // A sticky session binds to one instance (round-robin would alternate without it).
      const session = { 'x-session-id': 'conversation-1' };
      const bound = await targetOf(gw, 'gpt-4o-mini', session);
      const other = [...pair, { name: 'other', targets: ['b/gpt-4o-mini'] }];
      expect((await gw.gateway.reload(config(other))).ok).toBe(true);
      for (let i = 0; i < 3; i++) expect(await targetOf(gw, 'gpt-4o-mini', session)).toBe(bound);
      // One failure of a: below the threshold of 2, so its circuit stays closed.
      a.queueFault({ kind: 'status', status: 500 });
      expect(await targetOf(gw, 'pair')).toBe('b/gpt-4o-mini');
      // 5 of 8 requests used. Reload again: the second failure opens the circuit only because the first was kept.
      expect((await gw.gateway.reload(config(pair))).ok).toBe(true);
      a.queueFault({ kind: 'status', status: 500 });
      expect(await targetOf(gw, 'pair')).toBe('b/gpt-4o-mini');
      const routes = await (await fetch(`${gw.url}/admin/circuits`)).json();
      expect(routes.instances.find((i: { name: string }) => i.name === 'a').breakers[0]).toMatchObject({
        state: 'open',
        reason: '2 consecutive failures',
      });
      const aCalls = a.requests.length;
      expect(await targetOf(gw, 'pair')).toBe('b/gpt-4o-mini');
      expect(a.requests.length).toBe(aCalls);
      // 7 used; the 8th passes and the 9th is refused by the counter carried over.
      expect((await chat(gw, 'pair')).status).toBe(200);
      const refused = await chat(gw, 'pair');
      expect(refused.status).toBe(429);
      expect((await refused.json()).error.message).toContain('rate limit');
    } finally {
      await gw.close();
    }
  });

  it('keeps the times to first token hedging learned', async () => {
    const gw = await startGateway(routing('a', { routing: { hedge: true } }));
    try {
      const learned = gw.gateway.current.keep('switchyard', 'ttft', () => 'none');
      expect(learned).not.toBe('none');
      expect((await gw.gateway.reload(routing('b', { routing: { hedge: true } }))).ok).toBe(true);
      expect(gw.gateway.current.keep('switchyard', 'ttft', () => 'none')).toBe(learned);
    } finally {
      await gw.close();
    }
  });

  it('starts fresh state when a plugin setting it depends on changes', async () => {
    const config = (algorithm: string): ConfigInput => ({
      ...routing('a'),
      plugins: { 'load-balancer': { algorithm } },
    });
    const gw = await startGateway(config('round-robin'));
    try {
      const kept = gw.gateway.current.keep('load-balancer', 'balancer:round-robin:10000', () => 'fresh');
      expect(kept).not.toBe('fresh');
      expect((await gw.gateway.reload(config('least-busy'))).ok).toBe(true);
      expect(gw.gateway.current.keep('load-balancer', 'balancer:round-robin:10000', () => 'fresh')).toBe('fresh');
      expect((await gw.gateway.reload(config('least-busy'))).ok).toBe(true);
      expect(gw.gateway.current.keep('load-balancer', 'balancer:least-busy:10000', () => 'fresh')).not.toBe('fresh');
    } finally {
      await gw.close();
    }
  });
});

describe('reload with a Redis store', () => {
  it('keeps the one Redis connection open through failed and good reloads, and limit counters in Redis carry on', async () => {
    const prefix = `sy-test-reload-${process.pid}-${Date.now()}:`;
    const config = (to: 'a' | 'b'): ConfigInput =>
      routing(to, {
        store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: prefix },
        plugins: { 'rate-limit': { defaults: { requestsPerMinute: 3 } } },
      });
    const gw = await startGateway(config('a'));
    const { RedisStore } = await import('@switchyard/store-redis/store');
    const store = gw.gateway.store as InstanceType<typeof RedisStore>;
    try {
      expect(store).toBeInstanceOf(RedisStore);
      expect(await targetOf(gw)).toBe('a/gpt-4o-mini');
      expect(await targetOf(gw)).toBe('a/gpt-4o-mini');
      expect((await gw.gateway.reload({ ...config('b'), providers: [] })).ok).toBe(false);
      expect((await gw.gateway.reload(config('b'))).ok).toBe(true);
      expect(gw.gateway.current.store).toBe(store);
      expect(store.reachable).toBe(true);
      expect(await targetOf(gw)).toBe('b/gpt-4o-mini');
      expect((await chat(gw)).status).toBe(429);
    } finally {
      await gw.close();
      const { Redis } = await import('ioredis');
      const admin = new Redis('redis://127.0.0.1:6379');
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      admin.disconnect();
    }
    expect(store.reachable).toBe(false);
  });
});

describe('operations routes with auth on', () => {
  it('POST /admin/reload and GET /admin/config need an admin key, and the config shows no key', async () => {
    const auth = {
      auth: {
        keys: [
          { name: 'app', key: 'gateway-app-key-for-tests' },
          { name: 'ops', key: 'gateway-ops-key-for-tests', admin: true, models: [] },
        ],
      },
    };
    const gw = await startGateway(routing('a', { plugins: auth }));
    try {
      expect((await fetch(`${gw.url}/admin/reload`, { method: 'POST' })).status).toBe(401);
      const asApp = await fetch(`${gw.url}/admin/config`, {
        headers: { authorization: 'Bearer gateway-app-key-for-tests' },
      });
      expect(asApp.status).toBe(403);
      const ops = { authorization: 'Bearer gateway-ops-key-for-tests' };
      expect((await fetch(`${gw.url}/admin/reload`, { method: 'POST', headers: ops })).status).toBe(200);
      const shown = await fetch(`${gw.url}/admin/config`, { headers: ops });
      expect(shown.status).toBe(200);
      const text = await shown.text();
      expect(JSON.parse(text)).toMatchObject({ generation: 2 });
      expect(text).not.toContain('gateway-app-key-for-tests');
      expect(text).not.toContain('gateway-ops-key-for-tests');
      expect(text).not.toContain('sk-upstream-secret');
    } finally {
      await gw.close();
    }
  });
});

describe('/ready', () => {
  it('503 when every target of a configured model is unhealthy, from any health source', async () => {
    const unhealthy: Plugin = {
      name: 'health-source',
      apply(gateway) {
        gateway.status.addHealth('health-source', (t) =>
          t.instance.name === 'a' ? { circuit: 'open', healthy: false, reason: 'test' } : undefined,
        );
      },
    };
    const gw = await startGateway({ ...routing('a'), plugins: { 'circuit-breaker': false } }, { plugins: [unhealthy] });
    try {
      const ready = await fetch(`${gw.url}/ready`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).problems).toEqual([
        'models: model smart: every target is unhealthy (a/gpt-4o-mini: circuit open)',
      ]);
      expect((await gw.gateway.reload(routing('b', { plugins: { 'circuit-breaker': false } }))).ok).toBe(true);
      expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('503 with no provider configured, saying why; 200 once a reload brings one', async () => {
    const gw = await startGateway({});
    try {
      const ready = await fetch(`${gw.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'not_ready',
        problems: ['switchyard: no provider is configured: nothing can be served (add one under providers:)'],
      });
      expect((await gw.gateway.reload(routing('a'))).ok).toBe(true);
      expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
