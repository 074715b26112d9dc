import { describe, expect, it } from 'vitest';
import { RouteStage } from '@switchyard/core';
import { backoffDelay, FailoverPolicies, retryAfterMs, ROUTING_OVERRIDES } from '@switchyard/core/routing';
import type { AttemptResult, Plugin } from '@switchyard/core';
import type { RoutingOverrides } from '@switchyard/core/config';
import type { MockOpenAI } from '../support/mock-openai.js';
import { useMockOpenAIs } from '../support/mock-upstreams.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { HUNG_MS, until } from '../support/wait.js';

let a: MockOpenAI;
let b: MockOpenAI;

useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));

const chats = (m: MockOpenAI) => m.requests.filter((r) => r.path.endsWith('/chat/completions'));
const post = (gw: RunningGateway, model = 'gpt-4o-mini') =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });

async function withGateway(config: Record<string, unknown>, run: (gw: RunningGateway) => Promise<void>): Promise<void> {
  const gw = await startGateway({
    providers: [
      mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], priority: 1, timeoutMs: HUNG_MS }),
      mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2, timeoutMs: HUNG_MS }),
    ],
    ...config,
  });
  try {
    await run(gw);
  } finally {
    await gw.close();
  }
}

describe('failover policy', () => {
  it('fails over only on the outcomes in routing.failoverOn', async () => {
    await withGateway({ routing: { failoverOn: ['failure'] } }, async (gw) => {
      a.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
      const res = await post(gw);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(chats(b)).toHaveLength(0);
      a.queueFault({ kind: 'status', status: 500 });
      expect((await post(gw)).headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
    });
  });

  it('retries the last candidate after a backoff only when retryLastTarget is set', async () => {
    await withGateway({ routing: { retryLastTarget: true, maxAttempts: 3, backoffMs: 5 } }, async (gw) => {
      a.queueFault({ kind: 'status', status: 500 });
      b.queueFault({ kind: 'reset' });
      const res = await post(gw);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-attempts')).toBe('3');
      expect(res.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
      expect(chats(a)).toHaveLength(1);
      expect(chats(b)).toHaveLength(2);
    });
    a.reset();
    b.reset();
    await withGateway({}, async (gw) => {
      a.queueFault({ kind: 'status', status: 500 });
      b.queueFault({ kind: 'reset' });
      expect((await post(gw)).status).toBe(502);
      expect(chats(b)).toHaveLength(1);
    });
  });

  it('does not retry the same target when its Retry-After is longer than backoffMaxMs', async () => {
    await withGateway({ routing: { retryLastTarget: true, backoffMs: 5, backoffMaxMs: 100 } }, async (gw) => {
      a.queueFault({ kind: 'status', status: 500 });
      b.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });
      const res = await post(gw);
      expect(res.status).toBe(429);
      expect(chats(b)).toHaveLength(1);
    });
  });

  it('ends at routing.deadlineMs with a 504, aborting the upstream attempt', async () => {
    await withGateway({ routing: { deadlineMs: 1000 } }, async (gw) => {
      a.queueFault({ kind: 'hang' });
      const res = await post(gw);
      expect(res.status).toBe(504);
      expect((await res.json()).error.message).toMatch(/deadline of 1000 ms passed/);
      expect(chats(b)).toHaveLength(0);
      expect((await a.waitForAbort()).path).toBe('/v1/chat/completions');
    });
  });

  it('applies per-alias overrides over routing', async () => {
    await withGateway(
      { models: [{ name: 'strict', targets: ['a/gpt-4o-mini', 'b/gpt-4o-mini'], routing: { maxAttempts: 1 } }] },
      async (gw) => {
        a.queueFault({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
        const strict = await post(gw, 'strict');
        expect(strict.status).toBe(502);
        expect(strict.headers.get('x-switchyard-attempts')).toBe('1');
        const normal = await post(gw);
        expect(normal.status).toBe(200);
        expect(normal.headers.get('x-switchyard-attempts')).toBe('2');
      },
    );
  });

  it('hedges when routing.hedge is set: a slow attempt gets a twin on the next target, the first answer wins, the other is aborted', async () => {
    const seen: AttemptResult[] = [];
    const observer: Plugin = {
      name: 'observer',
      apply: (g) => g.hooks.onResult.tap('observer', (r) => void seen.push(r)),
    };
    const gw = await startGateway(
      {
        providers: [
          mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], priority: 1, timeoutMs: HUNG_MS }),
          mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2, timeoutMs: HUNG_MS }),
        ],
        routing: { hedge: true, hedgeMinSamples: 5 },
      },
      { plugins: [observer] },
    );
    try {
      for (let i = 0; i < 10; i++) expect((await post(gw)).status).toBe(200);
      // Slow by far beyond any p95 of the warm-up, even on a loaded machine; the hedge ends them early.
      for (const [fault, stream] of [
        [{ kind: 'delay', ms: 10_000 }, false],
        [{ kind: 'streamDelay', firstChunkMs: 10_000 }, true],
      ] as const) {
        seen.length = 0;
        a.queueFault(fault);
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] }),
        });
        const text = await res.text();
        expect(text).toContain(stream ? 'data: [DONE]' : 'b: hi');
        expect(res.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
        expect(res.headers.get('x-switchyard-attempts')).toBe('2');
        expect((await a.waitForAbort()).path).toBe('/v1/chat/completions');
        await until(() => seen.length >= 2, { what: 'both attempts reported' });
        expect(seen).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              target: expect.objectContaining({ id: 'b/gpt-4o-mini' }),
              outcome: 'success',
              hedge: true,
              attempt: 2,
            }),
            expect.objectContaining({
              target: expect.objectContaining({ id: 'a/gpt-4o-mini' }),
              outcome: 'cancelled',
              failure: 'hedge_lost',
              attempt: 1,
            }),
          ]),
        );
      }
    } finally {
      await gw.close();
    }
  });

  it('does not hedge by default', async () => {
    await withGateway({}, async (gw) => {
      for (let i = 0; i < 25; i++) await post(gw);
      a.queueFault({ kind: 'delay', ms: 300 });
      const res = await post(gw);
      expect(res.headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
      expect(chats(b)).toHaveLength(0);
    });
  });

  it("takes a request's ROUTING_OVERRIDES over routing, for that request only", async () => {
    const once: RoutingOverrides = { maxAttempts: 1 };
    const oneAttempt: Plugin = {
      name: 'one-attempt',
      apply: (g) =>
        g.hooks.selectRoute.tap({ name: 'one-attempt', stage: RouteStage.FILTER }, (plan, x) => {
          if (x.headers['x-one-attempt']) x.set(ROUTING_OVERRIDES, once);
          return plan;
        }),
    };
    const gw = await startGateway(
      {
        providers: [
          mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], priority: 1 }),
          mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2 }),
        ],
        plugins: { 'circuit-breaker': false },
      },
      { plugins: [oneAttempt] },
    );
    try {
      a.setFault({ kind: 'status', status: 500 });
      const both = await post(gw);
      expect(both.status).toBe(200);
      expect(both.headers.get('x-switchyard-attempts')).toBe('2');
      const single = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-one-attempt': '1' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(single.status).toBe(502);
      expect(single.headers.get('x-switchyard-attempts')).toBe('1');
      expect(chats(a)).toHaveLength(2);
      expect(chats(b)).toHaveLength(1);
      expect((await post(gw)).headers.get('x-switchyard-attempts')).toBe('2');
    } finally {
      await gw.close();
    }
  });

  it('computes policies, backoff and Retry-After', () => {
    const policies = new FailoverPolicies({
      maxAttempts: 3,
      failoverOn: ['failure', 'rate_limited'],
      retryLastTarget: false,
      backoffMs: 100,
      backoffMaxMs: 1000,
      hedge: false,
      hedgeMinSamples: 20,
      fitOutputTokens: true,
    });
    const overrides: RoutingOverrides = { maxAttempts: 1 };
    expect(policies.for(overrides).maxAttempts).toBe(1);
    expect(policies.for(overrides).backoffMs).toBe(100);
    expect(policies.for(overrides)).toBe(policies.for(overrides));
    expect(policies.for(undefined).maxAttempts).toBe(3);
    // No time to first token is tracked until some policy hedges: routing.hedge, or overrides turning it on.
    expect(policies.hedging).toBe(false);
    policies.for({ hedge: true });
    expect(policies.hedging).toBe(true);
    const p = { backoffMs: 100, backoffMaxMs: 1000 };
    expect(backoffDelay(p, 1, () => 0.999)).toBe(100);
    expect(backoffDelay(p, 3, () => 0.5)).toBe(200);
    expect(backoffDelay(p, 10, () => 0.999)).toBe(999);
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString(), Date.now())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
