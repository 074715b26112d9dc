import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { CLI, runCli, runCommand, runConfig, startProcess, writeTemp } from '../support/cli.js';

const EXAMPLE = 'examples/preset-config/switchyard.config.yaml';
/** Providers for configs that use tags: one instance of a model tagged `code`. */
const TAGGED =
  'providers:\n  - { name: a, type: openai, baseUrl: "http://127.0.0.1:1/v1", models: [m], tags: [code] }\n';
let primary: MockOpenAI;
let secondary: MockOpenAI;

beforeAll(async () => {
  primary = await startMockOpenAI({ name: 'primary' });
  secondary = await startMockOpenAI({ name: 'secondary' });
});

afterAll(async () => {
  await primary.close();
  await secondary.close();
});

describe('npm start with the preset-config example', () => {
  it('serves the openai SDK, streaming and not, fails over, and stops cleanly on SIGTERM', async () => {
    const gw = await startProcess('npm', ['start', '--silent', '--', '--config', EXAMPLE, '--port', '0'], {
      UPSTREAM_BASE_URL: primary.baseUrl,
      SECONDARY_BASE_URL: secondary.baseUrl,
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'none', maxRetries: 0 });
      const answer = await client.chat.completions.create({
        model: 'fast',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(answer.choices[0]!.message.content).toBe('primary: hi');

      const stream = await client.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'streamed' }],
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('primary: streamed');

      primary.queueFault({ kind: 'status', status: 500 });
      const failedOver = await client.chat.completions.create({
        model: 'fast',
        messages: [{ role: 'user', content: 'again' }],
      });
      expect(failedOver.choices[0]!.message.content).toBe('secondary: again');

      const messages = gw.lines.map((l) => String(l.msg));
      expect(messages).toContain(`config loaded from ${EXAMPLE}`);
      expect(messages.some((m) => m.includes('no gateway keys are configured: listening on loopback only'))).toBe(true);
      expect(messages.some((m) => m.startsWith('provider primary (openai)') && m.includes('gpt-4o-mini'))).toBe(true);
      expect(messages).toContain('alias fast → primary/gpt-4o-mini, secondary/gpt-4o-mini');
      expect(JSON.stringify(gw.lines)).not.toContain('sk-example-not-a-real-key');
    } finally {
      expect(await gw.stop('SIGTERM')).toBe(0);
    }
  });

  it('npm start --config FILE (npm takes --config for itself) is refused with the form that works, never started without the file', async () => {
    // The gateway would listen on 8080 if it started: the test then hangs until runCommand kills it (code null).
    const run = await runCommand('npm', ['start', '--config', EXAMPLE], {}, 120_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`npm took --config for itself`);
    expect(run.stderr).toContain(`run npm start -- --config ${EXAMPLE}`);
    expect(run.stdout).not.toContain('listening on');
    const equals = await runCommand('npm', ['start', `--config=${EXAMPLE}`], {}, 120_000);
    expect(equals.code).toBe(2);
    expect(equals.stderr).toContain(`run npm start -- --config ${EXAMPLE}`);
  });

  it('starts a first-party plugin the preset lacks from its config section alone (tag-routing)', async () => {
    const file = await writeTemp(
      'tags.yaml',
      `providers:\n  - { name: a, type: openai, baseUrl: "${primary.baseUrl}", models: [m], tags: [code] }\nplugins:\n  tag-routing: {}\n`,
    );
    const gw = await startProcess(process.execPath, [CLI, 'start', '--config', file, '--port', '0']);
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tag:code', messages: [{ role: 'user', content: 'tagged' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-target')).toBe('a/m');
      expect((await res.json()).choices[0].message.content).toBe('primary: tagged');
    } finally {
      await gw.stop();
    }
  });

  it('binds loopback even when asked for another host, since no gateway keys exist', async () => {
    const gw = await startProcess(
      process.execPath,
      [CLI, 'start', '--config', EXAMPLE, '--port', '0', '--host', '0.0.0.0'],
      {
        UPSTREAM_BASE_URL: primary.baseUrl,
      },
    );
    try {
      expect(gw.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await gw.stop();
    }
  });

  it('starts with the embedded default when there is no config file, serving what a local server lists', async () => {
    const local = await startMockOpenAI({ name: 'local', models: ['gpt-4o-mini', 'llama3'] });
    const gw = await startProcess(process.execPath, [CLI, 'start', '--port', '0'], { OPENAI_BASE_URL: local.baseUrl });
    try {
      const messages = gw.lines.map((l) => String(l.msg));
      expect(messages).toContain('no config file: using the embedded default built from the environment');
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'none', maxRetries: 0 });
      const answer = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'env' }],
      });
      expect(answer.choices[0]!.message.content).toBe('local: env');
      // Not claimed by any prefix: served because the server lists it.
      const listed = await client.chat.completions.create({
        model: 'llama3',
        messages: [{ role: 'user', content: 'env' }],
      });
      expect(listed.choices[0]!.message.content).toBe('local: env');
    } finally {
      await gw.stop();
      await local.close();
    }
  });
});

describe('switchyard config', () => {
  it('validate accepts the example and says what it holds', async () => {
    const run = await runCli(['config', 'validate', EXAMPLE]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('valid (2 providers, 1 aliases, preset standard)');
  });

  it('validate accepts the cluster example under preset-cluster, with the variables its README exports', async () => {
    const run = await runCli(
      ['config', 'validate', 'examples/cluster/switchyard.config.yaml', '--preset', '@switchyard/preset-cluster'],
      {
        REDIS_URL: 'redis://127.0.0.1:1',
        OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
        OPENAI_API_KEY: 'test-upstream-key',
        GATEWAY_KEY: 'test-gateway-key-app',
        ADMIN_KEY: 'test-gateway-key-ops',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('valid (1 providers, 0 aliases, preset cluster)');
  });

  it('validate lists every problem of every kind at once and exits 1', async () => {
    const run = await runConfig(
      'validate',
      'bad.yaml',
      'server:\n  port: -1\nproviders:\n  - name: a\n    type: nope\n    baseUrl: http://127.0.0.1:1\nplugins:\n  mystery: {}\n  circuit-breaker: { failureThreshold: 0 }\n',
    );
    expect(run.code).toBe(1);
    // A core field, a plugin option, an unknown section and an unknown provider type: one round.
    expect(run.stderr).toContain('server.port: must be >= 0');
    expect(run.stderr).toContain('plugins.circuit-breaker.failureThreshold: must be >= 1');
    expect(run.stderr).toContain('plugins.mystery: no registered plugin is named "mystery"');
    expect(run.stderr).toContain('providers[0].type: no provider plugin defines type "nope"');
    const second = await runConfig(
      'validate',
      'bad2.yaml',
      'providers:\n  - name: a\n    type: nope\n    baseUrl: http://127.0.0.1:1\nplugins:\n  mystery: {}\n',
    );
    expect(second.stderr).toContain('[SWITCHYARD_ERR_PLUGIN_UNKNOWN_SECTION]');
  });

  it('an unknown plugin section names every plugin known: the registered ones and the first-party ones a section loads', async () => {
    const run = await runConfig('validate', 'unknown.yaml', 'plugins:\n  tag-routeing: {}\n');
    expect(run.code).toBe(1);
    const line = run.stderr.split('\n').find((l) => l.includes('plugins.tag-routeing:'))!;
    expect(line).toMatch(/registered: .*load-balancer/);
    expect(line).toMatch(/first-party plugins a section alone loads: .*otel.*strategies.*tag-routing/);
  });

  it('names a missing environment variable', async () => {
    const run = await runConfig(
      'validate',
      'env.yaml',
      'providers:\n  - name: a\n    type: openai\n    baseUrl: http://127.0.0.1:1\n    apiKey: ${SOME_SECRET_KEY}\n',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('providers[0].apiKey: environment variable SOME_SECRET_KEY is not set');
  });

  it('show prints the resolved config with secrets masked', async () => {
    const run = await runCli(['config', 'show', EXAMPLE], { UPSTREAM_API_KEY: 'sk-live-0123456789abcdefWXYZ' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('apiKey: "****WXYZ"');
    expect(run.stdout).not.toContain('sk-live-0123456789abcdef');
    expect(run.stdout).toContain('maxAttempts: 3');
    // Every plugin's section, with its schema defaults, even when the file does not mention it.
    expect(run.stdout).toMatch(/circuit-breaker:\n(\s+\S.*\n)*?\s+failureThreshold: 5\n/);
    expect(run.stdout).toMatch(/load-balancer:\n(\s+\S.*\n)*?\s+algorithm: least-busy\n/);
  });

  it('show checks the file like validate: every problem listed, exit 1', async () => {
    const run = await runConfig(
      'show',
      'bad-show.yaml',
      'providers:\n  - name: a\n    type: openai\n    baseUrl: http://127.0.0.1:1\nplugins:\n  circuit-breaker: { failureThreshold: 0 }\n  load-balancer: { algorithm: fastest }\n',
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('plugins.circuit-breaker.failureThreshold: must be >= 1');
    expect(run.stderr).toContain('plugins.load-balancer.algorithm: must be one of "weighted"');
  });

  it('loads a first-party plugin the preset lacks from its section alone: validate names it, show fills its defaults', async () => {
    const file = await writeTemp(
      'tags.yaml',
      `${TAGGED}plugins:\n  tag-routing: {}\n  strategies: { default: cost }\n`,
    );
    const valid = await runCli(['config', 'validate', file]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('plugins tag-routing, strategies');
    const shown = await runCli(['config', 'show', file]);
    expect(shown.stdout).toMatch(/tag-routing:\n\s+prefix: "tag:"/);
    expect(shown.stdout).toMatch(/strategies:\n\s+default: cost/);
    // `false` leaves it out, as for a preset's plugin.
    expect((await runConfig('validate', 'off.yaml', `${TAGGED}plugins:\n  tag-routing: false\n`)).stdout).not.toContain(
      'plugins tag-routing',
    );
  });

  it('refuses a stray argument instead of ignoring it (exit 2)', async () => {
    const start = await runCli(['start', EXAMPLE]);
    expect(start.code).toBe(2);
    expect(start.stderr).toContain(`unexpected argument "${EXAMPLE}" for switchyard start`);
    const validate = await runCli(['config', 'validate', EXAMPLE, 'extra']);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('unexpected argument "extra"');
    const option = await runCli(['config', 'validate', EXAMPLE, '--port', '9']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('takes no --port');
  });

  it('refuses an option or argument a keys command does not take (exit 2), before calling any gateway', async () => {
    // Port 9 (discard) would be refused: a call made anyway would exit 1, not 2.
    const url = ['--url', 'http://127.0.0.1:9'];
    const models = await runCli(['keys', 'rotate', 'app', '--models', 'gpt-4o', ...url]);
    expect(models.code).toBe(2);
    expect(models.stderr).toContain('switchyard keys rotate takes no --models');
    const team = await runCli(['keys', 'list', '--team', 'search', ...url]);
    expect(team.code).toBe(2);
    expect(team.stderr).toContain('switchyard keys list takes no --team');
    const json = await runCli(['keys', 'disable', 'app', '--json', ...url]);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('switchyard keys disable takes no --json');
    const name = await runCli(['keys', 'list', 'app', ...url]);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('unexpected argument "app" for switchyard keys list');
    const extra = await runCli(['keys', 'delete', 'app', 'other', ...url]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('unexpected argument "other" for switchyard keys delete');
  });

  it('exits 2 with usage on an unknown command or a missing file argument', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const missing = await runCli(['config', 'validate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs a FILE');
  });

  it('exits 1 naming the file it cannot read', async () => {
    const run = await runCli(['start', '--config', '/nonexistent/switchyard.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot read config file /nonexistent/switchyard.yaml');
  });
});
