import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { startMockAzureOpenAI } from '../support/mock-azure-openai.js';
import { finishedExchanges } from '../support/finishes.js';
import { until } from '../support/wait.js';

const ADMIN = 'sk-gw-ops-0123456789abcdef';
const APP = 'sk-gw-app-0123456789abcdef';
const NARROW = 'sk-gw-narrow-0123456789abcdef';
const headers = (key: string) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${key}`,
  'anthropic-version': '2023-06-01',
});

/**
 * Ways around a rule that the rule-bypass audit found open, each closed: every test here failed
 * before its fix (the comments say how).
 */
describe('closed ways around a rule', () => {
  it('a caller who hangs up after the upstream has the request is charged its reservation (budget and token limit)', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 500 }));
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true },
        auth: {
          keys: [
            { name: 'app', key: APP, budget: { usd: 1, period: 'day' }, limits: { tokensPerMinute: 100_000 } },
            { name: 'ops', key: ADMIN, admin: true },
          ],
        },
      },
      catalog: { m: { pricing: { input: 0, output: 10 } } },
      providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
    });
    try {
      const leave = new AbortController();
      const sent = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: headers(APP),
        signal: leave.signal,
        body: JSON.stringify({ model: 'm', max_tokens: 3000, messages: [{ role: 'user', content: 'hi' }] }),
      }).catch(() => undefined);
      await gated.waitForReceived(1); // the upstream has the whole request: it works (and bills) from here
      leave.abort();
      await sent;
      const admin = async (path: string) => (await fetch(`${gw.url}${path}`, { headers: headers(ADMIN) })).json();
      await until(async () => (await admin('/admin/budgets')).budgets[0].reservedUsd === 0);
      // The upstream works (and bills) once it has the request: before, both read 0 and a caller could loop send-and-hang-up.
      expect((await admin('/admin/budgets')).budgets[0].spentUsd).toBeCloseTo(0.03, 6);
      expect((await admin('/admin/rate-limit/keys/app')).tokens.used).toBeGreaterThanOrEqual(3000);
    } finally {
      gated.open();
      await gw.close();
      await gated.stop();
    }
  });

  it('Azure api-version before 2024-09-01: a large max_tokens beside a small max_completion_tokens is reserved, not slipped past the budget', async () => {
    const az = await startMockAzureOpenAI({
      apiKey: 'az-key-0123456789',
      deployments: { 'gpt4o-prod': 'gpt-4o-2024-11-20' },
    });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true },
        auth: { keys: [{ name: 'app', key: APP, budget: { usd: 0.01, period: 'day' } }] },
      },
      providers: [
        {
          name: 'az',
          type: 'azure-openai',
          baseUrl: az.origin,
          apiKey: 'az-key-0123456789',
          apiVersion: '2024-06-01',
          deployments: { 'gpt-4o': 'gpt4o-prod' },
        },
      ],
    });
    try {
      const ask = (extra: object) =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: headers(APP),
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...extra }),
        });
      expect((await ask({ max_tokens: 16000 })).status).toBe(402); // 16000 output tokens do not fit $0.01
      const res = await ask({ max_completion_tokens: 100, max_tokens: 16000 });
      expect(res.status).toBe(402); // was 200, and Azure was sent max_tokens 16000
      expect(az.requests).toEqual([]);
    } finally {
      await gw.close();
      await az.close();
    }
  });

  it('the content-type check sees the path the router serves: no other case, no absolute-form target', async () => {
    const up = await startMockOpenAI({ name: 'u' });
    const gw = await startGateway({ providers: [mockProvider('u', up.baseUrl, { models: ['m'] })] });
    const port = Number(new URL(gw.url).port);
    const post = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path,
            headers: { host: 'localhost', 'content-type': 'text/plain' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
    const raw = (bytes: string) =>
      new Promise<string>((resolve) => {
        const s = connect(port, '127.0.0.1');
        let out = '';
        s.on('data', (c) => (out += c));
        s.on('close', () => resolve(out));
        s.end(bytes);
      });
    try {
      expect(await post('/admin/reload')).toBe(415);
      expect(await post('/ADMIN/reload')).toBe(404); // was 200: the router matched any case
      expect(
        await raw(
          'POST http://localhost/admin/reload HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
        ),
      ).toMatch(/^HTTP\/1\.1 415 /); // was 200
      expect(gw.gateway.reloads.ok).toBe(0); // was 2
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('a key × model limit counts the model however it is named: an alias or instance/model of it shares its counter', async () => {
    const up = await startMockOpenAI({ name: 'u' });
    const gw = await startGateway({
      plugins: { auth: { keys: [{ name: 'app', key: APP, limits: { models: { m: { requestsPerMinute: 1 } } } }] } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
      models: [{ name: 'alias-m', targets: ['u/m'] }],
    });
    try {
      const ask = (model: string) =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: headers(APP),
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        }).then((r) => r.status);
      expect(await ask('m')).toBe(200);
      expect(await ask('m')).toBe(429);
      expect(await ask('alias-m')).toBe(429); // was 200
      expect(await ask('u/m')).toBe(429); // was 200
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('a narrow key: no count_tokens estimate and no listing for models it may not use', async () => {
    const up = await startMockOpenAI({ name: 'u' });
    const gw = await startGateway({
      plugins: {
        auth: {
          keys: [
            { name: 'narrow', key: NARROW, models: ['cheap-*'] },
            { name: 'ops', key: ADMIN, admin: true },
          ],
        },
      },
      providers: [mockProvider('u', up.baseUrl, { models: ['cheap-model', 'expensive-model'] })],
      models: [{ name: 'cheap-alias', targets: ['u/expensive-model'] }],
    });
    try {
      const messages = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: headers(NARROW),
        body: JSON.stringify({ model: 'cheap-alias', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(messages.status).toBe(403);
      const count = await fetch(`${gw.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: headers(NARROW),
        body: JSON.stringify({ model: 'cheap-alias', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(count.status, await count.clone().text()).toBe(403); // was 200 {"input_tokens":4}
      expect((await count.json()).error.type).toBe('permission_error');
      const listed = (await (await fetch(`${gw.url}/v1/models`, { headers: headers(NARROW) })).json()).data.map(
        (m: any) => m.id,
      );
      expect(listed).toEqual(['cheap-model']); // was every model, expensive-model and cheap-alias too
      const all = await (await fetch(`${gw.url}/v1/models`, { headers: headers(ADMIN) })).json();
      expect(all.data.map((m: any) => m.id).sort()).toEqual(['cheap-alias', 'cheap-model', 'expensive-model']);
      expect(up.requests).toEqual([]);
    } finally {
      await gw.close();
      await up.close();
    }
  });
  it('a hedged alias reserves two attempts, since both may bill', async () => {
    const u = await startMockOpenAI({ name: 'u' });
    const v = await startMockOpenAI({ name: 'v' });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true },
        auth: { keys: [{ name: 'app', key: APP, budget: { usd: 0.05, period: 'day' } }] },
      },
      catalog: { m: { pricing: { input: 0, output: 10 } } },
      providers: [mockProvider('u', u.baseUrl, { models: ['m'] }), mockProvider('v', v.baseUrl, { models: ['m'] })],
      models: [
        { name: 'plain', targets: ['u/m', 'v/m'] },
        { name: 'hedged', targets: ['u/m', 'v/m'], routing: { hedge: true } },
        { name: 'hedged-alone', targets: ['u/m'], routing: { hedge: true } },
      ],
    });
    try {
      // 3000 output tokens at $10 per million: $0.03 for one attempt, $0.06 for two, against $0.05.
      const ask = (model: string) =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: headers(APP),
          body: JSON.stringify({ model, max_tokens: 3000, messages: [{ role: 'user', content: 'hi' }] }),
        });
      expect((await ask('plain')).status).toBe(200);
      const hedged = await ask('hedged');
      expect(hedged.status, await hedged.clone().text()).toBe(402); // was 200: one attempt reserved
      expect((await hedged.json()).error.message).toMatch(/0\.06/);
      expect((await ask('hedged-alone')).status).toBe(200); // no second target: nothing to hedge with
    } finally {
      await gw.close();
      await Promise.all([u.close(), v.close()]);
    }
  });
  it('a hedge that lost is charged its reservation: the upstream had the request', async () => {
    const usage = () => ({ prompt_tokens: 10, completion_tokens: 5 });
    const slow = await startGatedUpstream(usage, { open: true });
    const fast = await startGatedUpstream(usage, { open: true });
    const finished = finishedExchanges();
    const gw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          budgets: { enabled: true },
          auth: {
            keys: [
              { name: 'app', key: APP, budget: { usd: 1, period: 'day' } },
              { name: 'ops', key: ADMIN, admin: true },
            ],
          },
        },
        catalog: { m: { pricing: { input: 0, output: 10 } } },
        providers: [
          mockProvider('slow', slow.baseUrl, { models: ['m'], priority: 0 }),
          mockProvider('fast', fast.baseUrl, { models: ['m'], priority: 1 }),
        ],
        models: [{ name: 'h', targets: ['slow/m', 'fast/m'], routing: { hedge: true, hedgeMinSamples: 1 } }],
      },
      { plugins: [finished.plugin] },
    );
    try {
      const ask = () =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: headers(APP),
          body: JSON.stringify({ model: 'h', max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] }),
        });
      // One answer gives the slow target its time to first token; then it holds every request.
      expect((await ask()).status).toBe(200);
      await finished.next();
      slow.close();
      const res = await ask();
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-target')).toBe('fast/m');
      const x = await finished.next();
      expect(x.results.map((r) => r.failure ?? r.outcome)).toEqual(expect.arrayContaining(['hedge_lost', 'success']));
      const budgets = await (await fetch(`${gw.url}/admin/budgets`, { headers: headers(ADMIN) })).json();
      // Two answers of 5 tokens, and 2000 tokens held for the hedge that lost ($10 per million): was $0.0001.
      expect(budgets.budgets[0].spentUsd).toBeCloseTo(0.0201, 9);
    } finally {
      slow.open();
      await gw.close();
      await Promise.all([slow.stop(), fast.stop()]);
    }
  });
});
