import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '@switchyard/core';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import type { GatedUpstream } from '../support/gated-upstream.js';
import { sendHttp } from '../support/raw-http.js';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';
import { budgetOf as budgetOfKey, call } from '../support/rule-probes.js';

/**
 * A fifth pass at Switchyard's rules: parallel bursts against a budget and a request limit, on
 * one replica and on two sharing Redis; Responses fields that would run work the gateway cannot
 * see; content-encoded bodies; `__proto__` keys in JSON. Each test asserts that the rule holds.
 */
const k = (name: string): string => `sk-gw-bypass5-${name}-0123456789abcdef`;
const ADMIN = k('ops');

/** A key's budget as the admin key reads it. */
const budgetOf = (gw: RunningGateway, name: string) => budgetOfKey(gw.url, ADMIN, name);

/** Output at $10 per 1M tokens, input free: max_tokens 1000 reserves $0.01. */
const CATALOG: ConfigInput['catalog'] = { m: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 } };
const ask = (gw: RunningGateway, key: string, maxTokens = 1000) =>
  call(`${gw.url}/v1/chat/completions`, k(key), {
    model: 'm',
    max_tokens: maxTokens,
    messages: [{ role: 'user', content: 'hi' }],
  });

/** Sends `n` requests at once, round robin over `gws`; resolves once each is refused or held at the upstream. */
async function burst(gws: RunningGateway[], key: string, n: number, gated: GatedUpstream) {
  const before = gated.received;
  const statuses: number[] = [];
  const all = Array.from({ length: n }, (_, i) => ask(gws[i % gws.length]!, key).then((r) => statuses.push(r.status)));
  await until(() => statuses.length + (gated.received - before) === n, {
    what: 'every request refused or held upstream',
  });
  return { reached: gated.received - before, refused: [...statuses], all: Promise.all(all) };
}

describe('parallel bursts against a budget and a request limit', () => {
  const keys = [
    { name: 'bud', key: k('bud'), budget: { usd: 0.05, period: 'day' } },
    { name: 'rpm', key: k('rpm'), limits: { requestsPerMinute: 4 } },
    { name: 'ops', key: ADMIN, admin: true },
  ];
  const config = (url: string, store?: ConfigInput['store']): ConfigInput => ({
    plugins: { 'circuit-breaker': false, budgets: { enabled: true }, auth: { keys } },
    catalog: CATALOG,
    providers: [mockProvider('u', url, { models: ['m'] })],
    ...(store ? { store } : {}),
  });

  it('one replica: twelve at once against a $0.05 budget of $0.01 requests, five reach the upstream', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 1000 }));
    const gw = await startGateway(config(gated.baseUrl));
    try {
      const { reached, refused, all } = await burst([gw], 'bud', 12, gated);
      expect(reached).toBe(5);
      expect(refused).toEqual(Array(7).fill(402));
      gated.open();
      await all;
      const b = await budgetOf(gw, 'bud');
      expect(b.spentUsd).toBeCloseTo(0.05, 12);
      expect(b.spentUsd).toBeLessThanOrEqual(0.05 + 1e-12);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });

  it('two replicas on one Redis: a burst split over both admits the budget and the request limit once, in total', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 1000 }));
    const keyPrefix = testPrefix();
    const store: ConfigInput['store'] = { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix };
    const gws = await Promise.all([
      startGateway(config(gated.baseUrl, store)),
      startGateway(config(gated.baseUrl, store)),
    ]);
    try {
      const budget = await burst(gws, 'bud', 12, gated);
      expect(budget.reached).toBe(5);
      expect(budget.refused).toEqual(Array(7).fill(402));
      const rpm = await burst(gws, 'rpm', 12, gated);
      expect(rpm.reached).toBe(4);
      expect(rpm.refused).toEqual(Array(8).fill(429));
      gated.open();
      await Promise.all([budget.all, rpm.all]);
      for (const gw of gws) expect((await budgetOf(gw, 'bud')).spentUsd).toBeLessThanOrEqual(0.05 + 1e-12);
      // Settled on both: the next request of either replica still finds no room.
      expect((await ask(gws[1]!, 'bud')).status).toBe(402);
    } finally {
      await Promise.all(gws.map((g) => g.close()));
      await gated.stop();
      await dropTestKeys(keyPrefix);
    }
  });
});

describe('Responses fields that would run work the gateway cannot see', () => {
  it('background and conversation are refused before any upstream, for any key', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 1, completion_tokens: 1 }), { open: true });
    const gw = await startGateway(config0(gated.baseUrl));
    try {
      for (const extra of [
        { background: true },
        { conversation: 'conv_0123456789' },
        { conversation: { id: 'conv_0123456789' } },
        { background: true, stream: true },
      ]) {
        for (const key of ['bud', 'free']) {
          const res = await call(`${gw.url}/v1/responses`, k(key), {
            model: 'm',
            input: 'hi',
            max_output_tokens: 10,
            ...extra,
          });
          expect(res.status, `${key} ${JSON.stringify(extra)}: ${res.text}`).toBe(400);
        }
      }
      expect(gated.received).toBe(0);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });
});

/** One gateway, a budgeted key and a free one (limited to model `m`), the admin key. */
function config0(url: string): ConfigInput {
  return {
    plugins: {
      'circuit-breaker': false,
      budgets: { enabled: true },
      auth: {
        keys: [
          { name: 'bud', key: k('bud'), budget: { usd: 0.03, period: 'day' } },
          { name: 'free', key: k('free'), models: ['m'] },
          { name: 'ops', key: ADMIN, admin: true },
        ],
      },
    },
    catalog: { ...CATALOG, pricey: { pricing: { input: 100, output: 100 } } },
    providers: [mockProvider('u', url, { models: ['m', 'pricey'] })],
  };
}

describe('bodies as bytes: content encodings and __proto__ keys', () => {
  const raw = (gw: RunningGateway, key: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const port = Number(new URL(gw.url).port);
    return sendHttp(port, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: {
        host: `127.0.0.1:${port}`,
        'content-type': 'application/json',
        authorization: `Bearer ${k(key)}`,
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      },
      body,
    });
  };
  const MESSAGES = '"messages":[{"role":"user","content":"hi"}]';

  it('a gzip or deflate body is refused, never inflated nor passed on', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 1, completion_tokens: 1 }), { open: true });
    const gw = await startGateway(config0(gated.baseUrl));
    try {
      const json = Buffer.from(`{"model":"pricey",${MESSAGES}}`);
      for (const [encoding, body] of [
        ['gzip', gzipSync(json)],
        ['deflate', deflateSync(json)],
        ['gzip', gzipSync(Buffer.from(`{"model":"m",${MESSAGES},"pad":"${'x'.repeat(2_000_000)}"}`))],
      ] as const) {
        const res = await raw(gw, 'free', body, { 'content-encoding': encoding });
        expect(res.status, `${encoding}: ${res.text}`).toBe(400);
      }
      expect(gated.received).toBe(0);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });

  it('a __proto__ key neither lowers the reserved max_tokens nor replaces the checked model', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 1, completion_tokens: 1 }), { open: true });
    const gw = await startGateway(config0(gated.baseUrl));
    try {
      // No max_tokens reserves the model limit, 4000 tokens ($0.04): more than the $0.03 budget.
      for (const body of [
        `{"model":"m",${MESSAGES}}`,
        `{"model":"m",${MESSAGES},"__proto__":{"max_tokens":1}}`,
        `{"__proto__":{"max_tokens":1,"max_completion_tokens":1},"model":"m",${MESSAGES}}`,
        `{"model":"m",${MESSAGES},"constructor":{"prototype":{"max_tokens":1}}}`,
      ]) {
        const res = await raw(gw, 'bud', body);
        expect(res.status, `${body}: ${res.text}`).toBe(402);
      }
      expect(gated.received).toBe(0);
      // A key limited to `m`: a `pricey` in a __proto__ object is not the model.
      for (const body of [
        `{"model":"m",${MESSAGES},"__proto__":{"model":"pricey"}}`,
        `{"__proto__":{"model":"pricey"},"model":"m",${MESSAGES}}`,
      ]) {
        const res = await raw(gw, 'free', body);
        expect(res.status, res.text).toBe(200);
        expect(res.json.model).toBe('m');
      }
      expect((await raw(gw, 'free', `{"__proto__":{"model":"pricey"},${MESSAGES}}`)).status).toBe(400);
      expect(gated.received).toBe(2);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });
});
