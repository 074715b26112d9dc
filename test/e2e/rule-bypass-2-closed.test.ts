/**
 * Ways around a rule that the second rule-bypass audit found open (test/e2e/rule-bypass-2.test.ts
 * holds those that were not), each closed: every test here failed before its fix (the comments
 * say how).
 */
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '@switchyard/core';
import { mockProvider, startGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { finishedExchanges } from '../support/finishes.js';
import { until } from '../support/wait.js';
import { startHangingUpstream } from '../support/hanging-upstream.js';

const k = (n: string) => `sk-gw-repro-${n}-0123456789abcdef`;
const ADMIN = k('ops');
const chat = (model: string) => ({
  model,
  temperature: 0,
  messages: [{ role: 'user', content: 'plan?' }],
});
async function post(url: string, key: string, body: unknown) {
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
    },
    body: JSON.stringify(body),
  });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

describe('1. the response cache serves answers of targets the asking key may not use', () => {
  async function setup(shared: boolean, narrowModels: string[]) {
    const pricey = await startMockOpenAI({ name: 'pricey' });
    const cheap = await startMockOpenAI({ name: 'cheap' });
    const cfg = (models: string[]): ConfigInput => ({
      plugins: {
        'circuit-breaker': false,
        'response-cache': { enabled: true, shared },
        auth: {
          keys: [
            { name: 'full', key: k('full') },
            { name: 'narrow', key: k('narrow'), models },
            { name: 'cheap-only', key: k('cheap-only'), providers: ['cheap'] },
          ],
        },
      },
      providers: [
        mockProvider('pricey', pricey.baseUrl, {
          models: ['pricey-model', 'both-model'],
        }),
        mockProvider('cheap', cheap.baseUrl, {
          models: ['cheap-model', 'both-model'],
          priority: 2,
        }),
      ],
      // The narrow key may name this alias (its glob matches): only its cheap target is for it.
      models: [
        {
          name: 'cheap-mix',
          targets: ['pricey/pricey-model', 'cheap/cheap-model'],
        },
      ],
    });
    const gw = await startGateway(cfg(narrowModels));
    return {
      gw,
      cfg,
      close: async () => {
        await gw.close();
        await pricey.close();
        await cheap.close();
      },
    };
  }

  it('shared cache: a `cheap-*` key asking an alias gets the answer its pricey target gave another key', async () => {
    const { gw, close } = await setup(true, ['cheap-*']);
    try {
      const full = await post(`${gw.url}/v1/chat/completions`, k('full'), chat('cheap-mix'));
      expect(full.headers.get('x-switchyard-target')).toBe('pricey/pricey-model');
      const narrow = await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('cheap-mix'));
      expect(narrow.status).toBe(200);
      // Was a hit carrying pricey-model's answer ("pricey: plan?"): entries are keyed by the targets the key may use.
      expect(narrow.headers.get('x-switchyard-target')).toBe('cheap/cheap-model');
      expect(narrow.text).not.toContain('pricey');
    } finally {
      await close();
    }
  });

  it('shared cache: a key limited to provider `cheap` gets the answer provider `pricey` gave', async () => {
    const { gw, close } = await setup(true, ['cheap-*']);
    try {
      const full = await post(`${gw.url}/v1/chat/completions`, k('full'), chat('both-model'));
      expect(full.headers.get('x-switchyard-target')).toBe('pricey/both-model');
      const limited = await post(`${gw.url}/v1/chat/completions`, k('cheap-only'), chat('both-model'));
      // Was a hit carrying "pricey: plan?".
      expect(limited.headers.get('x-switchyard-target')).toBe('cheap/both-model');
      expect(limited.text).not.toContain('pricey');
    } finally {
      await close();
    }
  });

  it('per-key cache: a key narrowed by a reload still gets its old answer from a target it may no longer use', async () => {
    const { gw, cfg, close } = await setup(false, ['*']);
    try {
      const before = await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('cheap-mix'));
      expect(before.headers.get('x-switchyard-target')).toBe('pricey/pricey-model');
      expect((await gw.gateway.reload(cfg(['cheap-*']))).ok).toBe(true);
      const after = await post(`${gw.url}/v1/chat/completions`, k('narrow'), chat('cheap-mix'));
      // Was a hit with pricey-model's answer.
      expect(after.headers.get('x-switchyard-target')).toBe('cheap/cheap-model');
    } finally {
      await close();
    }
  });
});

describe('2. item_reference: another key continues a kept conversation through a Responses upstream', () => {
  it("bob's item_reference to alice's output item reaches the upstream, which resolves it", async () => {
    const up = await startMockOpenAI({ name: 'oa' });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'alice', key: k('alice') },
            { name: 'bob', key: k('bob') },
          ],
        },
      },
      providers: [
        mockProvider('oa', up.baseUrl, {
          models: ['gpt-4o'],
          responsesApi: true,
        }),
      ],
    });
    try {
      const alice = await post(`${gw.url}/v1/responses`, k('alice'), {
        model: 'gpt-4o',
        input: 'alice secret: 4242',
      });
      const item = JSON.parse(alice.text).output.find((o: { type: string }) => o.type === 'message').id;
      const sent = up.requests.length;
      const bob = await post(`${gw.url}/v1/responses`, k('bob'), {
        model: 'gpt-4o',
        input: [
          { type: 'item_reference', id: item },
          { role: 'user', content: 'what did you say?' },
        ],
      });
      // Was 200: the gateway forwarded alice's item id and the upstream (the gateway's own
      // account, which keeps alice's response) resolved it for bob.
      expect(bob.status, bob.text).toBe(400);
      expect(JSON.parse(bob.text).error).toMatchObject({ code: 'item_not_found', param: 'input' });
      expect(up.requests.slice(sent)).toEqual([]);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('3. a Responses stream the caller cuts is charged nothing (budget) and counts no tokens (limit)', () => {
  for (const limits of [undefined, { tokensPerMinute: 100_000 }]) {
    it(`key ${limits ? 'with' : 'without'} a token limit`, async () => {
      const up = await startHangingUpstream();
      const finished = finishedExchanges();
      const gw = await startGateway(
        {
          plugins: {
            'circuit-breaker': false,
            budgets: { enabled: true },
            auth: {
              keys: [
                {
                  name: 'a',
                  key: k('a'),
                  budget: { usd: 1, period: 'day' },
                  ...(limits ? { limits } : {}),
                },
                { name: 'ops', key: ADMIN, admin: true },
              ],
            },
          },
          catalog: {
            h: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
          },
          providers: [mockProvider('hang', up.baseUrl, { models: ['h'] })],
        },
        { plugins: [finished.plugin] },
      );
      try {
        const leave = new AbortController();
        const res = await fetch(`${gw.url}/v1/responses`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${k('a')}`,
          },
          body: JSON.stringify({
            model: 'h',
            input: 'hi',
            max_output_tokens: 2000,
            stream: true,
          }),
          signal: leave.signal,
        });
        const reader = res.body!.getReader();
        let seen = '';
        while (!seen.includes('partial')) seen += new TextDecoder().decode((await reader.read()).value);
        leave.abort();
        await reader.cancel().catch(() => undefined);
        await finished.next();
        const admin = async (path: string) =>
          (
            await fetch(`${gw.url}${path}`, {
              headers: { authorization: `Bearer ${ADMIN}` },
            })
          ).json();
        await until(async () => (await admin('/admin/budgets')).budgets[0].reservedUsd === 0);
        if (limits) {
          // Was 0 (a chat or Messages stream cut the same way counts 2002).
          expect((await admin('/admin/rate-limit/keys/a')).tokens.used).toBeGreaterThanOrEqual(2000);
        } else {
          // Was 0 (a chat or Messages stream cut the same way is charged $0.02).
          expect((await admin('/admin/budgets')).budgets[0].spentUsd).toBeCloseTo(0.02, 9);
        }
      } finally {
        await gw.close();
        await up.close();
      }
    });
  }
});

describe('7. a run-time key created under a deleted key’s name reads what the deleted key kept', () => {
  // Before the fix, kept data was filed under the key's name alone: the new holder read the old
  // holder's stored response and got the old holder's cached answer.
  async function setup() {
    const up = await startMockOpenAI({ name: 'rt' });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        'response-cache': { enabled: true },
        auth: { runtimeKeys: true, keys: [{ name: 'ops', key: ADMIN, admin: true }] },
      },
      providers: [mockProvider('rt', up.baseUrl, { models: ['gpt-4o'] })],
    });
    const admin = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${gw.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: r.status, text: await r.text() };
    };
    const get = async (path: string, key: string) => {
      const r = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: r.status, text: await r.text() };
    };
    return { up, gw, admin, get, close: async () => (await gw.close(), await up.close()) };
  }

  it('a stored response and its input stay with the deleted key; a rotated key keeps its own', async () => {
    const { gw, admin, get, close } = await setup();
    try {
      expect((await admin('POST', '/admin/keys', { name: 'temp', key: k('first') })).status).toBe(201);
      const made = await post(`${gw.url}/v1/responses`, k('first'), { model: 'gpt-4o', input: 'first holder: 4242' });
      expect(made.status, made.text).toBe(200);
      const { id } = JSON.parse(made.text);
      // Rotating a key keeps its holder: what it kept is still its own.
      expect((await admin('PATCH', '/admin/keys/temp', { key: k('rotated') })).status).toBe(200);
      expect((await get(`/v1/responses/${id}`, k('rotated'))).status).toBe(200);

      expect((await admin('DELETE', '/admin/keys/temp')).status).toBe(200);
      expect((await admin('POST', '/admin/keys', { name: 'temp', key: k('second') })).status).toBe(201);
      for (const path of [`/v1/responses/${id}`, `/v1/responses/${id}/input_items`]) {
        const res = await get(path, k('second'));
        expect(res.status, `${path}: ${res.text}`).toBe(404);
        expect(res.text).not.toContain('4242');
      }
      const next = await post(`${gw.url}/v1/responses`, k('second'), {
        model: 'gpt-4o',
        input: 'what did I say?',
        previous_response_id: id,
      });
      expect(next.status, next.text).toBe(400);
      expect(JSON.parse(next.text).error.code).toBe('previous_response_not_found');
    } finally {
      await close();
    }
  });

  it("the per-key response cache: the new holder's first request reaches the upstream", async () => {
    const { up, gw, admin, close } = await setup();
    try {
      expect((await admin('POST', '/admin/keys', { name: 'temp', key: k('first') })).status).toBe(201);
      const first = await post(`${gw.url}/v1/chat/completions`, k('first'), chat('gpt-4o'));
      expect(first.headers.get('x-switchyard-cache')).toBe('miss');
      const again = await post(`${gw.url}/v1/chat/completions`, k('first'), chat('gpt-4o'));
      expect(again.headers.get('x-switchyard-cache')).toBe('hit');
      expect((await admin('DELETE', '/admin/keys/temp')).status).toBe(200);
      expect((await admin('POST', '/admin/keys', { name: 'temp', key: k('second') })).status).toBe(201);
      up.reset();
      const theirs = await post(`${gw.url}/v1/chat/completions`, k('second'), chat('gpt-4o'));
      expect(theirs.status, theirs.text).toBe(200);
      expect(theirs.headers.get('x-switchyard-cache')).toBe('miss');
      expect(up.requests).toHaveLength(1);
    } finally {
      await close();
    }
  });
});
