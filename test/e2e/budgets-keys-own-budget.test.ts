/**
 * A gateway key's own budget (`keys[].budget` in the auth plugin, or set at run time) is never
 * left uncounted: a budget on a configured key turns budgets on by itself (it was ignored unless
 * `plugins.budgets` was configured too), and with budgets off a run-time key given a budget is
 * refused, naming the switch, rather than served without its spend counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

const ADMIN = 'fake-gateway-key-ops';
const APP = 'fake-gateway-key-app';
const UPSTREAM_KEY = 'fake-openai-key';

let openai: MockOpenAI | undefined;
let gw: RunningGateway | undefined;
afterEach(async () => {
  await gw?.close();
  await openai?.close();
  gw = openai = undefined;
});

async function start(keys: object[], extra: Record<string, unknown> = {}): Promise<RunningGateway> {
  openai = await startMockOpenAI({ apiKey: UPSTREAM_KEY });
  gw = await startGateway({
    providers: [
      { name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'] },
    ],
    plugins: { auth: { keys: [{ name: 'ops', key: ADMIN, admin: true }, ...keys], ...extra } },
  });
  return gw;
}

const chat = (url: string, key: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  });

describe("a key's own budget", () => {
  it('turns budgets on when a configured key carries one', async () => {
    const { url } = await start([{ name: 'app', key: APP, budget: { usd: 0.000001, period: 'day' } }]);
    const res = await chat(url, APP);
    expect(res.status).toBe(402);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');
    expect(openai!.requests.filter((r) => r.path.startsWith('/v1/chat'))).toEqual([]);
  });

  it('given at run time with budgets off: the key is refused, named with the switch, nothing sent upstream', async () => {
    const { url } = await start([], { runtimeKeys: true });
    const admin = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
    const created = await fetch(`${url}/admin/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'late' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { key } = (await created.json()) as { key: string };
    expect((await chat(url, key)).status).toBe(200);
    const patched = await fetch(`${url}/admin/keys/late`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ budget: { usd: 1, period: 'day' } }),
    });
    expect(patched.status).toBe(200);
    openai!.reset();
    const refused = await chat(url, key);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('budget_unavailable');
    expect(error.message).toContain('plugins.budgets.enabled: true');
    expect(openai!.requests).toEqual([]);
  });

  it('keys without a budget are served as before when budgets are off', async () => {
    const { url } = await start([{ name: 'app', key: APP }]);
    expect((await chat(url, APP)).status).toBe(200);
  });
});
