import { describe, expect, it } from 'vitest';
import { createGateway, createLogger, SwitchyardError } from '@switchyard/core';
import { standard } from '@switchyard/preset-standard';

/** A config wrong in every section: core fields, plugin sections, the store, provider types and fields, instance names. */
const everythingWrong = {
  server: { port: 'eighty', colour: 'blue' },
  store: { type: 'sqlite' },
  providers: [
    { name: 'x', type: 'openai' },
    { name: 'y', type: 'openai', baseUrl: 'ftp://nope', priority: 1.5 },
    { name: 'z', type: 'nosuch', baseUrl: 'http://127.0.0.1:1' },
    { name: 'w', type: 'openai', baseUrl: 'http://127.0.0.1:1', chatPathh: '/typo' },
  ],
  models: [{ name: 'smart', targets: ['no-slash', 'ghost/m'] }],
  plugins: {
    'circuit-breaker': { failureThreshold: 0, healthChecks: { instances: ['w', 'ghost'] } },
    'rate-limit': { instances: { w: { requestsPerMinute: 5 }, ghost: { requestsPerMinute: 5 } } },
    'no-such-plugin': {},
  },
  surprise: true,
};

describe('a config with problems everywhere', () => {
  it('is refused with every problem listed at once, nothing created', async () => {
    const err = await createGateway({
      config: everythingWrong,
      presets: [standard()],
      logger: createLogger({ level: 'silent' }),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SwitchyardError);
    const problems = (err as SwitchyardError).problems ?? [];
    for (const line of [
      'server.port: must be integer',
      'server.colour: is not a known field',
      'surprise: is not a known field',
      'providers[0].baseUrl: is required',
      'providers[1].baseUrl: must match pattern',
      'providers[1].priority: must be integer',
      'providers[2].type: no provider plugin defines type "nosuch"',
      'providers[3].chatPathh: is not a known field',
      'models[0].targets[0]: must match pattern',
      'models[0].targets[1]: no provider instance named "ghost"',
      'store.type: no plugin brings a store of type "sqlite" (known: memory, redis)',
      'plugins.circuit-breaker.failureThreshold: must be >= 1',
      'plugins.circuit-breaker.healthChecks.instances[1]: no provider instance named "ghost"',
      'plugins.rate-limit.instances.ghost: no provider instance named "ghost"',
      'plugins.no-such-plugin: no registered plugin is named "no-such-plugin"',
    ]) {
      expect(
        problems.some((p) => p.startsWith(line)),
        `${line}\nin:\n${problems.join('\n')}`,
      ).toBe(true);
    }
    // Instance names that exist are no problem.
    expect(problems.filter((p) => /instances(\[0\]|\.w):/.test(p))).toEqual([]);
  });

  it('checks the Redis store section against its plugin', async () => {
    const err = await createGateway({
      config: { store: { type: 'redis', url: 'http://nope' } },
      presets: [standard()],
      logger: createLogger({ level: 'silent' }),
    }).then(
      () => undefined,
      (e: unknown) => e as SwitchyardError,
    );
    expect(err?.problems).toContain('store.url: must match pattern "^rediss?://"');
  });
});
