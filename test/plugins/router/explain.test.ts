import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { ROUTER } from '@switchyard/plugin-router';
import { circuitBreaker } from '@switchyard/plugin-circuit-breaker';
import { loadBalancer } from '@switchyard/plugin-load-balancer';
import type { LoadBalancerPlugin } from '@switchyard/plugin-load-balancer';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { useMockOpenAIs } from '../../support/mock-upstreams.js';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { HUNG_MS, manualClock } from '../../support/wait.js';

let a: MockOpenAI;
let b: MockOpenAI;
let gw: RunningGateway;
let lb: LoadBalancerPlugin;
const log = memoryLogger();
/** The breaker's clock: its open period ends when a test says so, not when the machine is slow. */
const clock = manualClock();
useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));

const body = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const chats = (m: MockOpenAI) => m.requests.filter((r) => r.path.endsWith('/chat/completions'));
const post = (path: string, payload: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });

interface Explained {
  model: string;
  constraints: Record<string, unknown>;
  needs: { vision: boolean; tools: boolean; structuredOutput: boolean; inputTokens: number };
  targets: string[];
  discovered: Array<{ target: string; rule: string; by: string }>;
  exclusions: Array<{ target: string; by: string; reason: string }>;
  orderings: Array<{ by: string; scores: Record<string, number>; note?: string }>;
  error?: { status: number; code: string; message: string };
}

beforeAll(async () => {
  lb = loadBalancer();
  gw = await startGateway(
    {
      providers: [
        mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], priority: 1, timeoutMs: HUNG_MS }),
        mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2, timeoutMs: HUNG_MS }),
      ],
    },
    {
      plugins: [
        withOptions(lb, { sticky: { sources: ['header'] } }),
        withOptions(circuitBreaker({ now: clock.now }), {
          failureThreshold: 1,
          openMs: 300,
          successThreshold: 1,
          halfOpenProbes: 1,
          jitter: 0,
        }),
      ],
      logger: log.logger,
    },
  );
});
afterAll(() => gw.close());

describe('POST /admin/route/explain', () => {
  it('returns candidates with their rule, exclusions with plugin and reason, and the final order, calling no upstream', async () => {
    const res = await post('/admin/route/explain', body({ switchyard: { excludeProviders: ['b'] } }), {
      'x-session-id': 'conv-1',
    });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as Explained;
    expect(plan.model).toBe('gpt-4o-mini');
    expect(plan.constraints).toEqual({ excludeProviders: ['b'] });
    expect(plan.needs).toMatchObject({ vision: false, tools: false, structuredOutput: false });
    expect(plan.discovered).toEqual([
      { target: 'a/gpt-4o-mini', rule: 'listed', by: 'switchyard:resolve' },
      { target: 'b/gpt-4o-mini', rule: 'listed', by: 'switchyard:resolve' },
    ]);
    expect(plan.exclusions).toEqual([
      {
        target: 'b/gpt-4o-mini',
        by: 'constraints',
        reason: 'excluded by x-switchyard-exclude-providers (b)',
        byRequest: true,
      },
    ]);
    expect(plan.targets).toEqual(['a/gpt-4o-mini']);
    expect(plan.orderings.at(-1)).toMatchObject({
      by: 'load-balancer',
      note: 'least-busy; would bind sticky to a/gpt-4o-mini',
    });
    expect(chats(a).length + chats(b).length).toBe(0);
    expect(lb.sessionCount()).toBe(0);

    // The same request for real binds the session.
    expect((await post('/v1/chat/completions', body(), { 'x-session-id': 'conv-1' })).status).toBe(200);
    expect(lb.sessionCount()).toBe(1);
  });

  it('reports the error the request would get when nothing is left', async () => {
    const plan = (await (
      await post('/admin/route/explain', body(), { 'x-switchyard-exclude-providers': 'a,b' })
    ).json()) as Explained;
    expect(plan.targets).toEqual([]);
    expect(plan.error).toMatchObject({ status: 400, code: 'constraint_unmet' });
    const unknown = (await (await post('/admin/route/explain', body({ model: 'nope' }))).json()) as Explained;
    expect(unknown.error).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('explains an Anthropic Messages body with ?protocol=anthropic, capabilities read from its canonical form', async () => {
    const messages = {
      model: 'gpt-4o-mini',
      max_tokens: 20,
      messages: [
        {
          role: 'user',
          content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }],
        },
      ],
    };
    const plan = (await (await post('/admin/route/explain?protocol=anthropic', messages)).json()) as Explained;
    expect(plan.needs.vision).toBe(true);
    expect(plan.targets).toEqual(['a/gpt-4o-mini', 'b/gpt-4o-mini']);
    expect((await post('/admin/route/explain?protocol=anthropic', body())).status).toBe(400);
    expect((await post('/admin/route/explain?protocol=gemini', body())).status).toBe(400);
  });

  it('explains a Responses body with ?protocol=openai-responses', async () => {
    const responses = {
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' }] }],
    };
    const plan = (await (await post('/admin/route/explain?protocol=openai-responses', responses)).json()) as Explained;
    expect(plan.needs.vision).toBe(true);
    expect(plan.targets).toEqual(['a/gpt-4o-mini', 'b/gpt-4o-mini']);
  });

  it('refuses a body that is not a chat request', async () => {
    const res = await post('/admin/route/explain', { model: 'gpt-4o-mini' });
    expect(res.status).toBe(400);
  });

  it('takes no half-open probe lease: the next real request still gets the probe', async () => {
    a.queueFault({ kind: 'status', status: 500 });
    expect((await post('/v1/chat/completions', body())).headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
    const open = (await (await post('/admin/route/explain', body())).json()) as Explained;
    expect(open.targets).toEqual(['b/gpt-4o-mini']);
    expect(open.exclusions[0]).toMatchObject({ target: 'a/gpt-4o-mini', by: 'circuit-breaker' });
    clock.advance(300);
    for (let i = 0; i < 3; i++) {
      const halfOpen = (await (await post('/admin/route/explain', body())).json()) as Explained;
      expect(halfOpen.targets[0]).toBe('a/gpt-4o-mini');
    }
    const probe = await post('/v1/chat/completions', body());
    expect(probe.headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
  });
});

describe('gateway.router', () => {
  it('select() plans like a request (headers honoured) without side effects; report() and stats() follow outcomes', async () => {
    const sessions = lb.sessionCount();
    const plan = await gw.gateway
      .need(ROUTER)
      .select(body(), { headers: { 'x-session-id': 'conv-9', 'x-switchyard-exclude-providers': 'a' } });
    expect(plan.targets.map((t) => t.id)).toEqual(['b/gpt-4o-mini']);
    expect(lb.sessionCount()).toBe(sessions);
    expect(chats(a).length + chats(b).length).toBe(0);

    const before = gw.gateway
      .need(ROUTER)
      .stats()
      .targets.find((t) => t.id === 'b/gpt-4o-mini')!;
    gw.gateway
      .need(ROUTER)
      .report('b/gpt-4o-mini', { outcome: 'success', latencyMs: 400, ttftMs: 100, outputTokens: 30 });
    gw.gateway.need(ROUTER).report('b/gpt-4o-mini', 'failure');
    const after = gw.gateway
      .need(ROUTER)
      .stats()
      .targets.find((t) => t.id === 'b/gpt-4o-mini')!;
    expect(after.requests).toBe(before.requests + 2);
    expect(after.successes).toBe(before.successes + 1);
    expect(after.failures).toBe(before.failures + 1);
  });

  it('records every attempt itself: GET /admin/routes serves per-target stats, health and totals after traffic', async () => {
    const stream = await post('/v1/chat/completions', body({ stream: true, stream_options: { include_usage: true } }));
    await stream.text();
    expect((await post('/v1/chat/completions', body())).status).toBe(200);
    const res = await fetch(`${gw.url}/admin/routes`);
    expect(res.status).toBe(200);
    const routes = (await res.json()) as {
      totals: { targets: number; healthy: number; requests: number };
      targets: Array<{
        id: string;
        requests: number;
        successes: number;
        successRate: number | null;
        ttftMs: number | null;
        msPerOutputToken: number | null;
        latencyMs: number | null;
        health: { circuit: string; healthy: boolean };
      }>;
      instances: Array<{ name: string }>;
      models: Array<{ name: string; targets: Array<{ id: string; health: { circuit: string } }> }>;
    };
    expect(routes.totals.targets).toBe(2);
    expect(routes.totals.healthy).toBe(2);
    const stats = routes.targets.find((t) => t.id === 'a/gpt-4o-mini')!;
    expect(stats.requests).toBeGreaterThanOrEqual(4);
    expect(stats.successes).toBeGreaterThanOrEqual(3);
    expect(stats.ttftMs).toBeGreaterThan(0);
    expect(stats.latencyMs).toBeGreaterThan(0);
    expect(stats.msPerOutputToken).toBeGreaterThan(0);
    expect(stats.successRate).toBeGreaterThan(0);
    expect(stats.successRate).toBeLessThan(1);
    expect(stats.health).toEqual({ circuit: 'closed', healthy: true });
    expect(routes.instances.map((i) => i.name)).toEqual(['a', 'b']);
    expect(routes.models).toEqual([
      {
        name: 'gpt-4o-mini',
        targets: [
          { id: 'a/gpt-4o-mini', health: { circuit: 'closed', healthy: true } },
          { id: 'b/gpt-4o-mini', health: { circuit: 'closed', healthy: true } },
        ],
      },
    ]);
  });

  it('puts a condensed plan in the request log line', async () => {
    await post('/v1/chat/completions', body(), {
      'x-switchyard-exclude-providers': 'b',
      'x-request-id': 'route-log-1',
    });
    const line = log.lines.find((l) => l.msg === 'request' && l.requestId === 'route-log-1');
    expect(line?.route).toEqual({ found: 2, excluded: { constraints: 1 }, order: ['a/gpt-4o-mini'] });
  });
});

describe('routing admin routes behind gateway keys', () => {
  it('answer an admin key only', async () => {
    const secured = await startGateway({
      providers: [mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'] })],
      plugins: {
        auth: {
          keys: [
            { name: 'app', key: 'test-caller-key' },
            { name: 'ops', key: 'test-admin-key', admin: true },
          ],
        },
      },
    });
    try {
      const explain = (key?: string) =>
        fetch(`${secured.url}/admin/route/explain`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body: JSON.stringify(body()),
        });
      expect((await explain()).status).toBe(401);
      expect((await explain('test-caller-key')).status).toBe(403);
      expect((await explain('test-admin-key')).status).toBe(200);
      expect(
        (await fetch(`${secured.url}/admin/routes`, { headers: { authorization: 'Bearer test-caller-key' } })).status,
      ).toBe(403);
      expect(chats(a)).toHaveLength(0);
    } finally {
      await secured.close();
    }
  });
});
