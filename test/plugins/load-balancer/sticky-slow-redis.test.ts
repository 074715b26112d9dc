import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { loadBalancer } from '@switchyard/plugin-load-balancer';
import { createRedisStore } from '@switchyard/store-redis';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { useMockOpenAIs } from '../../support/mock-upstreams.js';
import { dropTestKeys, startTcpProxy, testPrefix } from '../../support/tcp-proxy.js';
import type { TcpProxy } from '../../support/tcp-proxy.js';
import { HUNG_MS, until } from '../../support/wait.js';

// A slow Redis: replies held. The store here waits for Redis as long as it takes (no command
// timeout before the test would call it hung), so a request that waited on its sticky lookup
// would not be answered until the replies are released. A sticky lookup is an optimisation: the
// request must go on after sticky.lookupTimeoutMs (here 1 s), while Redis still holds its reply.

const prefix = testPrefix();
let a: MockOpenAI;
let b: MockOpenAI;
const opened: Array<{ close(): Promise<void> }> = [];
let run = 0;

useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close(); // the proxy first: a gateway never waits on held replies
});
afterAll(() => dropTestKeys(prefix));

async function replica(): Promise<{ gw: RunningGateway; proxy: TcpProxy; keyPrefix: string }> {
  const keyPrefix = `${prefix}${++run}:`;
  const proxy = await startTcpProxy(6379);
  opened.push(proxy);
  const store = await createRedisStore({ url: proxy.url, keyPrefix, commandTimeoutMs: 10 * HUNG_MS });
  expect(await store.whenReady(HUNG_MS)).toBe(true);
  const gw = await startGateway(
    {
      store: { type: 'redis', url: proxy.url, keyPrefix },
      providers: [
        mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], timeoutMs: HUNG_MS }),
        mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], timeoutMs: HUNG_MS }),
      ],
    },
    // recheckMs 0: every request reads its binding from the store. A lookup bound well above what an
    // unheld Redis takes on a loaded machine: only held replies make a lookup slow.
    {
      store,
      plugins: [withOptions(loadBalancer(), { sticky: { sources: ['header'], recheckMs: 0, lookupTimeoutMs: 1000 } })],
    },
  );
  opened.push(gw);
  return { gw, proxy, keyPrefix };
}

async function ask(gw: RunningGateway, session: string): Promise<{ status: number; target: string | null }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-session-id': session },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.text();
  return { status: res.status, target: res.headers.get('x-switchyard-target') };
}

/** Sends a request and waits for its answer; throws (hung) when none comes. */
async function answered(gw: RunningGateway, session: string): Promise<{ status: number; target: string | null }> {
  let answer: { status: number; target: string | null } | undefined;
  void ask(gw, session).then((r) => (answer = r));
  return until(() => answer, { what: 'the answer while Redis holds its replies' });
}

const slowLookups = (gw: RunningGateway): number | undefined =>
  gw.gateway.status.gauges().find((g) => g.name === 'sticky_lookups_slow')?.value;

describe('sticky sessions on a slow Redis', () => {
  it('a request is answered while Redis holds the reply to its sticky lookup, on the binding this replica knows', async () => {
    const { gw, proxy, keyPrefix } = await replica();
    const first = await ask(gw, 'conversation-1');
    expect(first.status).toBe(200);
    const admin = new Redis('redis://127.0.0.1:6379');
    try {
      await until(async () => (await admin.keys(`${keyPrefix}load-balancer:session:*`)).length === 1, {
        what: 'the binding stored',
      });
    } finally {
      admin.disconnect();
    }
    proxy.holdReplies();
    proxy.takeSent();
    // Was: no answer until Redis answered the lookup (with the default store, its 1 s command timeout).
    const during = await answered(gw, 'conversation-1');
    expect(during).toEqual(first);
    expect(proxy.takeSent()).toContain('load-balancer:session:'); // the lookup was sent, and is held
    expect(slowLookups(gw)).toBe(1);
    expect(gw.gateway.status.gauges().find((g) => g.name === 'sticky_sessions')?.value).toBe(1);
  });

  it('a session this replica never saw goes where the algorithm puts it, and no binding is written over the store', async () => {
    const { gw, proxy } = await replica();
    expect((await ask(gw, 'warm-up')).status).toBe(200);
    proxy.holdReplies();
    proxy.takeSent();
    const during = await answered(gw, 'conversation-2');
    expect(during.status).toBe(200);
    const sent = proxy.takeSent();
    expect(sent).toMatch(/\r\nget\r\n/i);
    expect(sent).not.toMatch(/\r\nset\r\n/i); // nothing bound: another replica's binding must not be overwritten
    expect(slowLookups(gw)).toBe(1);
    expect(gw.gateway.status.gauges().find((g) => g.name === 'sticky_sessions')?.value).toBe(1); // the warm-up's
  });
});
