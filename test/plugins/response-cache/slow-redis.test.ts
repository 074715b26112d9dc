import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { responseCache } from '@switchyard/plugin-response-cache';
import type { ResponseCachePlugin } from '@switchyard/plugin-response-cache';
import { createRedisStore } from '@switchyard/store-redis';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { useMockOpenAIs } from '../../support/mock-upstreams.js';
import { dropTestKeys, startTcpProxy, testPrefix } from '../../support/tcp-proxy.js';
import type { TcpProxy } from '../../support/tcp-proxy.js';
import { HUNG_MS, until } from '../../support/wait.js';

// A slow Redis (replies held) under the response cache's `store` backend. The store here waits
// for Redis as long as it takes (no command timeout before the test would call it hung), so a
// request that waited on the cache's lookup or write would not be answered until the replies are
// released. The cache is an optimisation: after storeWaitMs the request goes on without it.

const prefix = testPrefix();
let up: MockOpenAI;
const opened: Array<{ close(): Promise<void> }> = [];
let run = 0;

useMockOpenAIs(['up'], (m) => ({ up } = m));
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close(); // the proxy first: a gateway never waits on held replies
});
afterAll(() => dropTestKeys(prefix));

async function cachedGateway(): Promise<{ gw: RunningGateway; proxy: TcpProxy; cache: ResponseCachePlugin }> {
  const keyPrefix = `${prefix}${++run}:`;
  const proxy = await startTcpProxy(6379);
  opened.push(proxy);
  const store = await createRedisStore({ url: proxy.url, keyPrefix, commandTimeoutMs: 10 * HUNG_MS });
  expect(await store.whenReady(HUNG_MS)).toBe(true);
  const cache = responseCache();
  const gw = await startGateway(
    {
      store: { type: 'redis', url: proxy.url, keyPrefix },
      providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini'], timeoutMs: HUNG_MS })],
    },
    // A bound well above what an unheld Redis takes on a loaded machine: only held replies are slow.
    { store, plugins: [{ plugin: cache, options: { backend: 'store', storeWaitMs: 1000 } }] },
  );
  opened.push(gw);
  return { gw, proxy, cache };
}

const body = (content: string) => ({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] });

async function ask(gw: RunningGateway, content: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body(content)),
  });
  await res.text();
  return { status: res.status, cache: res.headers.get('x-switchyard-cache') };
}

/** Sends a request and waits for its answer; throws (hung) when none comes. */
async function answered(gw: RunningGateway, content: string, headers: Record<string, string> = {}) {
  let answer: { status: number; cache: string | null } | undefined;
  void ask(gw, content, headers).then((r) => (answer = r));
  return until(() => answer, { what: 'the answer while Redis holds its replies' });
}

const calls = () => up.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

describe('response cache on a slow Redis', () => {
  it('a lookup Redis does not answer in time is a miss: the request goes upstream and is answered', async () => {
    const { gw, proxy, cache } = await cachedGateway();
    expect((await ask(gw, 'cached question')).cache).toBe('miss');
    await until(() => cache.counts().stored === 1, { what: 'the answer stored' });
    expect((await ask(gw, 'cached question')).cache).toBe('hit');
    const before = calls();
    proxy.holdReplies();
    // Was: no answer until Redis answered the lookup (with the default store, its 1 s command timeout).
    expect(await answered(gw, 'cached question')).toEqual({ status: 200, cache: 'miss' });
    expect(calls()).toBe(before + 1);
    expect(cache.counts().slow).toBeGreaterThanOrEqual(1);
  });

  it('a write Redis does not answer in time does not hold the answer back', async () => {
    const { gw, proxy, cache } = await cachedGateway();
    expect((await ask(gw, 'warm-up')).status).toBe(200);
    await until(() => cache.counts().stored === 1, { what: 'the warm-up stored' });
    proxy.holdReplies();
    // no-cache: no lookup, only the write of its answer, which Redis holds.
    // Was: the answer waited for the write (onResult), until Redis answered.
    expect(await answered(gw, 'new question', { 'cache-control': 'no-cache' })).toEqual({
      status: 200,
      cache: 'bypass',
    });
    expect(cache.counts()).toMatchObject({ stored: 1, slow: 1 });
    proxy.releaseReplies();
    await until(() => cache.counts().stored === 2, { what: 'the held write done once Redis answers' });
  });
});
