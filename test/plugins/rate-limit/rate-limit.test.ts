import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { withOptions } from '@switchyard/core';
import type { ConfigInput } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { rateLimit } from '@switchyard/plugin-rate-limit';
import type { RateLimitOptions } from '@switchyard/plugin-rate-limit';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { useMockOpenAIs } from '../../support/mock-upstreams.js';
import { waitFor } from '../../support/tcp-proxy.js';

let a: MockOpenAI;
let b: MockOpenAI;
const running: RunningGateway[] = [];

useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.close()));
});

const KEYS = [
  { name: 'app', key: 'sk-gw-app-0001' },
  { name: 'other', key: 'sk-gw-other-0002' },
  { name: 'from-auth', key: 'sk-gw-auth-0003', limits: { requestsPerMinute: 1 } },
  { name: 'admin', key: 'sk-gw-admin', admin: true },
  { name: 'constructor', key: 'sk-gw-ctor-0004' },
];

async function gateway(
  options: Partial<RateLimitOptions>,
  config: Partial<ConfigInput> = {},
  logger = memoryLogger().logger,
): Promise<RunningGateway> {
  const gw = await startGateway(
    {
      providers: [
        mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini', 'gpt-4o'], priority: 1 }),
        mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2 }),
      ],
      ...config,
    },
    { logger, plugins: [withOptions(auth(), { keys: KEYS }), withOptions(rateLimit(), options)] },
  );
  running.push(gw);
  return gw;
}

function chat(
  gw: RunningGateway,
  key = 'sk-gw-app-0001',
  body: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 20,
      ...body,
    }),
    ...(signal ? { signal } : {}),
  });
}

async function readings(gw: RunningGateway, scope: string): Promise<Record<string, { used: number; resetMs: number }>> {
  const res = await fetch(`${gw.url}/admin/rate-limit/keys/${encodeURIComponent(scope)}`, {
    headers: { authorization: 'Bearer sk-gw-admin' },
  });
  return (await res.json()) as Record<string, { used: number; resetMs: number }>;
}

describe('rate-limit plugin (memory store)', () => {
  it('refuses the request over requestsPerMinute with 429, Retry-After and x-ratelimit-* headers, per key', async () => {
    const gw = await gateway({ defaults: { requestsPerMinute: 3, tokensPerMinute: 10_000 } });
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const ok = await chat(gw);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(ok.headers.get('x-ratelimit-limit-tokens')).toBe('10000');
      remaining.push(ok.headers.get('x-ratelimit-remaining-requests'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await chat(gw);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-should-retry')).toBeNull(); // a wait of a minute at most: clients may retry
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d)?s$/);
    expect(refused.headers.get('x-ratelimit-limit-tokens')).toBe('10000');
    const body = await refused.json();
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(body.error.message).toMatch(/requests per minute limit is 3; retry in \d+(\.\d)?s$/);
    expect((await chat(gw)).status).toBe(429);
    expect((await chat(gw, 'sk-gw-other-0002')).status).toBe(200);
    expect((await readings(gw, 'app')).requests!.used).toBe(3); // refused requests do not count
    // A key named like an Object.prototype member still gets the defaults.
    for (let i = 0; i < 3; i++) expect((await chat(gw, 'sk-gw-ctor-0004')).status).toBe(200);
    expect((await chat(gw, 'sk-gw-ctor-0004')).status).toBe(429);
  });

  it('answers 429 in the Anthropic shape on /v1/messages', async () => {
    const gw = await gateway({ defaults: { requestsPerMinute: 1 } });
    const messages = () =>
      fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': 'sk-gw-app-0001',
          'anthropic-version': '2023-06-01',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      });
    expect((await messages()).status).not.toBe(429);
    const refused = await messages();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('applies key × model limits, and limits the auth plugin attached to the key', async () => {
    const gw = await gateway({ defaults: { requestsPerMinute: 100, models: { 'gpt-4o': { requestsPerMinute: 1 } } } });
    expect((await chat(gw, undefined, { model: 'gpt-4o' })).status).toBe(200);
    const refused = await chat(gw, undefined, { model: 'gpt-4o' });
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.message).toContain('for model gpt-4o');
    expect((await chat(gw, undefined, { model: 'gpt-4o-mini' })).status).toBe(200);
    expect((await chat(gw, 'sk-gw-auth-0003')).status).toBe(200);
    expect((await chat(gw, 'sk-gw-auth-0003')).status).toBe(429);
  });

  it('reserves prompt estimate + max_tokens at admission and settles to real usage', async () => {
    const gw = await gateway({ defaults: { tokensPerMinute: 1000 } });
    const first = await chat(gw, undefined, { max_tokens: 600 });
    expect(first.status).toBe(200);
    const used = ((await first.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    expect(used).toBeLessThan(100);
    await waitFor(async () => (await readings(gw, 'app')).tokens!.used === used, 'the reservation to settle');
    // Without settlement 600 + 600 would not fit in 1000.
    expect((await chat(gw, undefined, { max_tokens: 600 })).status).toBe(200);
    await waitFor(async () => (await readings(gw, 'app')).tokens!.used === 2 * used, 'the second settlement');
    const tooBig = await chat(gw, undefined, { max_tokens: 5000 });
    expect(tooBig.status).toBe(429);
    expect((await tooBig.json()).error.message).toMatch(/needs \d+ tokens per minute, more than the limit of 1000$/);
    // No window will ever admit it: clients are told not to retry, and no wait is advised.
    expect(tooBig.headers.get('x-should-retry')).toBe('false');
    expect(tooBig.headers.get('retry-after')).toBeNull();
    expect((await readings(gw, 'app')).tokens!.used).toBe(2 * used);
  });

  it('enforces a daily token budget', async () => {
    const gw = await gateway({ defaults: { tokensPerDay: 150 } });
    expect((await chat(gw, undefined, { max_tokens: 100 })).status).toBe(200);
    await waitFor(async () => (await readings(gw, 'app')).daily!.used < 100, 'the settlement');
    expect((await chat(gw, undefined, { max_tokens: 100 })).status).toBe(200);
    await waitFor(async () => (await readings(gw, 'app')).daily!.used < 100, 'the settlement');
    const refused = await chat(gw, undefined, { max_tokens: 140 });
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.message).toMatch(/tokens per day limit is 150; retry in 2[34]h\d+m\d+s$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3600);
    expect(refused.headers.get('x-should-retry')).toBe('false'); // hours away: report, do not sleep on it
  });

  it('limits concurrency and releases the slot on success, upstream error, refusal before any attempt and client abort', async () => {
    const gw = await gateway(
      { defaults: { concurrent: 1 } },
      { providers: [mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'] })] },
    );
    const concurrent = async (): Promise<number> => (await readings(gw, 'app')).concurrent!.used;

    // Slow enough to still hold the slot when the second request arrives, however loaded the machine.
    a.queueFault({ kind: 'delay', ms: 3000 });
    const slow = chat(gw);
    await waitFor(() => a.requests.length === 1, 'the slow request to reach the upstream');
    const blocked = await chat(gw);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('1');
    expect((await blocked.json()).error.message).toContain('concurrent requests limit is 1');
    expect((await slow).status).toBe(200);
    await waitFor(async () => (await concurrent()) === 0, 'release after success');

    a.queueFault({ kind: 'status', status: 500 });
    expect((await chat(gw)).status).toBe(502);
    await waitFor(async () => (await concurrent()) === 0, 'release after an upstream error');

    expect((await chat(gw, undefined, { model: 'no-such-model' })).status).toBe(404);
    await waitFor(async () => (await concurrent()) === 0, 'release after a request that never reached an upstream');

    a.queueFault({ kind: 'hang' });
    const controller = new AbortController();
    const hung = chat(gw, undefined, {}, controller.signal).catch((err: unknown) => err);
    await waitFor(async () => (await concurrent()) === 1, 'the hung request to hold the slot');
    controller.abort();
    await hung;
    await waitFor(async () => (await concurrent()) === 0, 'release after the client hung up');
    expect((await chat(gw)).status).toBe(200);
  });

  it('skips an upstream instance at its cap in favour of the next candidate, not 429', async () => {
    const gw = await gateway({ instances: { a: { requestsPerMinute: 2 } } });
    const targets: Array<string | null> = [];
    for (let i = 0; i < 4; i++) {
      const res = await chat(gw);
      expect(res.status).toBe(200);
      targets.push(res.headers.get('x-switchyard-target'));
      await waitFor(async () => {
        const r = await fetch(`${gw.url}/admin/rate-limit/instances/a`, {
          headers: { authorization: 'Bearer sk-gw-admin' },
        });
        return ((await r.json()) as { requests: { used: number } }).requests.used >= Math.min(i + 1, 2);
      }, 'the attempt to be counted');
    }
    expect(targets).toEqual(['a/gpt-4o-mini', 'a/gpt-4o-mini', 'b/gpt-4o-mini', 'b/gpt-4o-mini']);
    const onlyA = await chat(gw, undefined, { model: 'gpt-4o' });
    expect(onlyA.status).toBe(503);
    expect((await onlyA.json()).error.message).toContain('instance at its cap of 2 requests per minute');
  });
});

describe('SDK clients refused by a limit (they sleep for as long as Retry-After says)', () => {
  /** A fetch that counts the requests an SDK sends, retries included. */
  function countingFetch(): { fetch: typeof fetch; sent: () => number } {
    let sent = 0;
    return {
      fetch: (input, init) => {
        sent++;
        return fetch(input, init);
      },
      sent: () => sent,
    };
  }

  it('the OpenAI SDK reports a spent daily limit at once instead of sleeping until it resets', async () => {
    const gw = await gateway({ defaults: { tokensPerDay: 150 } });
    const counter = countingFetch();
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-gw-app-0001', fetch: counter.fetch });
    const ask = (max_tokens: number) =>
      client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens, messages: [{ role: 'user', content: 'hi' }] });
    await ask(100);
    await waitFor(async () => (await readings(gw, 'app')).daily!.used < 100, 'the settlement');
    await ask(100);
    await waitFor(async () => (await readings(gw, 'app')).daily!.used < 100, 'the settlement');
    const before = counter.sent();
    const refused = await ask(140).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).message).toMatch(
      /tokens per day limit is 150; retry in/,
    );
    expect(counter.sent() - before).toBe(1); // without x-should-retry: false it would sleep ~24 h, twice
  });

  it('the Anthropic SDK does not retry a request over a limit on its own', async () => {
    const gw = await gateway({ defaults: { tokensPerMinute: 1000 } });
    const counter = countingFetch();
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-gw-app-0001', fetch: counter.fetch });
    const refused = await client.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 5000, messages: [{ role: 'user', content: 'hi' }] })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect((refused as InstanceType<typeof Anthropic.RateLimitError>).message).toMatch(/more than the limit of 1000/);
    expect(counter.sent()).toBe(1); // a retry a minute later would be refused just the same
  });
});
