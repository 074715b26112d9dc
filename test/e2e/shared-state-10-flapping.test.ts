import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestKeys, startTcpProxy, testPrefix, waitFor } from '../support/tcp-proxy.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { APP, budgetOf, closeOpened, seed, setup } from '../plugins/budgets/helpers.js';
import type { RunningGateway } from '../support/gateway.js';

// Two replicas with budgets; replica A reaches Redis through a proxy that flaps while a stream
// it reserved for is in flight, so its settlement fails: lost on the way (cut) or run but
// answered too late (held replies). Replica B, on a steady connection, must see the stream's cost
// exactly once and nothing left reserved once A's connection is back.

const prefix = testPrefix();
const proxies: TcpProxy[] = [];
let run = 0;

afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
  await closeOpened();
});
afterAll(() => dropTestKeys(prefix));

const stream = (gw: RunningGateway): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${APP}` },
    body: JSON.stringify({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 1000,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });

describe('Redis flapping between a reservation and its settlement', () => {
  it.each([
    ['cut: the settlement never reaches Redis', false],
    ['slow: the settlement runs, its reply comes too late', true],
  ] as const)('%s: the cost is counted once, on both replicas', async (_how, late) => {
    const proxy = await startTcpProxy(6379);
    proxies.push(proxy);
    const keyPrefix = `${prefix}${++run}:`;
    const options = { keys: { 'app-1': { usd: 1, period: 'day' } }, onStoreError: 'allow' };
    const a = await setup(options, { store: { type: 'redis', url: proxy.url, keyPrefix } });
    const b = await setup(options, {
      upstream: a.upstream,
      store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix },
    });
    await seed(a.gw, a.finished);
    await budgetOf(a.gw, 'key:app-1'); // sends the seed's settlement
    const spent = (await budgetOf(b.gw, 'key:app-1')).spentUsd;

    a.upstream.close();
    const before = a.upstream.received;
    const answer = stream(a.gw);
    await a.upstream.waitForReceived(before + 1);
    expect((await budgetOf(b.gw, 'key:app-1')).reservedUsd).toBeCloseTo(0.01, 12);
    if (late) proxy.holdReplies();
    else await proxy.cut();
    a.upstream.open();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('[DONE]');
    await a.finished.next();
    await waitFor(() => a.lines.some((l) => l.event === 'store_down' && l.plugin === 'budgets'), 'A to fail settling');

    if (late) proxy.releaseReplies();
    else await proxy.restore();
    // A sends what it holds when read (and on its own timer); read until it answers.
    await waitFor(async () => (await budgetOf(a.gw, 'key:app-1').catch(() => undefined)) !== undefined, 'A reads');
    await budgetOf(a.gw, 'key:app-1');
    for (const r of [a, b])
      expect(await budgetOf(r.gw, 'key:app-1')).toMatchObject({
        spentUsd: expect.closeTo(spent + 0.00005, 12),
        reservedUsd: 0,
      });
  });
});
