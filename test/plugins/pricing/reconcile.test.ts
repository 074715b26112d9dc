import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRICING_COST, formatUsd } from '@switchyard/plugin-pricing';
import type { RequestCost } from '@switchyard/plugin-pricing';
import { pricing } from '@switchyard/plugin-pricing';
import { finishedExchanges } from '../../support/finishes.js';
import { LONG, RATES, anthropicKinds, dataEvents, expectedUsd, none, openaiKinds } from '../../support/reconcile.js';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { geminiProvider } from '../../support/gemini.js';
import { startMockAnthropic } from '../../support/mock-anthropic.js';
import type { MockAnthropic } from '../../support/mock-anthropic.js';
import { startMockGemini } from '../../support/mock-gemini.js';
import type { MockGemini } from '../../support/mock-gemini.js';
import { REASONING_TOKENS, startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';

let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gemini: MockGemini;
let gw: RunningGateway;
const finished = finishedExchanges();
const log = memoryLogger();

beforeAll(async () => {
  openai = await startMockOpenAI();
  anthropic = await startMockAnthropic({ promptCache: true, minCacheTokens: 50 });
  gemini = await startMockGemini({ cachedTokens: 7 });
  const catalog = Object.fromEntries(
    ['gpt-4o-mini', 'o4-mini', 'text-embedding-3-small', 'claude-sonnet-4-5', 'gemini-2.5-flash'].map((m) => [
      m,
      { pricing: RATES },
    ]),
  );
  gw = await startGateway(
    {
      providers: [
        mockProvider('oai', openai.baseUrl, { models: ['gpt-4o-mini', 'o4-mini', 'text-embedding-3-small'] }),
        {
          name: 'ant',
          type: 'anthropic',
          baseUrl: anthropic.baseUrl,
          apiKey: 'sk-ant-upstream-0123456789',
          models: ['claude-sonnet-4-5'],
        },
        geminiProvider('gem', gemini.origin, { models: ['gemini-2.5-flash'] }),
      ],
      catalog,
      plugins: { 'prompt-cache': false, pricing: { header: true } },
    },
    { plugins: [finished.plugin], logger: log.logger },
  );
});

afterAll(async () => {
  await gw.close();
  await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function costOfNext(): Promise<RequestCost> {
  const x = await finished.next();
  return x.get(PRICING_COST)!;
}

describe('OpenAI upstream (pass-through)', () => {
  it('prices input and output, sends the cost header and logs costUsd', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'price me' }],
    });
    const body = await res.json();
    const cost = await costOfNext();
    const kinds = openaiKinds(body.usage);
    expect(kinds.input).toBeGreaterThan(0);
    expect(cost.attempts[0]!.tokens).toEqual(kinds);
    expect(cost.usd).toBeCloseTo(expectedUsd(kinds), 12);
    expect(res.headers.get('x-switchyard-cost')).toBe(formatUsd(cost.usd));
    const line = log.lines.findLast((l) => l.msg === 'request' && l.requestId === res.headers.get('x-request-id'));
    expect(line!.costUsd).toBe(cost.usd);
  });

  it('prices cached input at the cache-read price', async () => {
    const ask = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: LONG('openai-cache') },
        { role: 'user', content: 'first' },
      ],
    };
    await (await post('/v1/chat/completions', ask)).json();
    await costOfNext();
    const body = await (await post('/v1/chat/completions', ask)).json();
    const cost = await costOfNext();
    const kinds = openaiKinds(body.usage);
    expect(kinds.cachedRead).toBeGreaterThan(0);
    expect(cost.attempts[0]!.tokens).toEqual(kinds);
    expect(cost.usd).toBeCloseTo(expectedUsd(kinds), 12);
  });

  it('prices reasoning tokens at the reasoning price', async () => {
    const body = await (
      await post('/v1/chat/completions', { model: 'o4-mini', messages: [{ role: 'user', content: 'think' }] })
    ).json();
    const cost = await costOfNext();
    const kinds = openaiKinds(body.usage);
    expect(kinds.reasoning).toBe(REASONING_TOKENS);
    expect(cost.attempts[0]!.tokens).toEqual(kinds);
    expect(cost.usd).toBeCloseTo(expectedUsd(kinds), 12);
  });

  it('asks a stream for its usage when the caller did not, prices it, and keeps the usage chunk from that caller', async () => {
    const ask = { model: 'o4-mini', messages: [{ role: 'user', content: 'stream and think' }] };
    const twin = await (await post('/v1/chat/completions', ask)).json();
    await costOfNext();
    openai.reset();
    const res = await post('/v1/chat/completions', { ...ask, stream: true });
    const events = dataEvents(await res.text());
    const cost = await costOfNext();
    expect(openai.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(events.length).toBeGreaterThan(1);
    expect(events.some((e) => e.usage)).toBe(false);
    expect(events.every((e) => e.choices.length > 0)).toBe(true);
    expect(res.headers.get('x-switchyard-cost')).toBeNull();
    expect(cost.attempts[0]!.tokens).toEqual(openaiKinds(twin.usage));
    expect(cost.usd).toBeCloseTo(expectedUsd(openaiKinds(twin.usage)), 12);
  });

  it('prices embeddings input', async () => {
    const res = await post('/v1/embeddings', {
      model: 'text-embedding-3-small',
      input: ['one text', 'and another one'],
    });
    const body = await res.json();
    const cost = await costOfNext();
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(cost.attempts[0]!.tokens).toEqual({ ...none, input: body.usage.prompt_tokens });
    expect(cost.usd).toBeCloseTo((body.usage.prompt_tokens * RATES.input) / 1e6, 12);
    expect(res.headers.get('x-switchyard-cost')).toBe(formatUsd(cost.usd));
  });

  it('passes the usage chunk to a caller who asked for it, priced the same', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'o4-mini',
      messages: [{ role: 'user', content: 'stream with usage' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const events = dataEvents(await res.text());
    const cost = await costOfNext();
    const usage = events.at(-1).usage;
    expect(events.at(-1).choices).toEqual([]);
    expect(cost.attempts[0]!.tokens).toEqual(openaiKinds(usage));
    expect(cost.usd).toBeCloseTo(expectedUsd(openaiKinds(usage)), 12);
  });
});

describe('Anthropic upstream', () => {
  const messagesBody = (tag: string, extra: Record<string, unknown> = {}) => ({
    model: 'claude-sonnet-4-5',
    max_tokens: 200,
    system: [{ type: 'text', text: LONG(`${tag}-system`, 200), cache_control: { type: 'ephemeral', ttl: '1h' } }],
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: LONG(`${tag}-user`, 100), cache_control: { type: 'ephemeral' } }],
      },
    ],
    ...extra,
  });
  const anthropicHeaders = { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'extended-cache-ttl-2025-04-11' };

  it('pass-through: prices input, 1-hour and 5-minute cache writes, then cache reads and output', async () => {
    const first = await (await post('/v1/messages', messagesBody('pt'), anthropicHeaders)).json();
    const written = await costOfNext();
    const w = anthropicKinds(first.usage);
    expect(w.cacheWrite1h).toBeGreaterThan(0);
    expect(w.cacheWrite5m).toBeGreaterThan(0);
    expect(written.attempts[0]!.tokens).toEqual(w);
    expect(written.usd).toBeCloseTo(expectedUsd(w), 12);

    const second = await (await post('/v1/messages', messagesBody('pt'), anthropicHeaders)).json();
    const read = await costOfNext();
    const r = anthropicKinds(second.usage);
    expect(r.cachedRead).toBeGreaterThan(0);
    expect(read.attempts[0]!.tokens).toEqual(r);
    expect(read.usd).toBeCloseTo(expectedUsd(r), 12);
  });

  it('pass-through stream: prices what message_start and message_delta reported', async () => {
    const res = await post('/v1/messages', messagesBody('pts', { stream: true }), anthropicHeaders);
    const text = await res.text();
    const cost = await costOfNext();
    const start = dataEvents(text).find((e) => e.type === 'message_start').message.usage;
    const delta = dataEvents(text).find((e) => e.type === 'message_delta').usage;
    const kinds = anthropicKinds({ ...start, ...delta });
    expect(kinds.cacheWrite1h + kinds.cacheWrite5m).toBeGreaterThan(0);
    expect(cost.attempts[0]!.tokens).toEqual(kinds);
    expect(cost.usd).toBeCloseTo(expectedUsd(kinds), 12);
  });

  it('converted for an OpenAI caller: the same kinds, from the canonical usage', async () => {
    const ask = {
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: LONG('conv-system', 200), cache_control: { type: 'ephemeral', ttl: '1h' } }],
        },
        {
          role: 'user',
          content: [{ type: 'text', text: LONG('conv-user', 100), cache_control: { type: 'ephemeral' } }],
        },
      ],
    };
    const first = await (await post('/v1/chat/completions', ask)).json();
    const written = await costOfNext();
    const w = openaiKinds(first.usage);
    expect(w.cacheWrite1h).toBeGreaterThan(0);
    expect(w.cacheWrite5m).toBeGreaterThan(0);
    expect(written.attempts[0]!.tokens).toEqual(w);
    expect(written.usd).toBeCloseTo(expectedUsd(w), 12);

    const res = await post('/v1/chat/completions', { ...ask, stream: true });
    await res.text();
    const read = await costOfNext();
    expect(read.attempts[0]!.tokens.cachedRead).toBeGreaterThan(0);
    expect(read.usd).toBeCloseTo(expectedUsd(read.attempts[0]!.tokens), 12);
    expect(read.attempts[0]!.tokens).toEqual({
      ...w,
      input: w.input,
      cachedRead: w.cacheWrite5m + w.cacheWrite1h,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: read.attempts[0]!.tokens.output,
    });
  });
});

describe('Gemini upstream (converted)', () => {
  const ask = {
    model: 'gemini-2.5-flash',
    reasoning_effort: 'low',
    messages: [{ role: 'user', content: 'gemini, think' }],
  };

  it('prices input, cached input, output and thoughts', async () => {
    const body = await (await post('/v1/chat/completions', ask)).json();
    const cost = await costOfNext();
    const kinds = openaiKinds(body.usage);
    expect(kinds.cachedRead).toBe(7);
    expect(kinds.reasoning).toBeGreaterThan(0);
    expect(cost.attempts[0]!.tokens).toEqual(kinds);
    expect(cost.usd).toBeCloseTo(expectedUsd(kinds), 12);
  });

  it('prices a stream whose caller did not ask for usage', async () => {
    const twin = await (await post('/v1/chat/completions', ask)).json();
    await costOfNext();
    const res = await post('/v1/chat/completions', { ...ask, stream: true });
    const events = dataEvents(await res.text());
    const cost = await costOfNext();
    expect(events.some((e) => e.usage)).toBe(false);
    expect(cost.attempts[0]!.tokens).toEqual(openaiKinds(twin.usage));
    expect(cost.usd).toBeCloseTo(expectedUsd(openaiKinds(twin.usage)), 12);
  });
});

describe('price versions and unknown prices', () => {
  it('logs at most maxWarnings distinct unpriced warnings, whatever tiers callers ask for', async () => {
    const upstream = await startMockOpenAI();
    const fin = finishedExchanges();
    const { logger, lines } = memoryLogger();
    const g = await startGateway(
      {
        providers: [mockProvider('u', upstream.baseUrl, { models: ['m'] })],
        catalog: { m: { pricing: { input: 1, output: 2 } } },
      },
      { plugins: [pricing({ maxWarnings: 3 }), fin.plugin], logger },
    );
    try {
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${g.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', service_tier: `tier-${i}`, messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.status).toBe(200);
        await res.text();
        expect((await fin.next()).get(PRICING_COST)!.unpriced).toEqual(['u/m']); // still unpriced, every one
      }
      const warnings = lines.filter((l) => l.plugin === 'pricing');
      expect(warnings.map((l) => String(l.msg).slice(0, 36))).toEqual([
        'no price known for u/m at service_ti',
        'no price known for u/m at service_ti',
        'no price known for u/m at service_ti',
        '3 unpriced targets and tiers warned ',
      ]);
    } finally {
      await g.close();
      await upstream.close();
    }
  });

  it('applies the price in force at the request time (injected clock), and says nothing of a model without a price', async () => {
    const upstream = await startMockOpenAI();
    let clock = Date.parse('2026-12-31T23:59:59Z');
    const fin = finishedExchanges();
    const { logger, lines } = memoryLogger();
    const g = await startGateway(
      {
        providers: [mockProvider('u', upstream.baseUrl, { models: ['m', 'free-m'] })],
        catalog: { m: { pricing: { input: 1, output: 2, versions: [{ from: '2027-01-01', input: 10, output: 20 }] } } },
        plugins: { pricing: { header: true } },
      },
      { plugins: [pricing({ now: () => clock }), fin.plugin], logger },
    );
    try {
      const ask = (model: string) =>
        fetch(`${g.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'when' }] }),
        });
      const before = await (await ask('m')).json();
      const old = (await fin.next()).get(PRICING_COST)!;
      expect(old.attempts[0]!.priceFrom).toBeUndefined();
      expect(old.usd).toBeCloseTo((before.usage.prompt_tokens * 1 + before.usage.completion_tokens * 2) / 1e6, 12);

      clock = Date.parse('2027-01-01T00:00:01Z');
      const after = await (await ask('m')).json();
      const now = (await fin.next()).get(PRICING_COST)!;
      expect(now.attempts[0]!.priceFrom).toBe('2027-01-01');
      expect(now.usd).toBeCloseTo((after.usage.prompt_tokens * 10 + after.usage.completion_tokens * 20) / 1e6, 12);

      const free = await ask('free-m');
      await free.json();
      const unknown = (await fin.next()).get(PRICING_COST)!;
      expect(unknown).toMatchObject({ usd: 0, attempts: [], unpriced: ['u/free-m'] });
      expect(free.headers.get('x-switchyard-cost')).toBeNull();
      const line = lines.findLast((l) => l.msg === 'request' && l.requestId === free.headers.get('x-request-id'))!;
      expect(line.costUsd).toBeUndefined();
      expect(line.unpriced).toEqual(['u/free-m']);
      expect(lines.filter((l) => String(l.msg).startsWith('no price known for u/free-m'))).toHaveLength(1);
    } finally {
      await g.close();
      await upstream.close();
    }
  });

  it('sends no cost header unless asked', async () => {
    const upstream = await startMockOpenAI();
    const g = await startGateway({ providers: [mockProvider('u', upstream.baseUrl, { models: ['gpt-4o-mini'] })] });
    try {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-cost')).toBeNull();
    } finally {
      await g.close();
      await upstream.close();
    }
  });
});
