import { describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import type { SwitchyardError } from '@switchyard/core';
import { discovery } from '@switchyard/plugin-discovery';
import { tagRouting } from '@switchyard/plugin-tag-routing';
import { azureOpenAI } from '@switchyard/provider-azure-openai';
import type { ConfigInput, PluginEntry } from '@switchyard/core';
import { models } from '@switchyard/plugin-models';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import type { ModelResolver } from '@switchyard/plugin-models/contract';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import { openai } from '@switchyard/provider-openai';
import { startMockOpenAI } from '../../support/mock-openai.js';
import { memoryLogger, mockProvider, routesOf, startGateway } from '../../support/gateway.js';

async function resolverFor(config: ConfigInput): Promise<ModelResolver> {
  const plugins = [models(), openai()];
  const gateway = await createGateway({ config, plugins, logger: createLogger({ level: 'silent' }) });
  return routesOf(gateway).resolver;
}

const ids = (resolver: ModelResolver, model: string): string[] =>
  resolver.resolve(model).map((t) => `${t.id} (${t.rule})`);

describe('model resolution order', () => {
  const config: ConfigInput = {
    providers: [
      {
        name: 'backup',
        type: 'openai',
        baseUrl: 'http://127.0.0.1:1/v1',
        models: ['gpt-4o', 'llama-3-70b'],
        priority: 5,
      },
      { name: 'main', type: 'openai', baseUrl: 'http://127.0.0.1:2/v1', models: ['gpt-4o', 'smart'], priority: 1 },
      { name: 'open', type: 'openai', baseUrl: 'http://127.0.0.1:3/v1', priority: 3 },
      { name: 'meta-llama', type: 'openai', baseUrl: 'http://127.0.0.1:4/v1', models: ['x'] },
    ],
    models: [{ name: 'smart', targets: ['backup/gpt-4o', 'main/gpt-4o'] }],
  };

  it('takes an alias before anything else, in its own order', async () => {
    expect(ids(await resolverFor(config), 'smart')).toEqual(['backup/gpt-4o (alias)', 'main/gpt-4o (alias)']);
  });

  it('takes instance/model next, for a model the instance serves: listed, or claimed by its prefixes when it lists none', async () => {
    const resolver = await resolverFor(config);
    expect(ids(resolver, 'backup/llama-3-70b')).toEqual(['backup/llama-3-70b (instance)']);
    expect(ids(resolver, 'open/gpt-4.1')).toEqual(['open/gpt-4.1 (instance)']);
    expect(ids(resolver, 'meta-llama/x')).toEqual(['meta-llama/x (instance)']);
  });

  it('never lets instance/model reach a model the instance does not serve', async () => {
    const resolver = await resolverFor(config);
    for (const name of [
      'backup/anything',
      'main/llama-3-70b',
      'open/claude-sonnet-4-5',
      'open/../../admin/config',
      'backup/gpt-4o/../x',
    ]) {
      expect(ids(resolver, name), name).toEqual([]);
    }
    // Not an instance that serves it: the whole name is a model name, looked up as such.
    expect(ids(resolver, 'meta-llama/Llama-3-8B')).toEqual([]);
    expect(resolver.serves('backup', 'gpt-4o')).toBe(true);
    expect(resolver.serves('backup', 'anything')).toBe(false);
    expect(resolver.serves('open', 'o3-mini')).toBe(true);
    expect(resolver.serves('nobody', 'gpt-4o')).toBe(false);
  });

  it('treats `*` entries of a model list as globs: matched names are served, only exact ones are listed', async () => {
    const resolver = await resolverFor({
      providers: [
        { name: 'vllm', type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', models: ['llama-*', 'qwen-7b'], priority: 2 },
        { name: 'any', type: 'openai', baseUrl: 'http://127.0.0.1:2/v1', models: ['*'], priority: 3 },
        { name: 'fast', type: 'openai', baseUrl: 'http://127.0.0.1:3/v1', models: ['llama-3-8b'], priority: 1 },
      ],
    });
    expect(ids(resolver, 'llama-3-8b')).toEqual([
      'fast/llama-3-8b (listed)',
      'vllm/llama-3-8b (listed)',
      'any/llama-3-8b (listed)',
    ]);
    expect(ids(resolver, 'llama-3-70b')).toEqual(['vllm/llama-3-70b (listed)', 'any/llama-3-70b (listed)']);
    expect(ids(resolver, 'vllm/llama-whatever')).toEqual(['vllm/llama-whatever (instance)']);
    // vllm does not serve mistral-7b: the whole name is a model name, and `*` takes any name.
    expect(ids(resolver, 'vllm/mistral-7b')).toEqual(['any/vllm/mistral-7b (listed)']);
    expect(ids(resolver, 'any/mistral-7b')).toEqual(['any/mistral-7b (instance)']);
    expect(resolver.serves('fast', 'llama-3-70b')).toBe(false);
    expect(resolver.serves('vllm', 'mistral-7b')).toBe(false);
    expect(resolver.publicModels().sort()).toEqual(['llama-3-8b', 'qwen-7b']);
  });

  it("lets aliases name any model of an instance: they are the operator's own mapping", async () => {
    const resolver = await resolverFor({ ...config, models: [{ name: 'odd', targets: ['backup/unlisted-model'] }] });
    expect(ids(resolver, 'odd')).toEqual(['backup/unlisted-model (alias)']);
  });

  it('then every instance listing the model, by priority', async () => {
    expect(ids(await resolverFor(config), 'gpt-4o')).toEqual(['main/gpt-4o (listed)', 'backup/gpt-4o (listed)']);
    expect(ids(await resolverFor(config), 'llama-3-70b')).toEqual(['backup/llama-3-70b (listed)']);
  });

  it('then instances without a model list whose type claims the prefix', async () => {
    expect(ids(await resolverFor(config), 'gpt-4.1-mini')).toEqual(['open/gpt-4.1-mini (prefix)']);
    expect(ids(await resolverFor(config), 'o3-mini')).toEqual(['open/o3-mini (prefix)']);
  });

  it('finds nothing for a name no rule claims', async () => {
    expect(ids(await resolverFor(config), 'claude-sonnet-4-5')).toEqual([]);
    expect(ids(await resolverFor(config), 'nobody/thing')).toEqual([]);
  });
});

describe('without the models plugin', () => {
  it('resolves no model name: core dispatches only what selectRoute taps discover', async () => {
    const up = await startMockOpenAI();
    const gw = await startGateway(
      { providers: [mockProvider('a', up.baseUrl, { models: ['gpt-4o'] })] },
      { preset: false, plugins: [openai(), protocolOpenAI()] },
    );
    try {
      expect(gw.gateway.contract(MODEL_ROUTES)).toBeUndefined();
      for (const model of ['gpt-4o', 'a/gpt-4o']) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
        });
        expect(res.status).toBe(404);
        expect((await res.json()).error.code).toBe('model_not_found');
      }
      expect(up.requests).toHaveLength(0);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('warns at startup that every routed request will be a 404, and stays quiet once models() is registered', async () => {
    const config = { providers: [mockProvider('a', 'http://127.0.0.1:9/v1')] };
    const warnings = async (plugins: PluginEntry[]): Promise<unknown[]> => {
      const { logger, lines } = memoryLogger();
      await (await createGateway({ config, plugins, logger })).close();
      return lines.filter((l) => l.event === 'no_model_routing').map((l) => l.msg);
    };
    const [line] = await warnings([protocolOpenAI(), openai()]);
    expect(line).toMatch(/404 model_not_found.*register @switchyard\/plugin-models/);
    expect(await warnings([models(), protocolOpenAI(), openai()])).toEqual([]);
    // Nothing to route to, or no routed endpoint: nothing to warn about.
    expect(await warnings([openai()])).toEqual([]);
  });

  it('refuses the plugins that need its name resolution (discovery, tag routing, Azure OpenAI) at registration', async () => {
    for (const plugin of [discovery(), tagRouting(), azureOpenAI()]) {
      const err = await createGateway({ plugins: [openai(), plugin], logger: createLogger({ level: 'silent' }) }).then(
        () => undefined,
        (e: unknown) => e as SwitchyardError,
      );
      expect(err?.code).toBe('SWITCHYARD_ERR_PLUGIN_CONTRACT');
      expect(err?.message).toContain(`plugin "${plugin.name}" needs "models:routes"`);
    }
  });
});

describe('attempt budget', () => {
  it('stops after routing.maxAttempts even when more targets are left', async () => {
    const mocks = await Promise.all([1, 2, 3].map((i) => startMockOpenAI({ name: `m${i}` })));
    const gw = await startGateway({
      routing: { maxAttempts: 2 },
      providers: mocks.map((m, i) => mockProvider(`m${i + 1}`, m.baseUrl, { models: ['gpt-4o'], priority: i })),
    });
    try {
      for (const m of mocks) m.setFault({ kind: 'status', status: 500 });
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(502);
      expect(res.headers.get('x-switchyard-attempts')).toBe('2');
      expect(mocks.map((m) => m.requests.length)).toEqual([1, 1, 0]);
    } finally {
      await gw.close();
      await Promise.all(mocks.map((m) => m.close()));
    }
  });

  it('answers 503 naming the exclusions when every candidate is filtered out', async () => {
    const up = await startMockOpenAI();
    const gw = await startGateway(
      { providers: [mockProvider('a', up.baseUrl, { models: ['gpt-4o'] })] },
      {
        plugins: [
          {
            name: 'closed-for-lunch',
            apply: (g) =>
              g.hooks.selectRoute.tap({ name: 'closed-for-lunch', stage: 0 }, (plan) =>
                plan.exclude('closed-for-lunch', () => true, 'closed for lunch'),
              ),
          },
        ],
      },
    );
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(503);
      expect((await res.json()).error.message).toContain('a/gpt-4o: closed for lunch (closed-for-lunch)');
      expect(up.requests).toHaveLength(0);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
