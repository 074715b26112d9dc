/**
 * Ways around a budget the fourth rule-bypass pass found open, now closed: each test failed
 * before its fix (the figures in the comments are what the gateway did then).
 */
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '@switchyard/core';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import type { finishedExchanges } from '../support/finishes.js';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { budgetOf, budgetedGateway } from '../support/rule-probes.js';

const k = (name: string): string => `sk-gw-bypass4c-${name}-0123456789abcdef`;
const ADMIN = k('ops');

const headers = (key: string) => ({
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  authorization: `Bearer ${key}`,
});

async function adminGet(gw: RunningGateway, path: string): Promise<any> {
  return (await fetch(`${gw.url}${path}`, { headers: headers(ADMIN) })).json();
}

async function spentOf(gw: RunningGateway, name: string): Promise<number> {
  return (await budgetOf(gw.url, ADMIN, name)).spentUsd;
}

/** An Anthropic upstream behind a gateway with budgets on and key `app` holding `usd` a day. */
async function budgetedAnthropic(
  usd: number,
  catalog: ConfigInput['catalog'],
  extra: Partial<ConfigInput> = {},
): Promise<{ gw: RunningGateway; ant: MockAnthropic; finished: ReturnType<typeof finishedExchanges> }> {
  const ant = await startMockAnthropic({ name: 'ant', promptCache: true });
  const { gw, finished } = await budgetedGateway(ADMIN, {
    keys: [{ name: 'app', key: k('app'), budget: { usd, period: 'day' }, limits: { tokensPerMinute: 1_000_000 } }],
    catalog,
    providers: [{ name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'ant-upstream-secret-0123456789' }],
    config: extra,
  });
  return { gw, ant, finished };
}

describe('an Anthropic stream the upstream breaks after its first usage', () => {
  for (const [label, fault] of [
    ['cut after a text delta', { kind: 'cut', afterEvents: 3 }],
    ['an error event after a text delta', { kind: 'streamError', afterEvents: 3 }],
  ] as const) {
    it(`${label}: charged its reservation, not the usage of message_start`, async () => {
      const { gw, ant, finished } = await budgetedAnthropic(
        1,
        { 'claude-sonnet-4-5': { pricing: { input: 0, output: 10 }, maxOutputTokens: 64_000 } },
        { routing: { maxAttempts: 1 } },
      );
      try {
        ant.queueFault(fault);
        const res = await fetch(`${gw.url}/v1/messages`, {
          method: 'POST',
          headers: headers(k('app')),
          body: JSON.stringify({
            model: 'claude-sonnet-4-5',
            max_tokens: 2000,
            stream: true,
            messages: [{ role: 'user', content: 'hi' }],
          }),
        });
        await res.text();
        await finished.next();
        // 2000 output tokens at $10 per 1M (was $0.00001: message_start's one output token)
        expect(await spentOf(gw, 'app')).toBeGreaterThanOrEqual(0.02 - 1e-12);
        expect((await adminGet(gw, '/admin/rate-limit/keys/app')).tokens.used).toBeGreaterThanOrEqual(2000);
      } finally {
        await gw.close();
        await ant.close();
      }
    });
  }
});

describe('a prompt written to a prompt cache', () => {
  it('is reserved at the cache write price: a one-hour write cannot pass the budget', async () => {
    const { gw, ant, finished } = await budgetedAnthropic(0.3, {
      'claude-sonnet-4-5': {
        pricing: { input: 10, output: 0, cacheWrite: 12.5, cacheWrite1h: 20 },
        maxOutputTokens: 1000,
      },
    });
    try {
      // 84,000 characters ≈ 21,000 tokens: $0.21 as input, $0.42 written for an hour.
      const body = {
        model: 'claude-sonnet-4-5',
        max_tokens: 16,
        system: [{ type: 'text', text: 'lorem ipsum '.repeat(7000), cache_control: { type: 'ephemeral', ttl: '1h' } }],
        messages: [{ role: 'user', content: 'hi' }],
      };
      const sent = ant.requests.length;
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: headers(k('app')),
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(402); // was 200, settling at $0.42 on a $0.30 budget
      expect(ant.requests.length).toBe(sent);
      expect(await spentOf(gw, 'app')).toBe(0);
      await finished.next();
    } finally {
      await gw.close();
      await ant.close();
    }
  });
});

describe('a sibling of a priced model (gpt-5-pro of gpt-5)', () => {
  it('is not priced as the cheaper model it extends: a budgeted key is refused it, as any unpriced name', async () => {
    const up = await startMockOpenAI({ name: 'oa' });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true },
        auth: { keys: [{ name: 'b', key: k('b'), budget: { usd: 5, period: 'day' } }] },
      },
      // No `models`: the instance takes every gpt-* name.
      providers: [mockProvider('oa', up.baseUrl)],
    });
    const ask = async (path: string, body: Record<string, unknown>) => {
      const res = await fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: headers(k('b')),
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };
    try {
      expect((await ask('/v1/responses', { model: 'gpt-5', input: 'hi' })).status).toBe(200);
      expect((await ask('/v1/responses', { model: 'gpt-5-2025-08-07', input: 'hi' })).status).toBe(200);
      // gpt-5-pro lists at $15 / $120 per 1M, gpt-5 at $1.25 / $10 (before: 200, priced as gpt-5).
      const sent = up.requests.length;
      for (const [path, body] of [
        ['/v1/responses', { model: 'gpt-5-pro', input: 'hi' }],
        ['/v1/chat/completions', { model: 'gpt-4o-search-preview', messages: [{ role: 'user', content: 'hi' }] }],
      ] as const) {
        const res = await ask(path, body);
        expect(res.status, res.text).toBe(400);
        expect(res.text).toContain('no price known');
      }
      expect(up.requests.length).toBe(sent);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
