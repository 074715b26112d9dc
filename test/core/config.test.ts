import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate, loadConfigFile, maskSecrets, resolveConfig } from '@switchyard/core/config';
import { SwitchyardError } from '@switchyard/core';
import { aliasesSchema } from '@switchyard/plugin-models';

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-config-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SwitchyardError);
    return (err as SwitchyardError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('interpolation', () => {
  it('replaces ${VAR} and ${VAR:-default} in string values, keeping $${VAR} literal', () => {
    const { value, problems } = interpolate(
      { a: '${HOST}:${PORT:-8080}', b: ['x-${HOST}'], c: '$${HOST}', d: 3 },
      { HOST: 'example' },
    );
    expect(problems).toEqual([]);
    expect(value).toEqual({ a: 'example:8080', b: ['x-example'], c: '${HOST}', d: 3 });
  });

  it('names every missing variable with the path that needs it', () => {
    const { problems } = interpolate({ providers: [{ apiKey: '${OPENAI_KEY}' }], other: '${NOPE}' }, {});
    expect(problems).toEqual([
      'providers[0].apiKey: environment variable OPENAI_KEY is not set',
      'other: environment variable NOPE is not set',
    ]);
  });
});

describe('loading and validation', () => {
  it('loads YAML with interpolation and fills defaults', async () => {
    const path = await tempFile(
      'c.yaml',
      `server:
  port: \${PORT:-9090}
providers:
  - name: main
    type: openai
    baseUrl: http://127.0.0.1:1/v1/
    apiKey: \${KEY}
`,
    );
    const config = await loadConfigFile(path, { KEY: 'sk-test-1234567890abcdef' });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 9090, bodyLimit: '10mb' });
    expect(config.routing.maxAttempts).toBe(3);
    expect(config.providers[0]).toMatchObject({
      apiKey: 'sk-test-1234567890abcdef',
      priority: 1,
      weight: 1,
      tags: [],
      timeoutMs: 60000,
    });
  });

  it('loads JSON files too', async () => {
    const path = await tempFile('c.json', JSON.stringify({ routing: { maxAttempts: 2 } }));
    expect((await loadConfigFile(path, {})).routing.maxAttempts).toBe(2);
  });

  it('reports a syntax error with the file name', async () => {
    const path = await tempFile('bad.yaml', 'server: [unclosed');
    await expect(loadConfigFile(path, {})).rejects.toThrow(/cannot parse .*bad\.yaml/);
  });

  it('lists every problem as path: message and applies nothing', () => {
    const message = problemsOf(() =>
      resolveConfig(
        {
          server: { port: 'eighty', colour: 'blue' },
          store: { type: 'sqlite' },
          providers: [
            { name: 'x', type: 'openai' },
            { name: 'y', type: 'openai', baseUrl: 'ftp://nope', priority: 1.5 },
          ],
          models: [{ name: 'smart', targets: ['no-slash'] }],
          surprise: true,
        },
        {},
        undefined,
        // A section a plugin owns (the models plugin's aliases) is checked in the same pass.
        { models: aliasesSchema },
      ),
    );
    for (const line of [
      'server.port: must be integer',
      'server.colour: is not a known field',
      'providers[0].baseUrl: is required',
      'providers[1].baseUrl: must match pattern',
      'providers[1].priority: must be integer',
      'models[0].targets[0]: must match pattern',
      'surprise: is not a known field',
    ]) {
      expect(message).toContain(line);
    }
  });

  it('refuses upstream keys and header values with outer whitespace or control characters, naming the field, never the value', () => {
    const message = problemsOf(() =>
      resolveConfig(
        {
          providers: [
            { name: 'a', type: 'openai', baseUrl: 'http://a', apiKey: ' sk-padded-key-0123456789 ' },
            { name: 'b', type: 'openai', baseUrl: 'http://b', apiKey: 'sk-newline-key-0123456789\n' },
            {
              name: 'c',
              type: 'openai',
              baseUrl: 'http://c',
              apiKey: 'sk-bell\u0007key-0123456789',
              headers: { 'x-tenant': 'acme\r\nx-evil: 1', 'x-team': 'a\tb' },
            },
          ],
        },
        {},
      ),
    );
    expect(message).toContain('providers[0].apiKey: has leading or trailing whitespace');
    expect(message).toContain('providers[1].apiKey: has leading or trailing whitespace');
    expect(message).toContain('providers[2].apiKey: contains control characters');
    expect(message).toContain('providers[2].headers.x-tenant: contains control characters');
    expect(message).not.toContain('x-team');
    expect(message).not.toMatch(/sk-padded|sk-newline|sk-bell/);
  });

  it('refuses duplicate instance names', () => {
    const message = problemsOf(() =>
      resolveConfig(
        {
          providers: [
            { name: 'x', type: 'openai', baseUrl: 'http://a' },
            { name: 'x', type: 'openai', baseUrl: 'http://b' },
          ],
        },
        {},
      ),
    );
    expect(message).toContain('providers[1].name: duplicate instance name "x"');
  });

  it('reads server.shutdownTimeoutMs as the former name of server.shutdownGraceMs', () => {
    expect(resolveConfig({}, {}).server.shutdownGraceMs).toBe(30_000);
    expect(resolveConfig({ server: { shutdownGraceMs: 5000 } }, {}).server.shutdownGraceMs).toBe(5000);
    const old = resolveConfig({ server: { shutdownTimeoutMs: 7000 } }, {}).server;
    expect(old.shutdownGraceMs).toBe(7000);
    expect(old).not.toHaveProperty('shutdownTimeoutMs');
    expect(
      problemsOf(() => resolveConfig({ server: { shutdownTimeoutMs: 7000, shutdownGraceMs: 5000 } }, {})),
    ).toContain('server.shutdownTimeoutMs: former name of server.shutdownGraceMs; set only shutdownGraceMs');
  });
});

describe('masking', () => {
  it('masks keys, tokens, passwords and URL credentials, leaving the rest', () => {
    const masked = maskSecrets({
      providers: [{ name: 'main', apiKey: 'sk-live-abcdefghijklmnop', headers: { authorization: 'Bearer xyz' } }],
      store: { type: 'redis', url: 'redis://user:hunter2@127.0.0.1:6379' },
      plugins: { auth: { keys: [{ name: 'app', key: 'gw-key-1' }] } },
    });
    expect(masked.providers[0]).toEqual({ name: 'main', apiKey: '****mnop', headers: { authorization: '****' } });
    expect(masked.store.url).toBe('redis://****@127.0.0.1:6379');
    expect(masked.plugins.auth.keys[0]).toEqual({ name: 'app', key: '****' });
    expect(JSON.stringify(masked)).not.toMatch(/hunter2|abcdefghijkl|gw-key-1|xyz/);
  });
});
