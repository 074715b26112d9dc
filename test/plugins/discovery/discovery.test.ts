import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plugin } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES } from '@switchyard/plugin-models';
import { DISCOVERY } from '@switchyard/plugin-discovery';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { memoryLogger, mockProvider, routesOf, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { until } from '../../support/wait.js';

let up: MockOpenAI;
let gw: RunningGateway | undefined;

beforeEach(async () => {
  up = await startMockOpenAI({ name: 'up', models: ['m-one', 'm-two'] });
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await up.close();
});

/** A plugin that keeps what the models plugin's onChange hands it, as a tag index would; a failing listener registered before it. */
function watcher(): Plugin & { seen: string[][] } {
  const seen: string[][] = [];
  return {
    name: 'models-watcher',
    seen,
    apply(gateway) {
      const routes = gateway.need(MODEL_ROUTES);
      routes.onChange('models-watcher', () => {
        throw new Error('a broken index');
      });
      routes.onChange('models-watcher', (resolver) => void seen.push(resolver.publicModels().sort()));
    },
  };
}

const listed = async () =>
  ((await (await fetch(`${gw!.url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data
    .map((m) => m.id)
    .sort();
const chat = (model: string) =>
  fetch(`${gw!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
const listings = () => up.requests.filter((r) => r.path === '/v1/models').length;

describe('model discovery', () => {
  it('serves the listed models at start; a changed listing changes routing, /v1/models and tells onChange listeners', async () => {
    const w = watcher();
    const { logger, lines } = memoryLogger();
    gw = await startGateway(
      { providers: [mockProvider('up', up.baseUrl, { discover: true })] },
      { plugins: [w], logger },
    );
    expect(await listed()).toEqual(['m-one', 'm-two']);
    expect(w.seen).toEqual([['m-one', 'm-two']]);
    expect(
      lines.some((l) => l.msg === 'a served-models listener failed' && l.level === 50 && l.plugin === 'models-watcher'),
    ).toBe(true);
    expect((await chat('m-one')).headers.get('x-switchyard-target')).toBe('up/m-one');
    const before = routesOf(gw.gateway).resolver;

    up.setModels(['m-two', 'm-three']);
    const instance = gw.gateway.instances[0]!;
    expect(await gw.gateway.need(DISCOVERY).refresh(instance.name)).toBe(true);
    expect(routesOf(gw.gateway).resolver).not.toBe(before);
    expect(w.seen.at(-1)).toEqual(['m-three', 'm-two']);
    expect(await listed()).toEqual(['m-three', 'm-two']);
    expect((await chat('m-three')).status).toBe(200);
    expect((await chat('m-one')).status).toBe(404);
    // Same listing again: nothing changes, no hook call.
    expect(await gw.gateway.need(DISCOVERY).refresh(instance.name)).toBe(false);
    expect(w.seen).toHaveLength(2);
  });

  it('lists again every discoverIntervalMs', async () => {
    gw = await startGateway({
      providers: [mockProvider('up', up.baseUrl, { discover: true, discoverIntervalMs: 1000 })],
    });
    const first = listings();
    expect(first).toBeGreaterThanOrEqual(1);
    up.setModels(['m-later']);
    await until(() => routesOf(gw.gateway).resolver.publicModels().includes('m-later'), {
      what: 'a later listing applied',
    });
    expect(routesOf(gw.gateway).resolver.publicModels()).toEqual(['m-later']);
    expect(listings()).toBeGreaterThan(first);
  });

  it('keeps the last good set when a listing fails, and logs it', async () => {
    const { logger, lines } = memoryLogger();
    gw = await startGateway({ providers: [mockProvider('up', up.baseUrl, { discover: true })] }, { logger });
    up.setFault({ kind: 'status', status: 500 });
    expect(await gw.gateway.need(DISCOVERY).refresh('up')).toBe(false);
    expect(routesOf(gw.gateway).resolver.publicModels().sort()).toEqual(['m-one', 'm-two']);
    up.setFault(null);
    expect((await chat('m-two')).status).toBe(200);
    expect(
      lines.some(
        (l) =>
          l.msg === 'model discovery: listing failed, keeping the last good set' && l.instance === 'up' && l.kept === 2,
      ),
    ).toBe(true);
  });

  it('does not hold start-up past discoverTimeoutMs when the listing hangs, and applies a later listing', async () => {
    up.setFault({ kind: 'hang' });
    const { logger, lines } = memoryLogger();
    gw = await startGateway(
      {
        providers: [
          mockProvider('up', up.baseUrl, { discover: true, discoverTimeoutMs: 200, models: ['m-configured'] }),
        ],
      },
      { logger },
    );
    // Whichever came first, the listing's own timeout or start-up's bound, it was logged before listen() returned.
    expect(
      lines.some(
        (l) =>
          l.msg === 'model discovery: start-up went on before every listing answered' ||
          (l.msg === 'model discovery: listing failed' && l.instance === 'up'),
      ),
    ).toBe(true);
    // Until a listing succeeds, the configured models are served.
    expect(routesOf(gw.gateway).resolver.publicModels()).toEqual(['m-configured']);
    up.setFault(null);
    expect(await gw.gateway.need(DISCOVERY).refresh('up')).toBe(true);
    expect(routesOf(gw.gateway).resolver.publicModels().sort()).toEqual(['m-one', 'm-two']);
  });

  it('takes context windows from the listing as capability info (config catalog still wins)', async () => {
    up.setModels(['m-small', 'm-big', 'm-pinned'], {
      'm-small': { context_length: 40 },
      'm-big': { max_model_len: 100000 },
      'm-pinned': { context_length: 40 },
    });
    gw = await startGateway({
      providers: [mockProvider('up', up.baseUrl, { discover: true })],
      catalog: { 'm-pinned': { contextWindow: 100000 } },
    });
    expect(gw.gateway.need(MODEL_INFO).lookup('m-small', 'up')).toEqual({ contextWindow: 40 });
    const long = (model: string) =>
      fetch(`${gw!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'word '.repeat(100) }] }),
      });
    const small = await long('m-small');
    expect(small.status).toBe(400);
    expect(((await small.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
    expect((await long('m-big')).status).toBe(200);
    expect((await long('m-pinned')).status).toBe(200);
  });
});
