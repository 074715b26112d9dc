import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { CLI, runCli, startProcess } from '../support/cli.js';

const EXAMPLE = 'examples/preset-config/switchyard.config.yaml';
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

async function writeTemp(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'switchyard-cli-')), name);
  await writeFile(path, text);
  return path;
}

describe('npm start with the preset-config example', () => {
  it('serves the openai SDK, streaming and not, fails over, and stops cleanly on SIGTERM', async () => {
    const gw = await startProcess('npm', ['start', '--silent', '--', '--config', EXAMPLE, '--port', '0'], {
      UPSTREAM_BASE_URL: primary.baseUrl,
      SECONDARY_BASE_URL: secondary.baseUrl,
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'none', maxRetries: 0 });
      const answer = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
      expect(answer.choices[0]!.message.content).toBe('primary: hi');

      const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'streamed' }] });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('primary: streamed');

      primary.queueFault({ kind: 'status', status: 500 });
      const failedOver = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'again' }] });
      expect(failedOver.choices[0]!.message.content).toBe('secondary: again');

      const messages = gw.lines.map((l) => String(l.msg));
      expect(messages).toContain(`config loaded from ${EXAMPLE}`);
      expect(messages.some((m) => m.includes('no gateway keys are configured: listening on loopback only'))).toBe(true);
      expect(messages.some((m) => m.startsWith('provider primary (openai)') && m.includes('gpt-4o-mini'))).toBe(true);
      expect(messages).toContain('alias fast → primary/gpt-4o-mini, secondary/gpt-4o-mini');
      expect(JSON.stringify(gw.lines)).not.toContain('sk-example-not-a-real-key');
    } finally {
      expect(await gw.stop()).toBe(0);
    }
  });

  it('binds loopback even when asked for another host, since no gateway keys exist', async () => {
    const gw = await startProcess(process.execPath, [CLI, 'start', '--config', EXAMPLE, '--port', '0', '--host', '0.0.0.0'], {
      UPSTREAM_BASE_URL: primary.baseUrl,
    });
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
      const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'env' }] });
      expect(answer.choices[0]!.message.content).toBe('local: env');
      // Not claimed by any prefix: served because the server lists it.
      const listed = await client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: 'env' }] });
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

  it('validate lists every problem and exits 1', async () => {
    const file = await writeTemp(
      'bad.yaml',
      'server:\n  port: -1\nproviders:\n  - name: a\n    type: nope\n    baseUrl: http://127.0.0.1:1\nplugins:\n  mystery: {}\n',
    );
    const run = await runCli(['config', 'validate', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('server.port: must be >= 0');
    const second = await runCli(['config', 'validate', await writeTemp('bad2.yaml', 'providers:\n  - name: a\n    type: nope\n    baseUrl: http://127.0.0.1:1\nplugins:\n  mystery: {}\n')]);
    expect(second.stderr).toContain('plugins.mystery: no registered plugin is named "mystery"');
    expect(second.stderr).toContain('[SWITCHYARD_ERR_PLUGIN_UNKNOWN_SECTION]');
  });

  it('names a missing environment variable', async () => {
    const file = await writeTemp('env.yaml', 'providers:\n  - name: a\n    type: openai\n    baseUrl: http://127.0.0.1:1\n    apiKey: ${SOME_SECRET_KEY}\n');
    const run = await runCli(['config', 'validate', file]);
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
    expect(run.stdout).toMatch(/load-balancer:\n(\s+\S.*\n)*?\s+algorithm: weighted\n/);
  });

  it('show checks the file like validate: every problem listed, exit 1', async () => {
    const file = await writeTemp('bad-show.yaml', 'providers:\n  - name: a\n    type: openai\n    baseUrl: http://127.0.0.1:1\nplugins:\n  circuit-breaker: { failureThreshold: 0 }\n  load-balancer: { algorithm: fastest }\n');
    const run = await runCli(['config', 'show', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('plugins.circuit-breaker.failureThreshold: must be >= 1');
    expect(run.stderr).toContain('plugins.load-balancer.algorithm: must be one of "weighted"');
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
