import { describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import type { Plugin, PluginEntry } from '@switchyard/core';
import { loadBalancer } from '@switchyard/plugin-load-balancer';
import { circuitBreaker } from '@switchyard/plugin-circuit-breaker';
import type { CircuitBreakerOptions } from '@switchyard/plugin-circuit-breaker';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { useMockOpenAIs } from '../../support/mock-upstreams.js';
import { memoryLogger, mockProvider, routesOf, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { HUNG_MS, manualClock, until } from '../../support/wait.js';

let a: MockOpenAI;
let b: MockOpenAI;

useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));

const chats = (m: MockOpenAI) => m.requests.filter((r) => r.path.endsWith('/chat/completions'));
const body = (model = 'gpt-4o-mini', stream = false) =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] });
const post = (gw: RunningGateway, model?: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(model),
  });

async function start(options: CircuitBreakerOptions, extra: { models?: unknown[]; now?: () => number } = {}) {
  const { logger, lines } = memoryLogger();
  const gw = await startGateway(
    {
      providers: [
        mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], priority: 1, timeoutMs: HUNG_MS }),
        mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2, timeoutMs: HUNG_MS }),
      ],
      ...(extra.models ? { models: extra.models as never } : {}),
    },
    { plugins: [withOptions(circuitBreaker({ now: extra.now }), { jitter: 0, ...options })], logger },
  );
  return { gw, lines };
}

/** a and b in one tier, with the given plugins. */
async function startGatewayWith(plugins: Plugin[] | PluginEntry[]) {
  const gw = await startGateway(
    {
      providers: [
        mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], timeoutMs: HUNG_MS }),
        mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], timeoutMs: HUNG_MS }),
      ],
    },
    { plugins: plugins as PluginEntry[] },
  );
  return { gw };
}

/** Repeats `probe` until it returns true (then true); throws when it has not after HUNG_MS. */
const eventually = (probe: () => Promise<boolean> | boolean): Promise<boolean> => until(probe);

const routes = async (gw: RunningGateway) =>
  (await (await fetch(`${gw.url}/admin/circuits`)).json()) as {
    instances: Array<{
      name: string;
      breakers: Array<{ state: string; parkedUntil?: number; consecutiveFailures: number }>;
    }>;
    models: Array<{ name: string; targets: Array<{ id: string; state: string }> }>;
  };
const breakerOf = async (gw: RunningGateway, name: string) =>
  (await routes(gw)).instances.find((i) => i.name === name)!.breakers[0]!;

describe('circuit breaker through a gateway', () => {
  it('opens after failureThreshold failures, stops sending there, logs it, shows it, and closes after recovery', async () => {
    // The breaker's clock only moves when the test moves it: the open period cannot end between two assertions.
    const clock = manualClock();
    const { gw, lines } = await start({ failureThreshold: 3, openMs: 300, successThreshold: 2 }, { now: clock.now });
    try {
      a.setFault({ kind: 'status', status: 500 });
      for (let i = 0; i < 6; i++) {
        const res = await post(gw);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
      }
      expect(chats(a)).toHaveLength(3);
      expect((await breakerOf(gw, 'a')).state).toBe('open');
      const [targetA, targetB] = routesOf(gw.gateway).resolver.resolve('gpt-4o-mini');
      expect(gw.gateway.status.health(targetA!)).toEqual({ circuit: 'open', healthy: false });
      expect(gw.gateway.status.health(targetB!)).toEqual({ circuit: 'closed', healthy: true });
      expect(lines.some((l) => l.msg === 'circuit a opened' && l.reason === '3 consecutive failures')).toBe(true);

      a.setFault(null);
      clock.advance(299);
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
      expect((await breakerOf(gw, 'a')).state).toBe('open');
      clock.advance(1);
      expect((await breakerOf(gw, 'a')).state).toBe('half_open');
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
      expect((await breakerOf(gw, 'a')).state).toBe('half_open');
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
      expect((await breakerOf(gw, 'a')).state).toBe('closed');
      expect(lines.filter((l) => l.plugin === 'circuit-breaker').map((l) => l.to)).toEqual([
        'open',
        'half_open',
        'closed',
      ]);
    } finally {
      await gw.close();
    }
  });

  it('answers 503 naming why when every candidate is excluded', async () => {
    const { gw } = await start({ failureThreshold: 1, openMs: 60_000 });
    try {
      a.setFault({ kind: 'status', status: 500 });
      b.setFault({ kind: 'reset' });
      expect((await post(gw)).status).toBe(502);
      const res = await post(gw);
      expect(res.status).toBe(503);
      const error = (await res.json()).error;
      expect(error.code).toBe('no_target');
      expect(error.message).toMatch(/a\/gpt-4o-mini: circuit open \(1 consecutive failures.*\(circuit-breaker\)/);
      expect(error.message).toContain('b/gpt-4o-mini: circuit open');
    } finally {
      await gw.close();
    }
  });

  it('never counts business errors', async () => {
    const { gw } = await start({ failureThreshold: 2 });
    try {
      a.setFault({ kind: 'status', status: 400 });
      for (let i = 0; i < 5; i++) expect((await post(gw)).status).toBe(400);
      expect(chats(a)).toHaveLength(5);
      expect((await breakerOf(gw, 'a')).state).toBe('closed');
    } finally {
      await gw.close();
    }
  });

  it('parks an instance for its Retry-After on 429, without opening its circuit', async () => {
    const { gw } = await start({ failureThreshold: 1 });
    try {
      a.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
      const before = Date.now();
      const first = await post(gw);
      const after = Date.now();
      expect(first.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
      const parked = await breakerOf(gw, 'a');
      expect(parked.state).toBe('closed');
      expect(parked.parkedUntil).toBeGreaterThanOrEqual(before + 2000);
      expect(parked.parkedUntil).toBeLessThanOrEqual(after + 2000);
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
      expect(chats(a)).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it('answers 429 with Retry-After and the upstream rate-limit headers while every target cools down after a 429', async () => {
    const { gw } = await start({ failureThreshold: 1 });
    try {
      const limited = (remaining: string) => ({
        kind: 'status' as const,
        status: 429,
        headers: {
          'retry-after': '7',
          'x-ratelimit-remaining-requests': remaining,
          'x-ratelimit-reset-requests': '7s',
        },
      });
      a.queueFault(limited('0'));
      b.queueFault(limited('1'));
      const first = await post(gw);
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('7');
      expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
      for (const path of ['/v1/chat/completions', '/v1/messages']) {
        const res = await fetch(`${gw.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.status, path).toBe(429);
        const wait = Number(res.headers.get('retry-after'));
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(7);
        expect(res.headers.get('x-ratelimit-reset-requests')).toBe('7s');
        expect(['0', '1']).toContain(res.headers.get('x-ratelimit-remaining-requests'));
        const json = await res.json();
        if (path === '/v1/messages') expect(json).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
        else expect(json.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
      }
      expect(chats(a)).toHaveLength(1);
      expect(chats(b)).toHaveLength(1);
      // Counted as the upstreams' rate limits, not the gateway's own.
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toMatch(/switchyard_errors_total\{class="upstream",error_type="upstream_rate_limited"\} 3/);
      expect(metrics).not.toMatch(/error_type="rate_limited"/);
    } finally {
      await gw.close();
    }
  });

  it('stays 503 when some target is excluded for another reason than a cooldown', async () => {
    const { gw } = await start({ failureThreshold: 1, openMs: 60_000 });
    try {
      a.queueFault({ kind: 'status', status: 500 });
      b.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
      expect((await post(gw)).status).toBe(429);
      const res = await post(gw);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeNull();
      expect((await res.json()).error.code).toBe('no_target');
    } finally {
      await gw.close();
    }
  });

  it('health checks use only the model listing: a failing probe opens, /ready turns 503, a passing one half-opens', async () => {
    const { gw, lines } = await start(
      { healthChecks: { intervalMs: 30, instances: ['a'] } },
      { models: [{ name: 'solo', targets: ['a/gpt-4o-mini'] }] },
    );
    try {
      expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
      a.setFault({ kind: 'status', status: 503 });
      expect(await eventually(async () => (await breakerOf(gw, 'a')).state === 'open')).toBe(true);
      const ready = await fetch(`${gw.url}/ready`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).problems).toEqual([expect.stringContaining('model solo: every target')]);
      a.setFault(null);
      expect(await eventually(async () => (await breakerOf(gw, 'a')).state === 'half_open')).toBe(true);
      expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
      expect(a.requests.length).toBeGreaterThan(0);
      expect(a.requests.every((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true);
      expect(b.requests).toHaveLength(0);
      expect(lines.some((l) => l.to === 'open' && String(l.reason).startsWith('health check failed'))).toBe(true);
    } finally {
      await gw.close();
    }
    const probes = a.requests.length;
    // Timers stopped on close: five ticks of a timer at the checks' own 30 ms interval pass, and no probe comes.
    await new Promise<void>((resolve) => {
      let ticks = 0;
      const tick = setInterval(() => ++ticks === 5 && (clearInterval(tick), resolve()), 30);
    });
    expect(a.requests.length).toBe(probes);
  });

  it('sends a half-open probe first even when sticky bindings point elsewhere, without moving the binding', async () => {
    const clock = manualClock();
    const { gw } = await startGatewayWith([
      withOptions(loadBalancer(), { sticky: { sources: ['header'] } }),
      withOptions(circuitBreaker({ now: clock.now }), {
        failureThreshold: 1,
        openMs: 150,
        jitter: 0,
        successThreshold: 1,
      }),
    ]);
    try {
      const ask = async (session: string) => {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-session-id': session },
          body: body(),
        });
        await res.text();
        return res.headers.get('x-switchyard-target');
      };
      a.setFault({ kind: 'status', status: 500 });
      // Whoever lands on a first opens it and moves to b; then every session is on b.
      for (let i = 0; i < 50 && (await breakerOf(gw, 'a')).state !== 'open'; i++) await ask(`s-${i}`);
      expect((await breakerOf(gw, 'a')).state).toBe('open');
      for (let i = 0; i < 4; i++) expect(await ask(`s-${i}`)).toBe('b/gpt-4o-mini');
      a.setFault(null);
      clock.advance(150);
      expect((await breakerOf(gw, 'a')).state).toBe('half_open');
      expect(await ask('s-0')).toBe('a/gpt-4o-mini'); // the probe
      expect((await breakerOf(gw, 'a')).state).toBe('closed');
      for (let i = 0; i < 3; i++) expect(await ask('s-0')).toBe('b/gpt-4o-mini'); // the binding held
    } finally {
      await gw.close();
    }
  });

  it('keeps breakers per instance × model when perModel is set', async () => {
    const { gw } = await start({ perModel: true, failureThreshold: 1, openMs: 60_000 });
    try {
      a.setFault({ kind: 'status', status: 500 });
      await post(gw);
      const report = await routes(gw);
      const breakers = report.instances.find((i) => i.name === 'a')!.breakers;
      expect(breakers).toEqual([expect.objectContaining({ key: 'a/gpt-4o-mini', state: 'open' })]);
      expect(report.models.find((m) => m.name === 'gpt-4o-mini')!.targets).toEqual([
        { id: 'a/gpt-4o-mini', state: 'open' },
        { id: 'b/gpt-4o-mini', state: 'closed' },
      ]);
    } finally {
      await gw.close();
    }
  });

  it('ejects an instance from routing with a reason until restored, through POST /admin/circuits/:instance/eject and /restore', async () => {
    const { gw, lines } = await start({});
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(`${gw.url}/admin/circuits/${path}`, { method: 'POST', ...init });
    try {
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
      const ejected = await admin('a/eject', {
        body: JSON.stringify({ reason: 'maintenance' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(ejected.status).toBe(200);
      expect(await ejected.json()).toMatchObject({
        instance: 'a',
        ejected: true,
        breakers: [{ key: 'a', state: 'closed', ejected: { reason: 'maintenance' } }],
      });
      for (let i = 0; i < 3; i++) expect((await post(gw)).headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
      expect(chats(a)).toHaveLength(1);
      const explain = await (
        await fetch(`${gw.url}/admin/route/explain`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body(),
        })
      ).json();
      expect(explain.exclusions).toContainEqual(
        expect.objectContaining({ target: 'a/gpt-4o-mini', by: 'circuit-breaker', reason: 'ejected (maintenance)' }),
      );
      const report = await routes(gw);
      expect(report.models.find((m) => m.name === 'gpt-4o-mini')!.targets[0]).toEqual({
        id: 'a/gpt-4o-mini',
        state: 'closed',
        ejected: true,
      });
      const [targetA] = routesOf(gw.gateway).resolver.resolve('gpt-4o-mini');
      expect(gw.gateway.status.health(targetA!)).toEqual({
        circuit: 'closed',
        healthy: false,
        reason: 'ejected (maintenance)',
      });
      expect(lines.some((l) => l.event === 'circuit_ejected' && l.instance === 'a' && l.reason === 'maintenance')).toBe(
        true,
      );

      const restored = await admin('a/restore');
      expect(await restored.json()).toMatchObject({ instance: 'a', ejected: false });
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
      expect(lines.some((l) => l.event === 'circuit_restored' && l.instance === 'a')).toBe(true);

      expect((await admin('a/eject')).status).toBe(200); // no body: a default reason
      expect(((await breakerOf(gw, 'a')) as { ejected?: { reason: string } }).ejected?.reason).toBe(
        'ejected by an operator',
      );
      const unknown = await admin('nope/eject');
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).error.code).toBe('instance_not_found');
      expect(
        (
          await admin('a/eject', {
            body: JSON.stringify({ reason: 7 }),
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(400);
    } finally {
      await gw.close();
    }
  });

  it('keeps an ejection across a config reload', async () => {
    const { gw } = await start({});
    try {
      await fetch(`${gw.url}/admin/circuits/a/eject`, { method: 'POST' });
      const reloaded = await fetch(`${gw.url}/admin/reload`, { method: 'POST' });
      expect((await reloaded.json()).ok).toBe(true);
      expect(gw.gateway.current.generation).toBe(2);
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
      await fetch(`${gw.url}/admin/circuits/a/restore`, { method: 'POST' });
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
    } finally {
      await gw.close();
    }
  });

  it('shares an ejection and its restore with a replica on the same store', async () => {
    const { MemoryStore, createGateway, createLogger } = await import('@switchyard/core');
    const { standard } = await import('@switchyard/preset-standard');
    const store = new MemoryStore();
    const config = {
      server: { host: '127.0.0.1', port: 0, drainDelayMs: 0 },
      providers: [
        mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'] }),
        mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2 }),
      ],
    };
    const preset = {
      ...standard(),
      plugins: standard().plugins.filter((p) => !('name' in p) || p.name !== 'circuit-breaker'),
    };
    const make = () =>
      createGateway({
        config,
        presets: [preset],
        plugins: [withOptions(circuitBreaker(), { syncMs: 60_000 })],
        store,
        logger: createLogger({ level: 'silent' }),
      });
    const one = await make();
    const two = await make();
    const url1 = (await one.listen()).url;
    const url2 = (await two.listen()).url;
    const target = async () =>
      (
        await fetch(`${url2}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body(),
        })
      ).headers.get('x-switchyard-target');
    try {
      expect(await target()).toBe('a/gpt-4o-mini');
      await fetch(`${url1}/admin/circuits/a/eject`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'upgrade' }),
      });
      expect(await eventually(async () => (await target()) === 'b/gpt-4o-mini')).toBe(true);
      await fetch(`${url1}/admin/circuits/a/restore`, { method: 'POST' });
      expect(await eventually(async () => (await target()) === 'a/gpt-4o-mini')).toBe(true);
    } finally {
      await one.close().catch(() => undefined);
      await two.close().catch(() => undefined);
    }
  });

  it.each([
    ['memory', 50],
    ['redis', 60_000],
  ])("shares states through gateway.store (%s): a replica adopts another one's opening", async (kind, syncMs) => {
    const { MemoryStore, createGateway, createLogger } = await import('@switchyard/core');
    const { RedisStore } = await import('@switchyard/store-redis/store');
    const { standard } = await import('@switchyard/preset-standard');
    const memory = new MemoryStore();
    const prefix = `switchyard-test:cb:${process.pid}:${Date.now()}:`;
    const store = () =>
      kind === 'memory' ? memory : new RedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: prefix });
    const config = {
      server: { host: '127.0.0.1', port: 0, drainDelayMs: 0 },
      providers: [
        mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'] }),
        mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2 }),
      ],
    };
    // With Redis, syncMs is a minute: the opening can only arrive through pub/sub.
    const preset = {
      ...standard(),
      plugins: standard().plugins.filter((p) => !('name' in p) || p.name !== 'circuit-breaker'),
    };
    const make = () =>
      createGateway({
        config,
        presets: [preset],
        plugins: [withOptions(circuitBreaker(), { failureThreshold: 1, openMs: 60_000, syncMs })],
        store: store(),
        logger: createLogger({ level: 'silent' }),
      });
    const one = await make();
    const two = await make();
    for (const g of [one, two]) if (g.store instanceof RedisStore) expect(await g.store.whenReady(5000)).toBe(true);
    const url1 = (await one.listen()).url;
    const url2 = (await two.listen()).url;
    try {
      a.setFault({ kind: 'status', status: 500 });
      await fetch(`${url1}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(),
      });
      expect(
        await eventually(
          async () =>
            ((await (await fetch(`${url2}/admin/circuits`)).json()) as Awaited<ReturnType<typeof routes>>).instances[0]!
              .breakers[0]!.state === 'open',
        ),
      ).toBe(true);
      const res = await fetch(`${url2}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(),
      });
      expect(res.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
      expect(chats(a)).toHaveLength(1);
    } finally {
      await one.close().catch(() => undefined);
      await two.close().catch(() => undefined);
      if (kind === 'redis') {
        const { Redis } = await import('ioredis');
        const admin = new Redis('redis://127.0.0.1:6379');
        const keys = await admin.keys(`${prefix}*`);
        if (keys.length) await admin.del(...keys);
        admin.disconnect();
      }
    }
  });
});
