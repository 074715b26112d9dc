import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plugin } from '@switchyard/core';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { find, metricsAfter, parseSamples, total } from '../../support/prometheus.js';
import type { Sample } from '../../support/prometheus.js';

const APP_KEY = 'gw-test-app-key-1';
const LIMITED_KEY = 'gw-test-limited-key-1';
const ADMIN_KEY = 'gw-test-admin-key-1';

const cachedCompletion = {
  id: 'chatcmpl-cached',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: {
    prompt_tokens: 1000,
    completion_tokens: 100,
    total_tokens: 1100,
    prompt_tokens_details: { cached_tokens: 400 },
  },
};

describe('metrics plugin: every family after a scripted mix of requests', () => {
  let a: MockOpenAI;
  let b: MockOpenAI;
  let gw: RunningGateway;
  let samples: Sample[];
  let metricsResponse: Response;

  const chat = (key: string | undefined, body: Record<string, unknown>) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
    }).then(async (res) => ({ status: res.status, text: await res.text() }));

  beforeAll(async () => {
    a = await startMockOpenAI({ name: 'a' });
    b = await startMockOpenAI({ name: 'b' });
    gw = await startGateway({
      providers: [
        mockProvider('a', a.baseUrl, { models: ['m'] }),
        mockProvider('b', b.baseUrl, { models: ['m'], priority: 2 }),
      ],
      catalog: { m: { pricing: { input: 1, output: 2, cachedRead: 0.1 } } },
      plugins: {
        'load-balancer': false,
        auth: {
          keys: [
            { name: 'app-1', key: APP_KEY, models: ['*'] },
            { name: 'limited', key: LIMITED_KEY, models: ['*'] },
            { name: 'ops', key: ADMIN_KEY, admin: true },
          ],
        },
        'rate-limit': { keys: { limited: { requestsPerMinute: 1 } } },
      },
    });
    expect((await chat(APP_KEY, { model: 'm' })).status).toBe(200); // success on a
    a.queueFault({ kind: 'status', status: 500 });
    expect((await chat(APP_KEY, { model: 'm' })).status).toBe(200); // failover to b
    a.queueFault({ kind: 'status', status: 400 });
    expect((await chat(APP_KEY, { model: 'm' })).status).toBe(400); // business error
    expect((await chat(LIMITED_KEY, { model: 'm' })).status).toBe(200);
    expect((await chat(LIMITED_KEY, { model: 'm' })).status).toBe(429); // gateway rate limit
    expect((await chat(undefined, { model: 'm' })).status).toBe(401); // no key
    expect((await chat(APP_KEY, { model: `random-${Math.random().toString(36).slice(2)}` })).status).toBe(404);
    expect((await chat(APP_KEY, { model: 'm', switchyard: { excludeProviders: ['a', 'b'] } })).status).toBe(400); // constraint_unmet
    expect((await chat(APP_KEY, { model: 'm', stream: true })).text).toContain('[DONE]'); // streaming success
    a.queueFault({ kind: 'status', status: 200, body: cachedCompletion });
    expect((await chat(APP_KEY, { model: 'm' })).status).toBe(200); // cached input, priced separately
    a.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    expect((await chat(APP_KEY, { model: 'm' })).status).toBe(200); // upstream 429 (parks a), then b
    await metricsAfter(gw.url, 11); // onFinish runs when the response is over
    metricsResponse = await fetch(`${gw.url}/metrics`);
    samples = parseSamples(await metricsResponse.text());
  });

  afterAll(async () => {
    await gw.close();
    await a.close();
    await b.close();
  });

  it('serves Prometheus text without a key by default', () => {
    expect(metricsResponse.status).toBe(200);
    expect(metricsResponse.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts requests by key, served provider, instance, model, endpoint and status', () => {
    const base = { key_name: 'app-1', provider: 'openai', model: 'm', endpoint: 'chat_completions' };
    expect(total(samples, 'switchyard_requests_total', { ...base, instance: 'a', status: '200' })).toBe(3);
    expect(total(samples, 'switchyard_requests_total', { ...base, instance: 'b', status: '200' })).toBe(2);
    expect(total(samples, 'switchyard_requests_total', { ...base, instance: 'a', status: '400' })).toBe(1);
    expect(
      total(samples, 'switchyard_requests_total', {
        key_name: 'limited',
        instance: 'none',
        provider: 'none',
        status: '429',
      }),
    ).toBe(1);
    expect(total(samples, 'switchyard_requests_total', { key_name: 'anonymous', status: '401' })).toBe(1);
    expect(total(samples, 'switchyard_requests_total', { key_name: 'app-1', model: 'other', status: '404' })).toBe(1);
    expect(total(samples, 'switchyard_requests_total', { key_name: 'app-1', status: '400', instance: 'none' })).toBe(1);
    expect(total(samples, 'switchyard_requests_total')).toBe(11);
  });

  it('separates caller, policy and upstream errors', () => {
    expect(total(samples, 'switchyard_errors_total', { class: 'caller', error_type: 'upstream_rejected' })).toBe(1);
    expect(total(samples, 'switchyard_errors_total', { class: 'caller', error_type: 'model_not_found' })).toBe(1);
    expect(total(samples, 'switchyard_errors_total', { class: 'policy', error_type: 'rate_limited' })).toBe(1);
    expect(total(samples, 'switchyard_errors_total', { class: 'policy', error_type: 'unauthorized' })).toBe(1);
    expect(total(samples, 'switchyard_errors_total', { class: 'caller', error_type: 'constraint_unmet' })).toBe(1);
    expect(total(samples, 'switchyard_errors_total', { class: 'gateway' })).toBe(0);
    expect(total(samples, 'switchyard_errors_total')).toBe(5);
    expect(total(samples, 'switchyard_rate_limited_total', { source: 'gateway' })).toBe(1);
    expect(total(samples, 'switchyard_rate_limited_total', { source: 'upstream' })).toBe(1);
  });

  it('counts attempts per instance and outcome', () => {
    expect(total(samples, 'switchyard_instance_requests_total', { instance: 'a', outcome: 'success' })).toBe(4);
    expect(total(samples, 'switchyard_instance_requests_total', { instance: 'a', outcome: 'failure' })).toBe(1);
    expect(total(samples, 'switchyard_instance_requests_total', { instance: 'a', outcome: 'business_error' })).toBe(1);
    expect(total(samples, 'switchyard_instance_requests_total', { instance: 'a', outcome: 'rate_limited' })).toBe(1);
    expect(total(samples, 'switchyard_instance_requests_total', { instance: 'b', outcome: 'success' })).toBe(2);
  });

  it('counts tokens by type, cache reads apart from uncached input', () => {
    const cached = { key_name: 'app-1', instance: 'a', model: 'm' };
    expect(total(samples, 'switchyard_tokens_total', { ...cached, type: 'cached_read' })).toBe(400);
    const input = total(samples, 'switchyard_tokens_total', { type: 'input' });
    const output = total(samples, 'switchyard_tokens_total', { type: 'output' });
    expect(input).toBeGreaterThan(600); // 600 uncached from the cached answer, plus the other served requests
    expect(output).toBeGreaterThan(100);
  });

  it('adds up the estimated cost per key and model from the pricing table', () => {
    const cost = total(samples, 'switchyard_cost_usd_total', { key_name: 'app-1', model: 'm' });
    const tokens = (type: string, key = 'app-1') => total(samples, 'switchyard_tokens_total', { key_name: key, type });
    // catalog price of m: input 1, cached read 0.1, output 2 USD per 1M tokens
    const expected = (tokens('input') * 1 + tokens('cached_read') * 0.1 + tokens('output') * 2) / 1e6;
    expect(cost).toBeCloseTo(expected, 12);
    expect(cost).toBeGreaterThan(0.00084); // the cached answer alone: (600 + 40 + 200) / 1e6
    expect(total(samples, 'switchyard_cost_usd_total', { key_name: 'limited' })).toBeGreaterThan(0);
  });

  it('observes duration, time to first token and gateway overhead histograms', () => {
    expect(
      total(samples, 'switchyard_request_duration_seconds_count', { instance: 'a', endpoint: 'chat_completions' }),
    ).toBe(5); // 4 served by a, 1 refused by it
    expect(total(samples, 'switchyard_request_duration_seconds_count')).toBe(11);
    const buckets = find(samples, 'switchyard_request_duration_seconds_bucket', { instance: 'a' });
    expect(buckets.map((b) => b.labels.le)).toEqual([
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '20',
      '40',
      '80',
      '+Inf',
    ]);
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((x, y) => x - y)); // cumulative
    expect(counts.at(-1)).toBe(5);
    expect(counts.at(-2)).toBe(5); // nothing took 80 s
    expect(total(samples, 'switchyard_time_to_first_token_seconds_count', { instance: 'a', model: 'm' })).toBe(1);
    expect(total(samples, 'switchyard_gateway_overhead_seconds_count', { endpoint: 'chat_completions' })).toBe(11);
    const overhead = total(samples, 'switchyard_gateway_overhead_seconds_sum');
    const duration = total(samples, 'switchyard_request_duration_seconds_sum');
    expect(overhead).toBeGreaterThan(0);
    expect(overhead).toBeLessThan(duration);
  });

  it('reports instance health, circuit state, sticky sessions, version and process metrics', () => {
    expect(find(samples, 'switchyard_instance_health', { instance: 'a' })[0]?.value).toBe(1);
    expect(find(samples, 'switchyard_instance_health', { instance: 'b' })[0]?.value).toBe(1);
    expect(find(samples, 'switchyard_circuit_state', { instance: 'a' })[0]?.value).toBe(0);
    expect(find(samples, 'switchyard_sticky_sessions')).toHaveLength(1);
    expect(find(samples, 'switchyard_info', { version: '0.1.0' })[0]?.value).toBe(1);
    // Prometheus' standard process metric names, which stock dashboards expect: no switchyard_ prefix.
    expect(find(samples, 'process_cpu_seconds_total')).toHaveLength(1);
    expect(find(samples, 'process_resident_memory_bytes')).toHaveLength(1);
    expect(find(samples, 'process_start_time_seconds')).toHaveLength(1);
    expect(find(samples, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
    expect(samples.filter((s) => /^switchyard_(process|nodejs)_/.test(s.name))).toEqual([]);
  });

  it('exports each series once', () => {
    const ids = samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`);
    expect(ids.length).toBeGreaterThan(100);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('never uses a label value that did not come from config', () => {
    const allowed = {
      key_name: new Set(['app-1', 'limited', 'ops', 'anonymous', 'other']),
      instance: new Set(['a', 'b', 'none', 'other']),
      model: new Set(['m', 'other']),
    };
    for (const s of samples) {
      for (const [label, values] of Object.entries(allowed))
        if (label in s.labels) expect(values, `${s.name} ${label}`).toContain(s.labels[label]);
    }
  });
});

describe('metrics plugin: cardinality guard and access', () => {
  it('collapses caller names and models nobody configured to `other`', async () => {
    const upstream = await startMockOpenAI();
    // An in-house auth plugin that trusts a header: its caller names are raw input.
    const headerAuth: Plugin = {
      name: 'header-auth',
      apply: (g) =>
        g.hooks.beforeRoute.tap('header-auth', (x) => void (x.caller = { name: String(x.headers['x-team']) })),
    };
    const gw = await startGateway(
      { providers: [mockProvider('u', upstream.baseUrl)], plugins: { auth: { keys: [] } } },
      { plugins: [headerAuth] },
    );
    try {
      for (const model of ['gpt-4o-mini', `gpt-4o-mini-${Date.now()}`]) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-team': `team-${Math.random()}` },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        });
        await res.text();
      }
      const samples = parseSamples(await metricsAfter(gw.url, 2));
      const requests = find(samples, 'switchyard_requests_total');
      expect(requests.map((s) => s.labels.key_name)).toEqual(['other', 'other']);
      expect(
        total(samples, 'switchyard_requests_total', { key_name: 'other', model: 'gpt-4o-mini', instance: 'u' }),
      ).toBe(1);
      expect(total(samples, 'switchyard_requests_total', { key_name: 'other', model: 'other', instance: 'u' })).toBe(1);
      expect(JSON.stringify(samples)).not.toContain('team-');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('10,000 distinct unknown models, tags and session ids add no series', async () => {
    const upstream = await startMockOpenAI();
    const gw = await startGateway({ providers: [mockProvider('u', upstream.baseUrl, { models: ['m'] })] });
    const send = (i: number) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-switchyard-tags': `zq-tag-${i}`,
          'x-session-id': `zq-session-${i}`,
          'x-request-id': `zq-request-${i}`,
        },
        body: JSON.stringify({ model: `zq-unknown-${i}`, messages: [{ role: 'user', content: 'hi' }] }),
      }).then((res) => res.text());
    const series = (text: string) => text.split('\n').filter((l) => l.startsWith('switchyard_')).length;
    try {
      for (let i = 0; i < 10; i++) await send(i);
      const before = await metricsAfter(gw.url, 10);
      // 10,000 more, 20 at a time.
      let next = 10;
      const worker = async () => {
        while (next < 10_010) await send(next++);
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      const after = await metricsAfter(gw.url, 10_010);
      expect(total(parseSamples(after), 'switchyard_requests_total', { model: 'other' })).toBe(10_010);
      expect(series(after)).toBe(series(before));
      expect(after).not.toContain('zq-');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('labels the endpoint: embeddings and Anthropic messages beside chat completions', async () => {
    const upstream = await startMockOpenAI();
    const gw = await startGateway({ providers: [mockProvider('u', upstream.baseUrl)] });
    try {
      const post = (path: string, body: unknown) =>
        fetch(`${gw.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.text().then(() => r.status));
      expect(await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'hello there' })).toBe(200);
      expect(
        await post('/v1/messages', {
          model: 'gpt-4o-mini',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      ).toBe(200);
      const text = await metricsAfter(gw.url, 2);
      const samples = parseSamples(text);
      expect(
        total(samples, 'switchyard_requests_total', {
          endpoint: 'embeddings',
          model: 'text-embedding-3-small',
          status: '200',
        }),
      ).toBe(1);
      expect(total(samples, 'switchyard_tokens_total', { endpoint: 'embeddings', type: 'input' })).toBeGreaterThan(0);
      expect(total(samples, 'switchyard_tokens_total', { endpoint: 'embeddings', type: 'output' })).toBe(0);
      expect(
        total(samples, 'switchyard_requests_total', { endpoint: 'messages', model: 'gpt-4o-mini', status: '200' }),
      ).toBe(1);
      expect(text).not.toMatch(/NaN/);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('keeps counting across a config reload: series never reset, new instances appear', async () => {
    const upstream = await startMockOpenAI();
    const config = { providers: [mockProvider('u', upstream.baseUrl, { models: ['gpt-4o-mini'] })] };
    const gw = await startGateway(config);
    try {
      const chat = () =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        }).then((r) => r.text().then(() => r.status));
      expect(await chat()).toBe(200);
      const reloaded = await gw.gateway.reload({
        ...config,
        server: { host: '127.0.0.1', port: 0 },
        providers: [...config.providers, mockProvider('v', upstream.baseUrl, { models: ['gpt-4o'] })],
      });
      expect(reloaded.ok).toBe(true);
      expect(await chat()).toBe(200);
      const text = await metricsAfter(gw.url, 2);
      const samples = parseSamples(text);
      expect(total(samples, 'switchyard_requests_total', { instance: 'u', model: 'gpt-4o-mini', status: '200' })).toBe(
        2,
      );
      // Process metrics are collected once per process, not once per generation.
      expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);
      expect(total(samples, 'switchyard_instance_requests_total', { instance: 'u', outcome: 'success' })).toBe(2);
      expect(samples.some((s) => s.name === 'switchyard_instance_health' && s.labels.instance === 'v')).toBe(true);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('serves /metrics behind the admin key with requireAdminKey', async () => {
    const gw = await startGateway({
      providers: [],
      plugins: {
        auth: {
          keys: [
            { name: 'ops', key: ADMIN_KEY, admin: true },
            { name: 'app', key: APP_KEY },
          ],
        },
        metrics: { requireAdminKey: true },
      },
    });
    try {
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${APP_KEY}` } })).status).toBe(403);
      const ok = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('switchyard_info');
    } finally {
      await gw.close();
    }
  });
});
