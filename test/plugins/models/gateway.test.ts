import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, createLogger, SwitchyardError } from '@switchyard/core';
import { resolveConfig } from '@switchyard/core/config';
import type { ChatRequest } from '@switchyard/core/protocol';
import type { ConfigInput, Exchange, Gateway, PluginEntry, ProviderInstance, Target } from '@switchyard/core';
import type { ProviderInput } from '@switchyard/core/config';
import { catalogSchema, MODEL_INFO, models, targetOutputTokens } from '@switchyard/plugin-models';
import { OPENAI_MODELS, openai } from '@switchyard/provider-openai';
import { testExchange } from '../../support/exchange.js';

const logger = createLogger({ level: 'silent' });
const providers: ProviderInput[] = [
  { name: 'up', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['tiny', 'gpt-4o'] },
];
const opened: Gateway[] = [];

async function gatewayOf(config: ConfigInput, plugins: PluginEntry[] = [models(), openai()]): Promise<Gateway> {
  const gateway = await createGateway({ config: { providers, ...config }, plugins, logger });
  opened.push(gateway);
  return gateway;
}

async function problemsOf(config: ConfigInput, plugins?: PluginEntry[]): Promise<string[]> {
  const err = await gatewayOf(config, plugins).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SwitchyardError);
  return [...((err as SwitchyardError).problems ?? [])];
}

/** An exchange asking `model` of instance `up`, as a provider plugin sees it at ConvertStage.BUILD. */
function exchangeFor(gateway: Gateway, model: string, request?: ChatRequest): Exchange {
  const target: Target = {
    id: `up/${model}`,
    instance: gateway.instances[0] as ProviderInstance,
    model,
    rule: 'instance',
  };
  const body = request ?? {};
  const x = testExchange(request ? { body, request } : { body });
  x.target = target;
  return x;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((g) => g.close()));
});

describe('the models plugin', () => {
  it("provides the table: the provider plugins' built-in entries under the config's catalog:", async () => {
    const gateway = await gatewayOf({
      catalog: { tiny: { maxOutputTokens: 100, tags: ['small'] }, 'up/gpt-4o': { quality: 90 } },
    });
    const table = gateway.need(MODEL_INFO);
    expect(table.lookup('tiny')).toEqual({ maxOutputTokens: 100, tags: ['small'] });
    expect(table.lookup('gpt-4o')).toEqual(OPENAI_MODELS['gpt-4o']);
    expect(table.lookup('gpt-4o', 'up')).toEqual({ ...OPENAI_MODELS['gpt-4o'], quality: 90 });
    expect([...table.catalogNames()]).toEqual(['tiny', 'up/gpt-4o']);
    expect(gateway.section('catalog')).toEqual({
      tiny: { maxOutputTokens: 100, tags: ['small'] },
      'up/gpt-4o': { quality: 90 },
    });
  });

  it('has the built-in entries whatever the order of the provider plugins and the models plugin', async () => {
    const gateway = await gatewayOf({}, [openai(), models()]);
    expect(gateway.need(MODEL_INFO).lookup('gpt-4o')).toEqual(OPENAI_MODELS['gpt-4o']);
    expect(gateway.section('catalog')).toEqual({});
  });

  it('reads catalog: numbers from ${VAR} interpolation as core sections do', async () => {
    const gateway = await createGateway({
      config: { providers, catalog: { tiny: { contextWindow: '${CTX}' } } },
      plugins: [models(), openai()],
      env: { CTX: '4096' },
      logger,
    });
    opened.push(gateway);
    expect(gateway.need(MODEL_INFO).lookup('tiny')).toEqual({ contextWindow: 4096 });
  });

  it('refuses a bad catalog entry by its path, with every other problem at once', async () => {
    const problems = await problemsOf({
      server: { port: 'eighty' as unknown as number },
      catalog: { 'gpt-4o': { pricing: { input: -1, output: 2 }, vision: 'yes', colour: 'red' } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'server.port: must be integer',
        'catalog.gpt-4o.pricing.input: must be >= 0',
        'catalog.gpt-4o.vision: must be boolean',
        'catalog.gpt-4o.colour: is not a known field',
      ]),
    );
  });

  it('leaves an unknown top-level key refused', async () => {
    expect(await problemsOf({ surprise: true, catalog: {} })).toEqual(['surprise: is not a known field']);
  });

  it('owns catalog: unknown without it, and named as left out when the config leaves it out', async () => {
    expect(await problemsOf({ catalog: {} }, [openai()])).toEqual(['catalog: is not a known field']);
    expect(await problemsOf({ catalog: {}, plugins: { models: false } })).toEqual([
      'catalog: is the section of plugin "models", which plugins.models: false leaves out',
    ]);
  });

  it('owns models: unknown without it, named as left out when the config leaves it out', async () => {
    const aliases = [{ name: 'smart', targets: ['up/gpt-4o'] }];
    expect(await problemsOf({ models: aliases }, [openai()])).toEqual(['models: is not a known field']);
    expect(await problemsOf({ models: aliases, plugins: { models: false } })).toEqual([
      'models: is the section of plugin "models", which plugins.models: false leaves out',
    ]);
  });

  it('reports an alias target naming no instance with every other config problem, before anything is created', async () => {
    const problems = await problemsOf({
      server: { port: 'eighty' as unknown as number },
      models: [{ name: 'smart', targets: ['up/gpt-4o', 'ghost/gpt-4o'], routing: { maxAttempts: 0 } }],
    });
    expect(problems).toEqual([
      'server.port: must be integer',
      'models[0].routing.maxAttempts: must be >= 1',
      'models[0].targets[1]: no provider instance named "ghost"',
    ]);
  });

  it('fits output tokens to the target model, unless routing.fitOutputTokens is off', async () => {
    const catalog = { tiny: { maxOutputTokens: 100 } };
    const gateway = await gatewayOf({ catalog });
    const x = exchangeFor(gateway, 'tiny');
    expect(targetOutputTokens(gateway, x, 5000)).toBe(100);
    expect(x.warnings).toContain('max_tokens 5000 lowered to 100, the most the target model allows');
    expect(targetOutputTokens(gateway, exchangeFor(gateway, 'tiny'), 50)).toBe(50);

    const request = { model: 'tiny', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 5000 };
    const converted = exchangeFor(gateway, 'tiny', request);
    const blank = { url: '', method: 'POST' as const, headers: {}, body: undefined, stream: false };
    const built = await gateway.hooks.convertRequest.for('openai').promise(blank, converted);
    expect(built.body).toMatchObject({ max_tokens: 100 });

    const off = await gatewayOf({ catalog, routing: { fitOutputTokens: false } });
    expect(targetOutputTokens(off, exchangeFor(off, 'tiny'), 5000)).toBe(5000);
  });

  it('is optional for provider plugins: without it there is no table and nothing is fitted', async () => {
    const gateway = await gatewayOf({}, [openai()]);
    expect(gateway.contract(MODEL_INFO)).toBeUndefined();
    expect(targetOutputTokens(gateway, exchangeFor(gateway, 'gpt-4o'), 1_000_000)).toBe(1_000_000);
  });

  it('gives each generation its own table, from its own catalog:', async () => {
    const gateway = await gatewayOf({ catalog: { tiny: { maxOutputTokens: 100 } } });
    const first = gateway.need(MODEL_INFO);
    first.setListed('up', new Map([['listed', { contextWindow: 7 }]]));
    const result = await gateway.reload({ providers, catalog: { other: { quality: 1 } } });
    expect(result.ok).toBe(true);
    const next = gateway.current.need(MODEL_INFO);
    expect(next).not.toBe(first);
    expect(next.lookup('tiny')).toBeUndefined();
    expect(next.lookup('listed', 'up')).toBeUndefined();
    expect(next.lookup('other')).toEqual({ quality: 1 });
    expect(first.lookup('tiny')).toEqual({ maxOutputTokens: 100 });
  });

  it("hands its section's schema to core's config reading outside a gateway too", () => {
    const catalog = { tiny: { contextWindow: '512' } };
    const config: Record<string, unknown> = resolveConfig({ catalog }, {}, undefined, { catalog: catalogSchema });
    expect(config.catalog).toEqual({
      tiny: { contextWindow: 512 },
    });
    expect(() => resolveConfig({ catalog }, {})).toThrow('catalog: is not a known field');
  });

  it('refuses a second plugin owning the same section, and a plugin owning a core section', async () => {
    const twin = { name: 'twin', sections: { catalog: { type: 'object' } }, apply: () => undefined };
    await expect(gatewayOf({}, [models(), twin])).rejects.toThrow(
      'plugin "twin" owns config section "catalog", which plugin "models" owns',
    );
    const greedy = { name: 'greedy', sections: { server: { type: 'object' } }, apply: () => undefined };
    await expect(gatewayOf({}, [greedy])).rejects.toThrow(
      'plugin "greedy" owns config section "server", which core owns',
    );
  });
});
