import { describe, expect, it } from 'vitest';
import {
  contract,
  createGateway,
  createLogger,
  ConvertStage,
  errorCode,
  Reply,
  RouteStage,
  SwitchyardError,
} from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { openai } from '@switchyard/provider-openai';
import { startMockOpenAI } from '../support/mock-openai.js';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';

const silent = createLogger({ level: 'silent' });
const noop = (name: string, extra: Partial<Plugin> = {}): Plugin => ({ name, apply() {}, ...extra });

async function refusal(build: () => Promise<unknown>): Promise<SwitchyardError> {
  const err = await build().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SwitchyardError);
  return err as SwitchyardError;
}

describe('plugin registration', () => {
  it('refuses two plugins with one name', async () => {
    const err = await refusal(() => createGateway({ plugins: [noop('x'), noop('x')], logger: silent }));
    expect(err.code).toBe('SWITCHYARD_ERR_PLUGIN_DUPLICATE');
    expect(err.message).toContain('"x"');
  });

  it('refuses a plugin whose dependency is not registered before it', async () => {
    const err = await refusal(() =>
      createGateway({ plugins: [noop('needs', { dependencies: ['base'] })], logger: silent }),
    );
    expect(err.code).toBe('SWITCHYARD_ERR_PLUGIN_DEPENDENCY');
    expect(err.message).toContain('"base"');
    await expect(
      createGateway({ plugins: [noop('base'), noop('needs', { dependencies: ['base'] })], logger: silent }),
    ).resolves.toBeDefined();
  });

  it('refuses options that break the plugin schema, naming the field', async () => {
    const schema = {
      type: 'object',
      properties: { limit: { type: 'integer', minimum: 1 } },
      additionalProperties: false,
    };
    const err = await refusal(() =>
      createGateway({
        config: { plugins: { limiter: { limit: 0, colour: 'red' } } },
        plugins: [noop('limiter', { schema })],
        logger: silent,
      }),
    );
    expect(err.code).toBe('SWITCHYARD_ERR_PLUGIN_OPTIONS');
    expect(err.message).toContain('plugins.limiter.limit: must be >= 1');
    expect(err.message).toContain('plugins.limiter.colour: is not a known field');
  });

  it('merges code options with the config section and fills schema defaults', async () => {
    let seen: unknown;
    const schema = {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' }, c: { type: 'number', default: 3 } },
    };
    await createGateway({
      config: { plugins: { opts: { b: 20 } } },
      plugins: [{ plugin: { name: 'opts', schema, apply: (_g, o) => void (seen = o) }, options: { a: 1, b: 2 } }],
      logger: silent,
    });
    expect(seen).toEqual({ a: 1, b: 20, c: 3 });
  });

  it('leaves out a preset plugin whose config section is false, and its dependents fail loudly', async () => {
    const applied: string[] = [];
    const track = (name: string, extra: Partial<Plugin> = {}): Plugin =>
      noop(name, { apply: () => void applied.push(name), ...extra });
    const preset = { name: 'p', plugins: [track('a'), track('b')] };
    await createGateway({ config: { plugins: { a: false } }, presets: [preset], logger: silent });
    expect(applied).toEqual(['b']);
    const err = await refusal(() =>
      createGateway({
        config: { plugins: { a: false } },
        presets: [{ name: 'q', plugins: [track('a'), track('c', { dependencies: ['a'] })] }],
        logger: silent,
      }),
    );
    expect(err.code).toBe('SWITCHYARD_ERR_PLUGIN_DEPENDENCY');
  });

  it('refuses a config section that no plugin owns', async () => {
    const err = await refusal(() =>
      createGateway({ config: { plugins: { ratelimit: {} } }, plugins: [noop('auth')], logger: silent }),
    );
    expect(err.code).toBe('SWITCHYARD_ERR_PLUGIN_UNKNOWN_SECTION');
    expect(err.message).toContain('plugins.ratelimit');
  });

  it('refuses a provider type no plugin defines, and fields its adapter does not know', async () => {
    const err = await refusal(() =>
      createGateway({
        config: {
          providers: [
            { name: 'x', type: 'mystery', baseUrl: 'http://127.0.0.1:1' },
            { name: 'y', type: 'openai', baseUrl: 'http://127.0.0.1:1', organisation: 'typo' },
          ],
        },
        plugins: [openai()],
        logger: silent,
      }),
    );
    expect(err.code).toBe('SWITCHYARD_ERR_PROVIDER_UNKNOWN_TYPE');
    expect(err.message).toContain('providers[0].type: no provider plugin defines type "mystery"');
    expect(err.message).toContain('providers[1].organisation: is not a known field');
  });

  it("reports what a plugin's check finds with every other config problem, before any apply()", async () => {
    let applied = false;
    const picky: Plugin = {
      name: 'picky',
      check: (config) => config.providers.flatMap((p, i) => (p.name === 'a' ? [`providers[${i}].name: not "a"`] : [])),
      apply() {
        applied = true;
      },
    };
    const err = await refusal(() =>
      createGateway({
        config: {
          server: { port: 'eighty' as unknown as number },
          providers: [{ name: 'a', type: 'openai', baseUrl: 'http://127.0.0.1:1' }],
        },
        plugins: [openai(), picky],
        logger: silent,
      }),
    );
    expect(err.code).toBe('SWITCHYARD_ERR_CONFIG_INVALID');
    expect(err.problems).toEqual(['server.port: must be integer', 'providers[0].name: not "a"']);
    expect(applied).toBe(false);
    const ok = await createGateway({
      config: { providers: [{ name: 'b', type: 'openai', baseUrl: 'http://127.0.0.1:1' }] },
      plugins: [openai(), picky],
      logger: silent,
    });
    expect(applied).toBe(true);
    await ok.close();
    const broken: Plugin = {
      name: 'broken-check',
      check: () => {
        throw new Error('cannot read providers');
      },
      apply() {},
    };
    const thrown = await refusal(() =>
      createGateway({ config: { server: { port: -1 } }, plugins: [openai(), broken], logger: silent }),
    );
    expect(thrown.problems).toEqual([
      'server.port: must be >= 0',
      'plugin "broken-check": its config check failed: cannot read providers',
    ]);
  });

  it('refuses a second definition of a provider type, naming the first owner', async () => {
    const again: Plugin = { name: 'openai-again', providers: openai().providers!, apply() {} };
    const err = await refusal(() => createGateway({ plugins: [openai(), again], logger: silent }));
    expect(err.code).toBe('SWITCHYARD_ERR_PROVIDER_DUPLICATE');
    expect(err.message).toContain('provider-openai');
  });

  it('checks contracts: a need nobody provided before, a contract provided twice or undeclared', async () => {
    const SERVICE = contract<{ ping(): string }>('test:service');
    const provider: Plugin = {
      name: 'provider',
      provides: [SERVICE],
      apply: (g) => g.provide(SERVICE, { ping: () => 'pong' }),
    };
    const user: Plugin = { name: 'user', needs: [SERVICE], apply: (g) => void g.need(SERVICE).ping() };
    const early = await refusal(() => createGateway({ plugins: [user, provider], logger: silent }));
    expect(early.code).toBe('SWITCHYARD_ERR_PLUGIN_CONTRACT');
    expect(early.message).toContain('plugin "user" needs "test:service"');
    const twice = await refusal(() =>
      createGateway({ plugins: [provider, { ...provider, name: 'provider-2' }], logger: silent }),
    );
    expect(twice.message).toContain('plugins "provider" and "provider-2" both provide "test:service"');
    const undeclared = await refusal(() =>
      createGateway({
        plugins: [{ name: 'sneaky', apply: (g) => g.provide(SERVICE, { ping: () => '' }) }],
        logger: silent,
      }),
    );
    expect(undeclared.message).toContain('plugin "sneaky" provides "test:service" without listing it under provides');
    const gateway = await createGateway({ plugins: [provider, user], logger: silent });
    expect(gateway.need(SERVICE).ping()).toBe('pong');
    expect(gateway.contract(contract<unknown>('test:other'))).toBeUndefined();
    await gateway.close();
  });

  it('refuses an error code two plugins define differently', async () => {
    const a = errorCode('ACME_ERR_X', { status: 400, type: 'invalid_request_error', class: 'caller', kind: 'x' });
    const b = errorCode('ACME_ERR_X', { status: 500, type: 'server_error', class: 'gateway', kind: 'x' });
    const err = await refusal(() =>
      createGateway({ plugins: [noop('a', { errors: [a] }), noop('b', { errors: [b] })], logger: silent }),
    );
    expect(err.code).toBe('SWITCHYARD_ERR_PLUGIN_CONTRACT');
    expect(err.message).toContain('ACME_ERR_X');
    await expect(
      createGateway({ plugins: [noop('a', { errors: [a] }), noop('b', { errors: [a] })], logger: silent }).then((g) =>
        g.close(),
      ),
    ).resolves.toBeUndefined();
  });

  it('wraps a throwing apply() with the plugin name', async () => {
    const err = await refusal(() =>
      createGateway({
        plugins: [
          noop('broken', {
            apply: () => {
              throw new Error('boom');
            },
          }),
        ],
        logger: silent,
      }),
    );
    expect(err.code).toBe('SWITCHYARD_ERR_PLUGIN_APPLY');
    expect(err.message).toContain('plugin "broken" failed to apply: boom');
  });
});

describe('hooks', () => {
  it('refuses taps after listen()', async () => {
    const gw = await startGateway({});
    try {
      expect(() => gw.gateway.hooks.beforeRoute.tap('late', () => undefined)).toThrow(/after listen/);
      expect(() => gw.gateway.hooks.convertRequest.for('never-seen').tap('late', (r) => r)).toThrow(/after listen/);
    } finally {
      await gw.close();
    }
  });

  it('runs every hook in lifecycle and stage order, and a beforeRoute reply ends the request', async () => {
    const up = await startMockOpenAI();
    const order: string[] = [];
    const recorder: Plugin = {
      name: 'recorder',
      apply(g) {
        g.hooks.beforeRoute.tap('recorder', (x) => {
          order.push('beforeRoute');
          if (x.headers['x-stop']) return Reply.json({ stopped: true }, 418);
          return undefined;
        });
        g.hooks.selectRoute.tap(
          { name: 'recorder', stage: RouteStage.ORDER },
          (plan) => (order.push(`order:${plan.size}`), plan),
        );
        g.hooks.selectRoute.tap(
          { name: 'recorder', stage: RouteStage.FILTER },
          (plan) => (order.push(`filter:${plan.size}`), plan),
        );
        g.hooks.convertRequest.for('openai').tap({ name: 'recorder', stage: ConvertStage.ADJUST }, (req) => {
          order.push(`adjust:${(req.body as { model: string }).model}`);
          (req.body as Record<string, unknown>).user = 'adjusted';
          return req;
        });
        g.hooks.onResult.tap('recorder', (result) => void order.push(`onResult:${result.outcome}`));
      },
    };
    const gw = await startGateway(
      { providers: [mockProvider('a', up.baseUrl, { models: ['m1'] })] },
      { plugins: [recorder] },
    );
    try {
      const body = JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] });
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(200);
      expect(order).toEqual(['beforeRoute', 'filter:1', 'order:1', 'adjust:m1', 'onResult:success']);
      expect(up.requests[0]!.body.user).toBe('adjusted');

      order.length = 0;
      const stopped = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-stop': '1' },
      });
      expect(stopped.status).toBe(418);
      expect(await stopped.json()).toEqual({ stopped: true });
      expect(order).toEqual(['beforeRoute']);
      expect(up.requests).toHaveLength(1);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('logs a throwing onResult tap with its plugin name and keeps the response and later taps', async () => {
    const up = await startMockOpenAI();
    const { logger, lines } = memoryLogger();
    const reached: string[] = [];
    const plugins: Plugin[] = [
      {
        name: 'thrower',
        apply: (g) =>
          g.hooks.onResult.tap('thrower', () => {
            throw new Error('tap exploded');
          }),
      },
      {
        name: 'rejecter',
        apply: (g) =>
          g.hooks.onResult.tapPromise('rejecter', async () => {
            throw new Error('tap rejected');
          }),
      },
      { name: 'after', apply: (g) => g.hooks.onResult.tap('after', (r) => void reached.push(r.outcome)) },
    ];
    const gw = await startGateway(
      { providers: [mockProvider('a', up.baseUrl, { models: ['m1'] })] },
      { plugins, logger },
    );
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).choices[0].message.content).toBe('mock: hi');
      expect(reached).toEqual(['success']);
      const failures = lines.filter((l) => l.msg === 'onResult tap failed').map((l) => l.plugin);
      expect(failures).toEqual(['thrower', 'rejecter']);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('reports every attempt to onResult with its outcome and target', async () => {
    const a = await startMockOpenAI({ name: 'a' });
    const b = await startMockOpenAI({ name: 'b' });
    const results: Array<{ outcome: string; target: string; attempt: number; status?: number }> = [];
    const listener: Plugin = {
      name: 'listener',
      apply: (g) =>
        g.hooks.onResult.tap(
          'listener',
          (r) =>
            void results.push({
              outcome: r.outcome,
              target: r.target.id,
              attempt: r.attempt,
              ...(r.status ? { status: r.status } : {}),
            }),
        ),
    };
    const gw = await startGateway(
      {
        providers: [
          mockProvider('a', a.baseUrl, { models: ['m1'] }),
          mockProvider('b', b.baseUrl, { models: ['m1'], priority: 2 }),
        ],
      },
      { plugins: [listener] },
    );
    try {
      a.queueFault({ kind: 'status', status: 502 });
      await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(results).toEqual([
        { outcome: 'failure', target: 'a/m1', attempt: 1, status: 502 },
        { outcome: 'success', target: 'b/m1', attempt: 2, status: 200 },
      ]);
    } finally {
      await gw.close();
      await a.close();
      await b.close();
    }
  });
});
