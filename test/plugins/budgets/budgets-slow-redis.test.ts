import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestKeys, startTcpProxy, testPrefix, waitFor } from '../../support/tcp-proxy.js';
import { budgetOf, chat, closeOpened, setup } from './helpers.js';

// A slow Redis: the gateway store's commands time out after 1 s while Redis still runs them. A
// reservation that timed out may have been taken: it must not hold the caller's budget for the
// reservation's lifetime (an hour by default) after the request was refused.

const REDIS = 'redis://127.0.0.1:6379';
const prefix = testPrefix();
const redis = new Redis(REDIS);

afterEach(closeOpened);
afterAll(async () => {
  await dropTestKeys(prefix);
  redis.disconnect();
});

describe('budgets on a slow Redis (replies after the command timeout)', () => {
  it('onStoreError deny: a request refused because its reservation timed out leaves nothing reserved', async () => {
    const proxy = await startTcpProxy(6379);
    try {
      const keyPrefix = `${prefix}deny:`;
      const { gw } = await setup(
        { keys: { 'app-1': { usd: 1, period: 'day' } } },
        { store: { type: 'redis', url: proxy.url, keyPrefix } },
      );
      await waitFor(async () => (await chat(gw, { max_tokens: 10 })).status === 200, 'a budgeted request served');
      proxy.holdReplies();
      const refused = await chat(gw, { max_tokens: 50_000 }); // $0.50 worst case
      expect(refused.status).toBe(503);
      expect((await refused.json()).error).toMatchObject({ code: 'budget_unavailable' });
      // Redis ran the reservation: its hold is there, though the gateway never heard of it.
      const holds = await redis.hgetall(`${keyPrefix}budget:key:app-1:${new Date().toISOString().slice(0, 10)}`);
      expect(Object.values(holds)).toContain('0.5');
      proxy.releaseReplies();
      await expect
        .poll(async () => (await budgetOf(gw, 'key:app-1').catch(() => undefined))?.reservedUsd, { timeout: 30_000 })
        .toBe(0);
      // The room is there: the same request goes through now that Redis answers in time.
      const through = await chat(gw, { max_tokens: 50_000 });
      expect(through.status).toBe(200);
      await through.text();
    } finally {
      await proxy.close();
    }
  });
});
