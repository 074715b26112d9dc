/**
 * A hole the sixteenth rule-bypass pass closed: a gateway key's `budget` is counted by the budgets
 * plugin only. While that plugin is in the gateway but off, a key given a budget is refused (503
 * `budget_unavailable`); left out of the gateway (`plugins: { budgets: false }`, or a gateway built
 * without it), nothing refused it: a key given a budget in the config, or at run time through
 * `POST`/`PATCH /admin/keys`, was served without one. Now a config key with a budget on such a
 * gateway is a startup error, and a run-time key given one is refused with 503 `budget_unavailable`
 * before any upstream, as when budgets are off. Both cases failed before the fix (the gateway
 * started, and every request of the budgeted key was answered).
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { call, chat } from '../support/rule-probes.js';

const ADMIN = 'fake-unread-budgets-admin-key';
const BUDGETED = 'fake-unread-budgets-caller-key';
const OPEN = 'fake-unread-budgets-open-key';
const TINY = { usd: 0.000001, period: 'day' };

describe('key budgets on a gateway without the budgets plugin', () => {
  it('a config key with a budget is a startup problem, not a key served without it', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    try {
      const outcome = await startGateway({
        plugins: { budgets: false, auth: { keys: [{ name: 'budgeted', key: BUDGETED, budget: TINY }] } },
        providers: [mockProvider('up', up.baseUrl)],
      }).then(
        async (gw) => {
          await gw.close();
          return 'started';
        },
        (err: Error) => err.message,
      );
      // Was: 'started', and the key's every request answered.
      expect(outcome).toMatch(/plugins\.auth\.keys\[0\] \(budgeted\): has a budget/);
      expect(up.requests).toHaveLength(0);
    } finally {
      await up.close();
    }
  });

  it('a run-time key given a budget is refused with 503 before the upstream; a key without one is served', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    const gw = await startGateway({
      plugins: {
        budgets: false,
        auth: {
          runtimeKeys: true,
          keys: [
            { name: 'ops', key: ADMIN, admin: true },
            { name: 'open', key: OPEN },
          ],
        },
      },
      providers: [mockProvider('up', up.baseUrl)],
    });
    try {
      const chats = (): number => up.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
      const made = await call(`${gw.url}/admin/keys`, ADMIN, { name: 'made', budget: TINY });
      expect(made.status).toBe(201);
      for (let i = 0; i < 2; i++) {
        const refused = await call(`${gw.url}/v1/chat/completions`, made.json.key, chat('gpt-4o-mini'));
        // Was: 200 each time, nothing counted.
        expect(refused.status).toBe(503);
        expect(refused.json.error.code).toBe('budget_unavailable');
      }
      expect(chats()).toBe(0);
      expect((await call(`${gw.url}/admin/keys/made`, ADMIN, { budget: null }, { method: 'PATCH' })).status).toBe(200);
      expect((await call(`${gw.url}/v1/chat/completions`, made.json.key, chat('gpt-4o-mini'))).status).toBe(200);
      expect((await call(`${gw.url}/admin/keys/made`, ADMIN, { budget: TINY }, { method: 'PATCH' })).status).toBe(200);
      expect((await call(`${gw.url}/v1/chat/completions`, made.json.key, chat('gpt-4o-mini'))).status).toBe(503);
      expect((await call(`${gw.url}/v1/chat/completions`, OPEN, chat('gpt-4o-mini'))).status).toBe(200);
      expect(chats()).toBe(2);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
