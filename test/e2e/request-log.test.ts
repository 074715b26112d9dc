import { describe, expect, it } from 'vitest';
import { CACHE_OUTCOME } from '@switchyard/plugin-response-cache';
import type { Plugin } from '@switchyard/core';
import { startMockOpenAI } from '../support/mock-openai.js';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

describe('the request log line', () => {
  it('says, once per request, what was asked, where it went, how it ended and what was dropped', async () => {
    const a = await startMockOpenAI({ name: 'a' });
    const b = await startMockOpenAI({ name: 'b' });
    const { logger, lines } = memoryLogger();
    const warner: Plugin = {
      name: 'warner',
      apply: (g) => g.hooks.beforeRoute.tap('warner', (x) => void x.warn('seed dropped')),
    };
    const gw = await startGateway(
      {
        plugins: { 'circuit-breaker': false, 'load-balancer': false },
        providers: [
          mockProvider('a', a.baseUrl, { models: ['m'] }),
          mockProvider('b', b.baseUrl, { models: ['m'], priority: 2 }),
        ],
      },
      { plugins: [warner], logger },
    );
    try {
      a.queueFault({ kind: 'status', status: 500 });
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.text();
      await new Promise((r) => setImmediate(r));
      const logged = lines.filter((l) => l.msg === 'request');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        requestId: res.headers.get('x-request-id'),
        model: 'm',
        target: 'b/m',
        attempts: 2,
        status: 200,
        warnings: ['seed dropped'],
      });
      expect(logged[0]!.tried).toEqual([
        { target: 'a/m', outcome: 'failure', status: 500, failure: 'status', ms: expect.any(Number) },
        { target: 'b/m', outcome: 'success', status: 200, ms: expect.any(Number) },
      ]);
      expect(logged[0]).toMatchObject({
        protocol: 'openai',
        operation: 'chat',
        stream: false,
        latencyMs: expect.any(Number),
        upstreamMs: expect.any(Number),
        tokens: { input: expect.any(Number), output: expect.any(Number) },
      });
      expect(JSON.stringify(lines)).not.toContain('sk-upstream-secret');
    } finally {
      await gw.close();
      await a.close();
      await b.close();
    }
  });

  it('carries the caller, tokens, cost estimate and cache outcome of a served request', async () => {
    const upstream = await startMockOpenAI();
    const { logger, lines } = memoryLogger();
    const cacheTeller: Plugin = {
      name: 'cache-teller',
      apply: (g) => g.hooks.beforeRoute.tap('cache-teller', (x) => void x.set(CACHE_OUTCOME, 'miss')),
    };
    const gw = await startGateway(
      {
        providers: [mockProvider('u', upstream.baseUrl, { models: ['m'] })],
        catalog: { m: { pricing: { input: 2, output: 4, cachedRead: 0.5 } } },
        plugins: { auth: { keys: [{ name: 'app-1', key: APP_KEY }] } },
      },
      { plugins: [cacheTeller], logger },
    );
    try {
      upstream.queueFault({
        kind: 'status',
        status: 200,
        body: completionWithUsage({
          prompt_tokens: 1000,
          completion_tokens: 50,
          total_tokens: 1050,
          prompt_tokens_details: { cached_tokens: 200 },
        }),
      });
      const res = await chat(gw.url, { model: 'm' }, { authorization: `Bearer ${APP_KEY}` });
      expect(res.status).toBe(200);
      const line = await requestLine(lines);
      expect(line).toMatchObject({
        caller: 'app-1',
        target: 'u/m',
        status: 200,
        cache: 'miss',
        tokens: { input: 1000, output: 50, cachedRead: 200 },
      });
      expect(line.costUsd).toBeCloseTo((800 * 2 + 200 * 0.5 + 50 * 4) / 1e6, 12);
      expect(JSON.stringify(lines)).not.toContain(APP_KEY);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('says in words why a request failed, at warn for 5xx, with every attempt', async () => {
    const a = await startMockOpenAI();
    const { logger, lines } = memoryLogger();
    const gw = await startGateway(
      { plugins: { 'circuit-breaker': false }, providers: [mockProvider('a', a.baseUrl, { models: ['m'] })] },
      { logger },
    );
    try {
      a.queueFault({ kind: 'status', status: 503 }, { kind: 'status', status: 503 }, { kind: 'status', status: 503 });
      expect((await chat(gw.url, { model: 'm' })).status).toBe(502);
      const failed = await requestLine(lines);
      expect(failed).toMatchObject({
        level: 40,
        status: 502,
        errorCode: 'SWITCHYARD_ERR_UPSTREAM_FAILED',
        attempts: 1,
      });
      expect(failed.error).toMatch(/a\/m.*503/);
      expect(failed.tried).toEqual([
        { target: 'a/m', outcome: 'failure', status: 503, failure: 'status', ms: expect.any(Number) },
      ]);

      lines.length = 0;
      expect((await chat(gw.url, { model: 'no-such-model' })).status).toBe(404);
      expect(await requestLine(lines)).toMatchObject({
        level: 30,
        status: 404,
        errorCode: 'SWITCHYARD_ERR_MODEL_NOT_FOUND',
        error: expect.stringContaining('no-such-model'),
        attempts: 0,
      });
    } finally {
      await gw.close();
      await a.close();
    }
  });

  it('logs a request refused by validation (400), in either protocol, with why', async () => {
    const { logger, lines } = memoryLogger();
    const gw = await startGateway(
      { providers: [mockProvider('a', 'http://127.0.0.1:1/v1', { models: ['m'] })] },
      { logger },
    );
    try {
      expect((await chat(gw.url, { model: 'm', max_tokens: 0 })).status).toBe(400);
      expect(await requestLine(lines)).toMatchObject({
        level: 30,
        protocol: 'openai',
        operation: 'chat',
        status: 400,
        errorCode: expect.stringMatching(/^SWITCHYARD_ERR_/),
        error: expect.stringContaining('max_tokens'),
        attempts: 0,
      });
      lines.length = 0;
      const broken = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":',
      });
      expect(broken.status).toBe(400);
      expect(await requestLine(lines)).toMatchObject({ status: 400, requestId: broken.headers.get('x-request-id') });
      lines.length = 0;
      const anthropic = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(anthropic.status).toBe(400);
      expect(await requestLine(lines)).toMatchObject({
        protocol: 'anthropic',
        operation: 'chat',
        status: 400,
        error: expect.stringContaining('max_tokens'),
      });
    } finally {
      await gw.close();
    }
  });

  it('logs a request to no route (unknown path 404, wrong method 405) and one the guard refused, as an access line', async () => {
    const { logger, lines } = memoryLogger();
    const gw = await startGateway(
      { providers: [mockProvider('a', 'http://127.0.0.1:1/v1', { models: ['m'] })] },
      { logger },
    );
    try {
      const unknown = await fetch(`${gw.url}/v1/no-such-thing?x=1`);
      expect(unknown.status).toBe(404);
      expect(await requestLine(lines)).toMatchObject({
        level: 30,
        requestId: unknown.headers.get('x-request-id'),
        method: 'GET',
        path: '/v1/no-such-thing',
        status: 404,
        errorCode: 'SWITCHYARD_ERR_NOT_FOUND',
      });
      lines.length = 0;
      expect((await fetch(`${gw.url}/v1/chat/completions`)).status).toBe(405);
      expect(await requestLine(lines)).toMatchObject({ method: 'GET', path: '/v1/chat/completions', status: 405 });
      lines.length = 0;
      expect(
        (
          await fetch(`${gw.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: '{}',
          })
        ).status,
      ).toBe(415);
      expect(await requestLine(lines)).toMatchObject({ method: 'POST', path: '/v1/chat/completions', status: 415 });
      // Probes that succeed leave no line.
      lines.length = 0;
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
      // A request that does leave a line, after the probe: once it is logged, the probe's would be too.
      expect((await fetch(`${gw.url}/v1/after-the-probe`)).status).toBe(404);
      expect(await requestLine(lines)).toMatchObject({ path: '/v1/after-the-probe', status: 404 });
    } finally {
      await gw.close();
    }
  });

  it('logs a caller that left before the answer as aborted, status 499', async () => {
    const a = await startMockOpenAI();
    const { logger, lines } = memoryLogger();
    const gw = await startGateway({ providers: [mockProvider('a', a.baseUrl, { models: ['m'] })] }, { logger });
    try {
      // The upstream hangs; the caller leaves once the request is there, whatever the machine's speed.
      a.queueFault({ kind: 'hang' });
      const controller = new AbortController();
      void until(() => a.requests.length === 1, { what: 'the request at the upstream' }).then(() => controller.abort());
      await expect(
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          signal: controller.signal,
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        }),
      ).rejects.toThrow();
      const line = await requestLine(lines);
      expect(line).toMatchObject({ status: 499, aborted: true, target: 'a/m' });
      // onFinish (the metrics) runs when the response is over: wait for it.
      const metrics = await until(
        async () => {
          const text = await (await fetch(`${gw.url}/metrics`)).text();
          return /status="499"/.test(text) && text;
        },
        { what: 'the aborted request in /metrics' },
      );
      expect(metrics).toMatch(/switchyard_errors_total\{class="caller",error_type="client_abort"\} 1/);
      expect(metrics).toMatch(/switchyard_requests_total\{[^}]*status="499"\} 1/);
      // The attempt ends once the upstream call is aborted: a debug line, never a warning with a stack trace.
      await until(
        () =>
          lines.some(
            (l) =>
              l.msg === 'caller closed the connection before the answer' ||
              String(l.msg).includes('the client went away'),
          ),
        { what: 'the aborted attempt logged' },
      );
      expect(lines.filter((l) => (l.level as number) >= 40 && !String(l.msg).startsWith('no gateway keys'))).toEqual(
        [],
      );
      expect(JSON.stringify(lines)).not.toContain('SWITCHYARD_ERR_UPSTREAM_FAILED');
      expect(lines.find((l) => l.msg === 'caller closed the connection before the answer')).toMatchObject({
        level: 20,
      });
    } finally {
      await gw.close();
      await a.close();
    }
  });

  it('logs a breaker transition as its own line with an event field', async () => {
    const a = await startMockOpenAI();
    const { logger, lines } = memoryLogger();
    const gw = await startGateway(
      {
        plugins: { 'circuit-breaker': { failureThreshold: 1 } },
        providers: [mockProvider('a', a.baseUrl, { models: ['m'] })],
      },
      { logger },
    );
    try {
      a.queueFault({ kind: 'status', status: 500 });
      expect((await chat(gw.url, { model: 'm' })).status).toBe(502);
      await requestLine(lines);
      const transition = lines.find((l) => l.event === 'circuit_transition');
      expect(transition).toMatchObject({
        level: 40,
        breaker: 'a',
        from: 'closed',
        to: 'open',
        msg: 'circuit a opened',
      });
      expect(JSON.stringify(lines)).not.toContain('sk-upstream-secret');
    } finally {
      await gw.close();
      await a.close();
    }
  });

  it('scrubs key-like strings from every field, nested ones and the message included', async () => {
    const a = await startMockOpenAI();
    const { logger, lines } = memoryLogger();
    // Not the instance's own key (core masks that one itself): a key-shaped string it cannot know.
    const upstreamKey = 'sk-upstream-secret-zz-0123456789';
    const gw = await startGateway({ providers: [mockProvider('a', a.baseUrl, { models: ['m'] })] }, { logger });
    try {
      a.queueFault({
        kind: 'status',
        status: 401,
        body: {
          error: {
            message: `Incorrect API key provided: ${upstreamKey} (Bearer ${upstreamKey})`,
            type: 'invalid_request_error',
          },
        },
      });
      expect((await chat(gw.url, { model: 'm' })).status).toBe(502); // the gateway's own upstream credential was refused
      const line = await requestLine(lines);
      expect(line.error).toBe('a/m: upstream answered 401: Incorrect API key provided: [redacted] ([redacted])');
      logger.info({ nested: { deeper: [`token Bearer abcdefgh.ijklmnop`] } }, `key ${upstreamKey} seen`);
      logger.error({ err: new Error(`upstream said ${upstreamKey}`) }, 'failure');
      logger.warn({ err: `a plain string error with ${upstreamKey}` }, 'odd error');
      const text = JSON.stringify(lines);
      expect(text).not.toContain(upstreamKey);
      expect(text).not.toContain('abcdefgh.ijklmnop');
      expect(lines.at(-3)).toMatchObject({ msg: 'key [redacted] seen', nested: { deeper: ['token [redacted]'] } });
      expect(lines.at(-1)).toMatchObject({ err: 'a plain string error with [redacted]' });
    } finally {
      await gw.close();
      await a.close();
    }
  });
});

const APP_KEY = 'gw-test-app-key-log';

const chat = (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  }).then(async (res) => ({ status: res.status, headers: res.headers, text: await res.text() }));

/** The one request line, once the response is over. */
async function requestLine(lines: Array<Record<string, unknown>>): Promise<Record<string, unknown>> {
  await until(() => lines.some((l) => l.msg === 'request'), { what: 'the request line' });
  const logged = lines.filter((l) => l.msg === 'request');
  expect(logged).toHaveLength(1);
  return logged[0]!;
}

function completionWithUsage(usage: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage,
  };
}
