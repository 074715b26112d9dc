import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskText, maskUrl } from '@switchyard/core/config';
import { memoryLogger, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { CLI, runCli, startProcess } from '../support/cli.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';

/** Secrets planted in the config; none may show up in any output the gateway or the CLI produces. */
const SECRETS = {
  apiKey: 'sk-planted-apikey-0123456789abcdef',
  user: 'planted-user-4c1d',
  password: 'planted-password-9e2f',
  queryKey: 'planted-query-key-5b1e',
  querySig: 'planted-signature-8a3c',
  header: 'planted-header-token-77d0',
  clientSecret: 'planted-entra-client-secret-3f7a',
  awsSecret: 'planted-aws-secret-access-key-61d2',
  awsSession: 'planted-aws-session-token-0c9e',
  privateKey: 'planted-private-key-material-a41b',
};
const PLANTED = Object.values(SECRETS);

let up: MockOpenAI;
let port: string;
const outputs: string[] = [];

function plantedConfig(): Record<string, unknown> {
  return {
    providers: [
      {
        name: 'userinfo',
        type: 'openai',
        baseUrl: `http://${SECRETS.user}:${SECRETS.password}@127.0.0.1:${port}/v1`,
        apiKey: SECRETS.apiKey,
        headers: { 'x-custom-token': SECRETS.header },
        models: ['gpt-4o-mini'],
      },
      {
        name: 'querykey',
        type: 'openai',
        baseUrl: `http://127.0.0.1:${port}/v1?key=${SECRETS.queryKey}&sig=${SECRETS.querySig}&api-version=1`,
        models: ['broken-model'],
      },
      // Nothing listens there: its connection errors are printed too.
      {
        name: 'refused',
        type: 'openai',
        baseUrl: `http://${SECRETS.user}:${SECRETS.password}@127.0.0.1:1/v1?key=${SECRETS.queryKey}`,
        models: ['refused-model'],
      },
      // The clouds' own secrets, each failing on the way: the token endpoint, the upstream, the key itself.
      {
        name: 'azure-entra',
        type: 'azure-openai',
        baseUrl: 'http://127.0.0.1:1',
        tenantId: 'tenant',
        clientId: 'client',
        clientSecret: SECRETS.clientSecret,
        authorityHost: 'http://127.0.0.1:1',
        deployments: { 'azure-model': 'd' },
      },
      {
        name: 'bedrock-keys',
        type: 'bedrock',
        baseUrl: 'http://127.0.0.1:1',
        region: 'us-east-1',
        accessKeyId: 'TESTPLANTED000000001',
        secretAccessKey: SECRETS.awsSecret,
        sessionToken: SECRETS.awsSession,
        models: ['bedrock-model'],
      },
      {
        name: 'vertex-key',
        type: 'vertex',
        baseUrl: 'http://127.0.0.1:1',
        project: 'p',
        location: 'us-east5',
        credentials: {
          type: 'service_account',
          client_email: 'sa@p.iam.gserviceaccount.com',
          private_key: `-----BEGIN PRIVATE KEY-----\n${SECRETS.privateKey}\n-----END PRIVATE KEY-----\n`,
          token_uri: 'http://127.0.0.1:1/token',
        },
        models: ['vertex-model'],
      },
    ],
  };
}

beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up' });
  port = new URL(up.baseUrl).port;
});

afterAll(async () => {
  await up.close();
  const all = outputs.join('\n');
  for (const secret of PLANTED) expect(all, secret).not.toContain(secret);
});

function expectClean(text: string, what: string): void {
  outputs.push(text);
  expect(text.length, what).toBeGreaterThan(0);
  for (const secret of PLANTED) expect(text, `${what} shows ${secret}`).not.toContain(secret);
}

describe('one masking for URLs and secrets', () => {
  it('masks URL userinfo and secret query parameters, keeping the rest as written', () => {
    expect(maskUrl('http://user:pw@host:8080/v1?key=abc&api-version=2024-06-01&X-Amz-Signature=s#frag')).toBe(
      'http://****@host:8080/v1?key=****&api-version=2024-06-01&X-Amz-Signature=****#frag',
    );
    expect(maskUrl('https://token@github.com/org/repo')).toBe('https://****@github.com/org/repo');
    expect(maskUrl('https://api.openai.com/v1')).toBe('https://api.openai.com/v1');
    for (const name of [
      'api_key',
      'apikey',
      'x-goog-api-key',
      'access_token',
      'token',
      'sig',
      'password',
      'client_secret',
    ]) {
      expect(maskUrl(`https://h/p?${name}=s3cr3t`), name).toBe(`https://h/p?${name}=****`);
    }
    expect(
      maskText(
        `connect to redis://:hunter2@127.0.0.1:6379 failed; see https://docs.example/x?page=2 (Bearer abcdefghijkl)`,
      ),
    ).toBe('connect to redis://****@127.0.0.1:6379 failed; see https://docs.example/x?page=2 ([redacted])');
  });

  it('a running gateway shows none in log lines, /admin/config, /admin/routes, /v1/models or error bodies', async () => {
    const log = memoryLogger();
    let gw: RunningGateway | undefined;
    try {
      gw = await startGateway(plantedConfig(), { logger: log.logger });
      const post = async (body: unknown, path = '/v1/chat/completions'): Promise<string> => {
        const res = await fetch(`${gw!.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return `${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`;
      };
      const ask = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] });
      expectClean(await post(ask('gpt-4o-mini')), 'a served answer');
      expectClean(await post(ask('broken-model')), 'an upstream error');
      expectClean(await post(ask('refused-model')), 'a connection error');
      expectClean(await post(ask('refused-model'), '/v1/messages'), 'an Anthropic error');
      expectClean(await post(ask('no-such-model')), 'model not found');
      for (const model of ['azure-model', 'bedrock-model', 'vertex-model']) {
        expectClean(await post(ask(model)), `a ${model} error`);
        expectClean(await post({ ...ask(model), max_tokens: 10 }, '/v1/messages'), `a ${model} error (Anthropic)`);
      }
      for (const path of ['/admin/config', '/admin/routes', '/v1/models', '/ready', '/metrics']) {
        expectClean(await (await fetch(`${gw.url}${path}`)).text(), path);
      }
      const config = await (await fetch(`${gw.url}/admin/config`)).json();
      expect(config.config.providers[0].baseUrl).toBe(`http://****@127.0.0.1:${port}/v1`);
      expect(config.config.providers[1].baseUrl).toBe(`http://127.0.0.1:${port}/v1?key=****&sig=****&api-version=1`);
    } finally {
      await gw?.close();
    }
    expect(log.lines.length).toBeGreaterThan(3);
    expectClean(log.lines.map((l) => JSON.stringify(l)).join('\n'), 'log lines');
  });

  it('the CLI shows none: start-up lines, config show, config validate, and its errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-secrets-'));
    const file = join(dir, 'planted.config.json');
    await writeFile(file, JSON.stringify({ ...plantedConfig(), server: { port: 0 } }));
    const show = await runCli(['config', 'show', file]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('http://****@127.0.0.1');
    expectClean(show.stdout + show.stderr, 'config show');
    const validate = await runCli(['config', 'validate', file]);
    expect(validate.code).toBe(0);
    expectClean(validate.stdout + validate.stderr, 'config validate');
    const broken = join(dir, 'broken.config.json');
    const bad = plantedConfig() as { providers: Array<Record<string, unknown>> };
    bad.providers[0]!.type = 'no-such-type';
    await writeFile(broken, JSON.stringify(bad));
    const refused = await runCli(['config', 'validate', broken]);
    expect(refused.code).toBe(1);
    expectClean(refused.stdout + refused.stderr, 'config validate of a wrong file');

    const gw = await startProcess(process.execPath, [CLI, 'start', '--config', file]);
    try {
      await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'refused-model', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(gw.lines.some((l) => String(l.msg).startsWith('provider userinfo (openai) http://****@127.0.0.1'))).toBe(
        true,
      );
      // An Azure instance without a model list serves its deployments' keys, and says so.
      expect(gw.lines.map((l) => String(l.msg))).toContain(
        'provider azure-entra (azure-openai) http://127.0.0.1:1 models: azure-model',
      );
    } finally {
      await gw.stop();
    }
    expectClean(
      gw.lines.map((l) => JSON.stringify(l)).join('\n'),
      'start-up and request log lines of switchyard start',
    );
  });
});
