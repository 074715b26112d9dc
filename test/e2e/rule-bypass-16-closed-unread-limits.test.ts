/**
 * A hole the sixteenth rule-bypass pass closed: a gateway key's `limits` are read by the rate-limit
 * plugin only, and nothing said so when that plugin was left out (`plugins: { 'rate-limit': false }`,
 * or a gateway built without it). A key given `limits` in the config, or at run time through
 * `POST`/`PATCH /admin/keys`, was then served without any: every request of a key limited to one
 * a minute reached the upstream. (Budgets already refuse a key with a budget while they are off.)
 * Now a config key with `limits` on such a gateway is a startup error, and a run-time key given
 * them is refused with 503 `limits_unavailable` before any upstream. Both cases failed before the
 * fix (the gateway started, and every request of the limited key was answered).
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { call, chat } from '../support/rule-probes.js';

const ADMIN = 'fake-unread-limits-admin-key';
const LIMITED = 'fake-unread-limits-caller-key';
const OPEN = 'fake-unread-limits-open-key';

describe('key limits on a gateway without the rate-limit plugin', () => {
  it('a config key with limits is a startup problem, not a key served without them', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    try {
      const outcome = await startGateway({
        plugins: {
          'rate-limit': false,
          auth: { keys: [{ name: 'limited', key: LIMITED, limits: { requestsPerMinute: 1 } }] },
        },
        providers: [mockProvider('up', up.baseUrl)],
      }).then(
        async (gw) => {
          await gw.close();
          return 'started';
        },
        (err: Error) => err.message,
      );
      // Was: 'started', and the key's every request answered.
      expect(outcome).toMatch(/plugins\.auth\.keys\[0\] \(limited\): has limits/);
      expect(up.requests).toHaveLength(0);
    } finally {
      await up.close();
    }
  });

  it('a run-time key given limits is refused with 503 before the upstream; a key without them is served', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    const gw = await startGateway({
      plugins: {
        'rate-limit': false,
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
      const made = await call(`${gw.url}/admin/keys`, ADMIN, { name: 'made', limits: { requestsPerMinute: 1 } });
      expect(made.status).toBe(201);
      const chats = (): number => up.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
      for (let i = 0; i < 2; i++) {
        const refused = await call(`${gw.url}/v1/chat/completions`, made.json.key, chat('gpt-4o-mini'));
        // Was: 200 each time, no limit counted.
        expect(refused.status).toBe(503);
        expect(refused.json.error.code).toBe('limits_unavailable');
      }
      expect(chats()).toBe(0);
      // Limits given to a key later (PATCH) hold the same way; a key without limits is unaffected.
      expect((await call(`${gw.url}/admin/keys/made`, ADMIN, { limits: null }, { method: 'PATCH' })).status).toBe(200);
      expect((await call(`${gw.url}/v1/chat/completions`, made.json.key, chat('gpt-4o-mini'))).status).toBe(200);
      const patched = await call(
        `${gw.url}/admin/keys/made`,
        ADMIN,
        { limits: { concurrent: 1 } },
        { method: 'PATCH' },
      );
      expect(patched.status).toBe(200);
      expect((await call(`${gw.url}/v1/chat/completions`, made.json.key, chat('gpt-4o-mini'))).status).toBe(503);
      expect((await call(`${gw.url}/v1/chat/completions`, OPEN, chat('gpt-4o-mini'))).status).toBe(200);
      expect(chats()).toBe(2);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
