import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';

const ADMIN = 'sk-gw-cli-admin-0123456789';
let upstream: MockOpenAI;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gw = await startGateway({
    providers: [mockProvider('u', upstream.baseUrl, { models: ['gpt-4o-mini'] })],
    plugins: {
      auth: { keys: [{ name: 'ops', key: ADMIN, admin: true }], runtimeKeys: true },
      // The keys it creates carry budgets, which only an enabled budgets plugin counts.
      budgets: { enabled: true },
    },
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const keys = (...args: string[]) => runCli(['keys', ...args, '--url', gw.url], { SWITCHYARD_ADMIN_KEY: ADMIN });
const chat = (key: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('switchyard keys', () => {
  it('creates a key (printed once, alone on stdout), lists it, disables, enables, rotates and deletes it', async () => {
    const created = await keys(
      'create',
      'cli-app',
      '--models',
      'gpt-4o-mini',
      '--team',
      'research',
      '--budget-usd',
      '5',
      '--budget-period',
      'day',
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^sk-sy-\S{43}$/);
    expect(created.stderr).toContain('created key "cli-app": store it now, it is not shown again');
    expect((await chat(key)).status).toBe(200);

    const list = await keys('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +SOURCE +STATE +ADMIN +TEAM +MODELS +BUDGET +FINGERPRINT$/m);
    expect(list.stdout).toMatch(
      /^cli-app +runtime +enabled +no +research +gpt-4o-mini +\$5\/day +sha256:[0-9a-f]{12}$/m,
    );
    expect(list.stdout).toMatch(/^ops +config +enabled +yes/m);
    expect(list.stdout).not.toContain(key);

    expect((await keys('disable', 'cli-app')).stdout.trim()).toBe('key "cli-app" disabled');
    expect((await chat(key)).status).toBe(401);
    expect((await keys('enable', 'cli-app')).code).toBe(0);
    expect((await chat(key)).status).toBe(200);

    const rotated = await keys('rotate', 'cli-app');
    const next = rotated.stdout.trim();
    expect(next).toMatch(/^sk-sy-/);
    expect((await chat(key)).status).toBe(401);
    expect((await chat(next)).status).toBe(200);

    expect((await keys('delete', 'cli-app')).code).toBe(0);
    expect((await chat(next)).status).toBe(401);
  });

  it('creates a key that may name the upstream account objects --account-objects lists, and no other; PATCH adds one', async () => {
    const fileChat = (key: string, fileId: string) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: fileId } }] }],
        }),
      });
    const created = await keys('create', 'files-app', '--account-objects', 'file-report-a, file-report-b');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect((await fileChat(key, 'file-report-b')).status).toBe(200);
    const refused = await fileChat(key, 'file-report-c');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('account_object_not_allowed');
    const patched = await fetch(`${gw.url}/admin/keys/files-app`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ accountObjects: ['file-report-a', 'file-report-b', 'file-report-c'] }),
    });
    expect(patched.status).toBe(200);
    expect((await patched.json()).accountObjects).toEqual(['file-report-a', 'file-report-b', 'file-report-c']);
    expect((await fileChat(key, 'file-report-c')).status).toBe(200);
    expect((await keys('delete', 'files-app')).code).toBe(0);
  });

  it('says why when the gateway refuses or cannot be reached, exit 1', async () => {
    const wrong = await runCli(['keys', 'list', '--url', gw.url, '--key', 'sk-not-an-admin-key-000']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('switchyard keys: GET /admin/keys answered 401: admin endpoints need an admin key');
    const missing = await keys('disable', 'nobody');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('answered 404: no run-time key "nobody"');
    const down = await runCli(['keys', 'list', '--url', 'http://127.0.0.1:9', '--key', ADMIN]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('switchyard keys: cannot reach http://127.0.0.1:9');
  });

  it('never prints a password or token given in the gateway URL (--url or $SWITCHYARD_URL)', async () => {
    for (const [args, env] of [
      [['--url', 'http://admin:hunter2-cli-url@127.0.0.1:9'], {}],
      [[], { SWITCHYARD_URL: 'http://admin:hunter2-cli-url@127.0.0.1:9' }],
      [['--url', 'http://127.0.0.1:9/?token=hunter2-cli-url'], {}],
    ] as Array<[string[], Record<string, string>]>) {
      const run = await runCli(['keys', 'list', ...args, '--key', ADMIN], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('cannot reach http://');
      expect(run.stderr).toContain('127.0.0.1:9');
      expect(run.stderr + run.stdout).not.toContain('hunter2-cli-url'); // was printed whole
    }
  });
});
