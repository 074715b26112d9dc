/**
 * A hole the sixteenth rule-bypass pass closed: a replica driven through `gateway.callback()`
 * (mounted on the embedder's own server, as core's README offers) never followed changes of
 * run-time keys made on another replica. The auth plugin started following the store (the change
 * channel and the periodic read) in the `ready` hook, which runs after `listen()` only, so such a
 * replica kept the keys it read at startup: a key deleted, disabled or narrowed through another
 * replica's `/admin/keys` was still served in full there, until a restart. The auth plugin now
 * starts following on first use when no `ready` came, and reads the keys again once subscribed:
 * a listening replica read them at build time and subscribed at `ready`, so a key deleted between
 * the two was served there until the periodic read (`keysRefreshMs`, 30 s by default). The three
 * cases failed before the fix (the replica still answered the deleted and the narrowed key).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import type { Gateway } from '@switchyard/core';
import { standard } from '@switchyard/preset-standard';
import { mockProvider } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { call, chat } from '../support/rule-probes.js';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

const ADMIN = 'fake-callback-replica-admin-key';
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await dropTestKeys(prefix);
});

/** A replica on Redis, built (its keys read) but not yet serving. */
function built(up: MockOpenAI, prefix: string): Promise<Gateway> {
  return createGateway({
    config: {
      server: { host: '127.0.0.1', port: 0, drainDelayMs: 0 },
      store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: prefix },
      plugins: { auth: { keys: [{ name: 'ops', key: ADMIN, admin: true }] } },
      providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini', 'gpt-4o'] })],
    },
    presets: [standard()],
    logger: createLogger({ level: 'silent' }),
  });
}

/** A replica on Redis, listening (`listen()`) or mounted through `callback()` on a server of the test's own. */
async function replica(
  up: MockOpenAI,
  prefix: string,
  mode: 'listen' | 'callback',
  gateway?: Gateway,
): Promise<{ gateway: Gateway; url: string; close: () => Promise<void> }> {
  gateway ??= await built(up, prefix);
  if (mode === 'listen') {
    const { url } = await gateway.listen();
    return { gateway, url, close: () => gateway.close({ drainDelayMs: 0 }) };
  }
  const server = createServer(gateway.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    gateway,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close({ drainDelayMs: 0 });
    },
  };
}

/** A listening replica `one` and a `callback()` replica `two` on one Redis prefix, and a key `made` through `one` before `two` started. */
async function replicas(): Promise<{
  up: MockOpenAI;
  one: Awaited<ReturnType<typeof replica>>;
  two: Awaited<ReturnType<typeof replica>>;
  key: string;
  close: () => Promise<void>;
}> {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const up = await startMockOpenAI({ name: 'up', models: ['gpt-4o-mini', 'gpt-4o'] });
  const one = await replica(up, prefix, 'listen');
  const created = await call(`${one.url}/admin/keys`, ADMIN, { name: 'made', models: ['gpt-4o-mini', 'gpt-4o'] });
  expect(created.status).toBe(201);
  const two = await replica(up, prefix, 'callback');
  return {
    up,
    one,
    two,
    key: created.json.key as string,
    close: async () => {
      await two.close();
      await one.close();
      await up.close();
    },
  };
}

/** Chat requests the upstream received. */
const chats = (up: MockOpenAI): number => up.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

describe('run-time keys on a replica driven through callback()', () => {
  it('a key deleted through another replica is refused there too, before any upstream', async () => {
    const { up, one, two, key, close } = await replicas();
    try {
      expect((await call(`${two.url}/v1/chat/completions`, key, chat('gpt-4o-mini'))).status).toBe(200);
      expect((await call(`${one.url}/admin/keys/made`, ADMIN, undefined, { method: 'DELETE' })).status).toBe(200);
      // The listing answers without an upstream: asked until the replica has the change (hung guard only).
      await until(async () => (await call(`${two.url}/v1/models`, key)).status === 401, {
        hungAfterMs: 10_000,
        what: 'the deleted key refused on the callback() replica',
      });
      const before = chats(up);
      const refused = await call(`${two.url}/v1/chat/completions`, key, chat('gpt-4o-mini'));
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe('invalid_api_key');
      expect(chats(up)).toBe(before);
    } finally {
      await close();
    }
  });

  it('a key narrowed through another replica reaches only its new models there', async () => {
    const { up, one, two, key, close } = await replicas();
    try {
      expect((await call(`${two.url}/v1/chat/completions`, key, chat('gpt-4o'))).status).toBe(200);
      const narrowed = await call(
        `${one.url}/admin/keys/made`,
        ADMIN,
        { models: ['gpt-4o-mini'] },
        { method: 'PATCH' },
      );
      expect(narrowed.status).toBe(200);
      await until(
        async () => {
          const listing = await call(`${two.url}/v1/models`, key);
          const ids = (listing.json?.data ?? []).map((m: { id: string }) => m.id);
          return listing.status === 200 && !ids.includes('gpt-4o');
        },
        { hungAfterMs: 10_000, what: 'gpt-4o left out of the narrowed key’s listing on the callback() replica' },
      );
      const before = chats(up);
      const refused = await call(`${two.url}/v1/chat/completions`, key, chat('gpt-4o'));
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('model_not_allowed');
      expect(chats(up)).toBe(before);
      expect((await call(`${two.url}/v1/chat/completions`, key, chat('gpt-4o-mini'))).status).toBe(200);
    } finally {
      await close();
    }
  });
});

describe('run-time keys on a replica that starts listening after it read them', () => {
  it('a key deleted between its build and its listen() is refused once it listens, not after keysRefreshMs', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const up = await startMockOpenAI({ name: 'up', models: ['gpt-4o-mini', 'gpt-4o'] });
    const one = await replica(up, prefix, 'listen');
    let two: Awaited<ReturnType<typeof replica>> | undefined;
    try {
      const created = await call(`${one.url}/admin/keys`, ADMIN, { name: 'made' });
      expect(created.status).toBe(201);
      const gateway = await built(up, prefix);
      expect((await call(`${one.url}/admin/keys/made`, ADMIN, undefined, { method: 'DELETE' })).status).toBe(200);
      two = await replica(up, prefix, 'listen', gateway);
      await until(async () => (await call(`${two!.url}/v1/models`, created.json.key)).status === 401, {
        hungAfterMs: 10_000,
        what: 'the key deleted before listen() refused',
      });
      const refused = await call(`${two.url}/v1/chat/completions`, created.json.key, chat('gpt-4o-mini'));
      expect(refused.status).toBe(401);
      expect(chats(up)).toBe(0);
    } finally {
      await two?.close();
      await one.close();
      await up.close();
    }
  });
});
