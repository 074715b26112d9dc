import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestKeys, startTcpProxy, testPrefix, waitFor } from '../support/tcp-proxy.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { OTHER, budgetOf, chat, closeOpened, setup } from '../plugins/budgets/helpers.js';

// Probe: a slow Redis (every reply held past the store's 1 s command timeout) on the standard
// preset with budgets. A request with a budget is answered in its protocol per onStoreError
// (never hangs); a request that needs no shared state asks Redis nothing on its way, so it is not slowed.

const prefix = testPrefix();
const proxies: TcpProxy[] = [];

afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close(); // first: a gateway closing never waits on held replies
  await closeOpened();
});
afterAll(() => dropTestKeys(prefix));

async function slowRedisGateway(onStoreError: 'allow' | 'deny') {
  const proxy = await startTcpProxy(6379);
  proxies.push(proxy);
  const keyPrefix = `${prefix}${onStoreError}:`;
  // app-1 has a budget; app-2 (OTHER) none.
  const replica = await setup(
    { keys: { 'app-1': { usd: 1, period: 'day' } }, onStoreError },
    { store: { type: 'redis', url: proxy.url, keyPrefix } },
  );
  await waitFor(async () => (await chat(replica.gw, { max_tokens: 10 })).status === 200, 'a budgeted request served');
  expect((await chat(replica.gw, { max_tokens: 10 }, OTHER)).status).toBe(200);
  return { ...replica, proxy, keyPrefix };
}

describe('a slow Redis on the request path', () => {
  it('onStoreError deny: a budgeted request gets 503 budget_unavailable in its protocol; an unbudgeted one asks Redis nothing on its way', async () => {
    const { gw, proxy, finished } = await slowRedisGateway('deny');
    proxy.holdReplies();
    proxy.takeSent();
    const free = await chat(gw, { max_tokens: 10 }, OTHER);
    expect(free.status).toBe(200);
    expect(free.headers.get('x-switchyard-warnings')).toBeNull();
    await free.text();
    await finished.next();
    // Its spend record may have gone (budgets' settlement script, off the request path); nothing else.
    const sent = proxy.takeSent();
    const commands = [...sent.matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n/g)].map((m) => m[1]!.toLowerCase());
    expect(commands.filter((c) => c !== 'evalsha')).toEqual([]);
    expect(sent).not.toContain('"reserve"');

    const refused = await chat(gw, { max_tokens: 10 });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await refused.json()).error).toMatchObject({ code: 'budget_unavailable', type: expect.any(String) });
    proxy.releaseReplies();
    await expect
      .poll(async () => (await budgetOf(gw, 'key:app-1').catch(() => undefined))?.reservedUsd, { timeout: 30_000 })
      .toBe(0);
  });

  it('onStoreError allow: a budgeted request is served with a warning, and its cost is counted once Redis answers', async () => {
    const { gw, proxy, finished } = await slowRedisGateway('allow');
    const before = (await budgetOf(gw, 'key:app-1')).spentUsd;
    proxy.holdReplies();
    const through = await chat(gw, { max_tokens: 10 });
    expect(through.status).toBe(200);
    expect(through.headers.get('x-switchyard-warnings')).toContain('budgets not enforced');
    await through.text();
    await finished.next();
    proxy.releaseReplies();
    await expect
      .poll(async () => (await budgetOf(gw, 'key:app-1').catch(() => undefined))?.spentUsd, { timeout: 30_000 })
      .toBeCloseTo(before + 0.00005, 12);
    expect((await budgetOf(gw, 'key:app-1')).reservedUsd).toBe(0);
  });
});
