/**
 * Ways around a rule the fifth rule-bypass pass found, closed. Each test failed before its fix.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import { ADMIN, budgeted, k } from '../support/rule-probes-5.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { until } from '../support/wait.js';
import { testPrefix } from '../support/tcp-proxy.js';

describe('the request id a caller picks names its budget reservation', () => {
  // Was: a caller's `x-request-id` (any [A-Za-z0-9._:-]{1,128}) becomes the exchange id, and the
  // budget ledger holds each reservation under that id. Parallel requests sending one id share
  // one hold: the memory ledger's Map keeps the last (one $0.02 hold for any number in flight),
  // so every one is admitted. Six requests of $0.02 each against a $0.05 budget all reach the
  // upstream and spend $0.12; a thousand would spend $20.
  it('parallel requests with one x-request-id are reserved one by one: the budget admits two of six', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 2000 }));
    const { gw } = await budgeted({
      keys: [{ name: 'rid', key: k('rid'), budget: { usd: 0.05, period: 'day' } }],
      catalog: { m: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 } },
      providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
    });
    try {
      const statuses: number[] = [];
      const all = Array.from({ length: 6 }, () =>
        call(
          `${gw.url}/v1/chat/completions`,
          k('rid'),
          { model: 'm', max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] },
          { headers: { 'x-request-id': 'same-id-0001' } },
        ).then((r) => statuses.push(r.status)),
      );
      await until(() => statuses.length + gated.received === 6, { what: 'each request refused or upstream' });
      const reached = gated.received;
      gated.open();
      await Promise.all(all);
      expect(reached).toBe(2);
      expect((await budgetOf(gw.url, ADMIN, 'rid')).spentUsd).toBeLessThanOrEqual(0.05);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });

  // The same on Redis: the second hold under one id overwrites the first's entry; when the first
  // settles, its release takes the id's entry and, the holds set being empty, zeroes `reserved`
  // while the second is still in flight. A third request is then admitted into room that the
  // second holds: $0.06 spent of a $0.05 budget.
  it('on the Redis ledger: a request settled under a shared id does not release the other one still in flight', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 2000 }));
    const open = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 2000 }), { open: true });
    const keyPrefix = testPrefix();
    const { gw, finished } = await budgeted({
      keys: [{ name: 'rid', key: k('rid'), budget: { usd: 0.05, period: 'day' } }],
      catalog: {
        held: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
        quick: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
      },
      providers: [
        mockProvider('g', gated.baseUrl, { models: ['held'] }),
        mockProvider('o', open.baseUrl, { models: ['quick'] }),
      ],
      store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix },
    });
    const ask = (model: string, id?: string) =>
      call(
        `${gw.url}/v1/chat/completions`,
        k('rid'),
        { model, max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] },
        { headers: id ? { 'x-request-id': id } : {} },
      );
    try {
      const b = ask('held', 'shared-id-0002'); // held upstream, $0.02 reserved
      await gated.waitForReceived(1);
      expect((await ask('quick', 'shared-id-0002')).status).toBe(200); // $0.02 spent
      await finished.next();
      // $0.02 spent and $0.02 held by the first: $0.02 more does not fit $0.05.
      const c = await ask('quick');
      gated.open();
      expect((await b).status).toBe(200);
      expect(c.status).toBe(402);
    } finally {
      await gw.close();
      await gated.stop();
      await open.stop();
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
