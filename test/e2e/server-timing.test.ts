import { describe, expect, it } from 'vitest';
import type { Plugin } from '@switchyard/core';
import { startMockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';

const APP_KEY = 'gw-test-app-key-timing';

/** `name;desc="…";dur=…` entries of a Server-Timing header, by name. */
function entries(header: string | null): Map<string, { desc?: string; dur: number }> {
  const out = new Map<string, { desc?: string; dur: number }>();
  for (const part of (header ?? '').split(/,\s*/).filter(Boolean)) {
    const [name, ...params] = part.split(';');
    const desc = params.find((p) => p.startsWith('desc='))?.slice(6, -1);
    const dur = Number(params.find((p) => p.startsWith('dur='))?.slice(4));
    out.set(name!, { ...(desc === undefined ? {} : { desc }), dur });
  }
  return out;
}

const AUTHORIZED = { authorization: `Bearer ${APP_KEY}` };
const PER_PLUGIN = { 'x-switchyard-timing': '1' };

const chat = (
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = { ...AUTHORIZED, ...PER_PLUGIN },
) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });

describe('Server-Timing', () => {
  it('names every plugin and hook that ran, the upstream wait and the total, when the request sends x-switchyard-timing', async () => {
    const upstream = await startMockOpenAI();
    const slow: Plugin = {
      name: 'slow:check',
      apply: (g) => g.hooks.beforeRoute.tapPromise('slow:check', () => new Promise((r) => setTimeout(r, 20))),
    };
    const gw = await startGateway(
      {
        providers: [mockProvider('u', upstream.baseUrl, { models: ['m'] })],
        plugins: {
          auth: { keys: [{ name: 'app-1', key: APP_KEY }] },
          'rate-limit': { defaults: { requestsPerMinute: 100 } },
        },
      },
      { plugins: [slow] },
    );
    try {
      const res = await chat(gw.url, {});
      await res.text();
      const timing = entries(res.headers.get('server-timing'));
      expect(timing.get('auth')?.desc).toBe('beforeRoute selectRoute');
      expect(timing.get('rate-limit')?.desc).toContain('beforeRoute');
      expect(timing.get('switchyard-resolve')?.desc).toBe('selectRoute');
      expect(timing.get('switchyard-operations')?.desc).toBe('selectRoute');
      expect(timing.get('circuit-breaker')?.desc).toBe('selectRoute onResult');
      expect(timing.get('load-balancer')?.desc).toContain('selectRoute');
      expect(timing.get('provider-openai')?.desc).toBe('convertRequest.openai');
      expect(timing.get('metrics')?.desc).toBe('onResult');
      expect(timing.get('slow-check')?.dur).toBeGreaterThanOrEqual(15); // a 20 ms timer
      const total = timing.get('total')!.dur;
      expect(timing.get('upstream')!.dur).toBeGreaterThan(0);
      expect(total).toBeGreaterThanOrEqual(timing.get('slow-check')!.dur + timing.get('upstream')!.dur);
      for (const [name, { dur }] of timing) expect(Math.round(dur * 10) / 10, name).toBe(dur);

      // A stream carries it with its head: up to the first event.
      const streamed = await chat(gw.url, { stream: true });
      expect(await streamed.text()).toContain('[DONE]');
      const head = entries(streamed.headers.get('server-timing'));
      expect(head.get('upstream')!.dur).toBeGreaterThan(0);
      expect(head.has('provider-openai')).toBe(true);

      // Refused in beforeRoute: the plugins that ran, no upstream.
      const refused = await chat(gw.url, {}, PER_PLUGIN);
      expect(refused.status).toBe(401);
      const early = entries(refused.headers.get('server-timing'));
      expect([...early.keys()]).toEqual(['auth', 'total']);

      // Every other response carries its total: unroutable bodies, /health, /v1/models, unknown paths.
      const invalid = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{not json',
      });
      expect(invalid.status).toBe(400);
      for (const res of [
        invalid,
        await fetch(`${gw.url}/health`),
        await fetch(`${gw.url}/v1/models`),
        await fetch(`${gw.url}/nowhere`),
      ]) {
        expect([...entries(res.headers.get('server-timing')).keys()], res.url).toEqual(['total']);
      }
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('names plugins only when asked: the upstream wait and the total otherwise, every plugin on every response with server.timing: plugins', async () => {
    const upstream = await startMockOpenAI();
    const config = {
      providers: [mockProvider('u', upstream.baseUrl, { models: ['m'] })],
      plugins: { auth: { keys: [{ name: 'app-1', key: APP_KEY }] } },
    };
    const byDefault = await startGateway(config);
    const always = await startGateway({ ...config, server: { timing: 'plugins' } });
    try {
      for (const stream of [false, true]) {
        const plain = await chat(byDefault.url, { stream }, AUTHORIZED);
        await plain.text();
        expect([...entries(plain.headers.get('server-timing')).keys()]).toEqual(['upstream', 'total']);
        const named = await chat(always.url, { stream }, AUTHORIZED);
        await named.text();
        const timing = entries(named.headers.get('server-timing'));
        expect(timing.get('auth')?.desc).toBe('beforeRoute selectRoute');
        expect(timing.get('provider-openai')?.desc).toBe('convertRequest.openai');
        expect(timing.has('upstream') && timing.has('total')).toBe(true);
      }
      expect(always.gateway.config.server.timing).toBe('plugins');
    } finally {
      await byDefault.close();
      await always.close();
      await upstream.close();
    }
  });

  it('is absent with server.timing: false', async () => {
    const upstream = await startMockOpenAI();
    const gw = await startGateway({
      server: { timing: false },
      providers: [mockProvider('u', upstream.baseUrl, { models: ['m'] })],
    });
    try {
      const res = await chat(gw.url, {}, {});
      expect(res.status).toBe(200);
      expect(res.headers.get('server-timing')).toBeNull();
      expect(gw.gateway.config.server.timing).toBe(false);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
