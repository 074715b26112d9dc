import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import type { PluginEntry } from '@switchyard/core';
import { circuitBreaker } from '@switchyard/plugin-circuit-breaker';
import { loadBalancer } from '@switchyard/plugin-load-balancer';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { useMockOpenAIs } from '../support/mock-upstreams.js';
import { testPrefix, waitFor } from '../support/tcp-proxy.js';
import { HUNG_MS } from '../support/wait.js';

/**
 * Two replicas (two gateways in this process) on one Redis prefix: sticky bindings and breaker
 * states made on one are honoured by the other. Rate limits across two processes are in
 * replicas.test.ts.
 */
const prefix = testPrefix();
const admin = new Redis('redis://127.0.0.1:6379');
let a: MockOpenAI;
let b: MockOpenAI;
const running: RunningGateway[] = [];
let run = 0;

useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

/** Two replicas sharing one fresh sub-prefix. */
async function replicas(
  plugins: () => PluginEntry[],
  sections: Record<string, unknown> = {},
): Promise<[RunningGateway, RunningGateway]> {
  const keyPrefix = `${prefix}${++run}:`;
  const config = {
    plugins: sections,
    store: { type: 'redis' as const, url: 'redis://127.0.0.1:6379', keyPrefix },
    providers: [
      mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'] }),
      mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'] }),
    ],
  };
  const pair = await Promise.all([
    startGateway(config, { plugins: plugins() }),
    startGateway(config, { plugins: plugins() }),
  ]);
  running.push(...pair);
  return pair;
}

const chat = (gw: RunningGateway, session?: string): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(session ? { 'x-session-id': session } : {}) },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('shared state across two replicas on one Redis', () => {
  it('honours on replica B the sticky bindings made through replica A', async () => {
    // A lookup waits for Redis as long as it takes here (a busy machine's stalled event loop would otherwise end it).
    const sticky = { sources: ['header'], lookupTimeoutMs: 30_000 };
    const [one, two] = await replicas(() => [withOptions(loadBalancer(), { sticky })]);
    const bound = new Map<string, string | null>();
    for (let i = 0; i < 16; i++) {
      const res = await chat(one, `session-${i}`);
      expect(res.status).toBe(200);
      bound.set(`session-${i}`, res.headers.get('x-switchyard-target'));
    }
    expect(new Set(bound.values()).size).toBe(2); // sessions spread over both instances
    for (const [session, target] of bound) {
      const res = await chat(two, session);
      expect(res.headers.get('x-switchyard-target'), session).toBe(target);
    }
  });

  it('excludes on replica B an instance whose breaker opened on replica A (pub/sub; stored states re-read every syncMs = 2 s at worst)', async () => {
    const threshold = 3;
    // Without the balancer, a is always tried first, so every request shows whether a is excluded.
    const [one, two] = await replicas(
      () => [withOptions(circuitBreaker(), { failureThreshold: threshold, failureRatio: 0, syncMs: 2000 })],
      { 'load-balancer': false },
    );
    a.setFault({ kind: 'status', status: 500 });
    for (let i = 0; i < threshold; i++) {
      const res = await chat(one);
      expect(res.status).toBe(200); // a failed, b served
      expect(res.headers.get('x-switchyard-attempts')).toBe('2');
    }
    const opened = await chat(one);
    expect(opened.headers.get('x-switchyard-attempts')).toBe('1');
    expect(opened.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');

    // Replica B never saw a failure itself; it learns the opening from the store, then excludes a.
    const before = a.requests.length;
    const stateOnB = async () =>
      (
        (await (await fetch(`${two.url}/admin/circuits`)).json()) as {
          instances: Array<{ name: string; breakers: Array<{ state: string }> }>;
        }
      ).instances.find((i) => i.name === 'a')!.breakers[0]!.state;
    await waitFor(async () => (await stateOnB()) === 'open', 'replica B to learn that a is open', HUNG_MS);
    const res = await chat(two);
    expect(res.headers.get('x-switchyard-attempts')).toBe('1');
    expect(res.headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
    expect(a.requests.length).toBe(before);
  });
});
