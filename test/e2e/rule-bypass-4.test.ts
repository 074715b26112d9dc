import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '@switchyard/core';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockAzureOpenAI } from '../support/mock-azure-openai.js';
import { startMockBedrock } from '../support/mock-bedrock.js';
import { AWS_KEY, bedrockProvider } from '../support/clouds.js';
import { serviceAccountKey, startMockOAuth } from '../support/mock-oauth.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { startMockVertex } from '../support/mock-vertex.js';
import { testPrefix } from '../support/tcp-proxy.js';
import { budgetOf as budgetOfKey, call, chat } from '../support/rule-probes.js';

/**
 * A fourth pass at Switchyard's rules: cloud providers' URLs built from names a caller picks
 * (Azure deployments, Vertex and Bedrock paths), a Redis password in the store URL, reloads
 * that tighten a rule, and run-time keys when every key is dead. Each test asserts that the
 * rule holds.
 */
const k = (name: string): string => `sk-gw-bypass4-${name}-0123456789abcdef`;
const ADMIN = k('ops');

/** A key's budget as the admin key reads it. */
const budgetOf = (gw: RunningGateway, name: string) => budgetOfKey(gw.url, ADMIN, name);

describe('cloud URLs built from a name the caller picks', () => {
  it('Azure: a name that is an Object property, a path or another spelling reaches no other deployment', async () => {
    const AZ_KEY = 'azure-upstream-key-bypass4-0123456789';
    const az = await startMockAzureOpenAI({
      apiKey: AZ_KEY,
      name: 'az',
      deployments: { 'mini-eu': 'gpt-4o-mini-2024-07-18', 'gpt4o-prod': 'gpt-4o-2024-11-20' },
    });
    // No `models`: the instance serves the keys of its deployments, and nothing else.
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'any', key: k('any') },
            { name: 'mini', key: k('mini'), models: ['gpt-4o-mini*'] },
          ],
        },
      },
      providers: [
        {
          name: 'az',
          type: 'azure-openai',
          baseUrl: az.origin,
          apiKey: AZ_KEY,
          deployments: { 'gpt-4o-mini': 'mini-eu' },
        },
      ],
    });
    try {
      expect((await call(`${gw.url}/v1/chat/completions`, k('mini'), chat('gpt-4o-mini'))).status).toBe(200);
      const tries: Array<[string, string]> = [
        ...['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'gpt4o-prod'].map(
          (m) => ['any', m] as [string, string],
        ),
        ...[
          'gpt-4o-mini/../gpt4o-prod',
          'gpt-4o-mini%2F..%2Fgpt4o-prod',
          'gpt-4o-mini/%2E%2E/gpt4o-prod',
          'gpt-4o-mini/../../deployments/gpt4o-prod',
          'gpt-4o-mini?api-version=2024-10-21&x=',
          'gpt-4o-mini#',
          'gpt-4o-mini@gpt4o-prod',
          'gpt-4o-mini:gpt4o-prod',
          'az/gpt4o-prod',
          'az/../gpt4o-prod',
          'GPT-4O-MINI',
        ].map((m) => ['mini', m] as [string, string]),
      ];
      for (const [key, model] of tries) {
        const res = await call(`${gw.url}/v1/chat/completions`, k(key), chat(model));
        expect(res.status, `${key} ${model}: ${res.text}`).not.toBe(200);
        expect(res.status, `${key} ${model}: ${res.text}`).toBeLessThan(500);
      }
      const paths = az.requests.map((r) => r.path);
      expect(paths).toHaveLength(1);
      expect(paths[0]).toMatch(/^\/openai\/deployments\/mini-eu\/chat\/completions\?/);
    } finally {
      await gw.close();
      await az.close();
    }
  });
  it("Vertex: a name the key's glob matches reaches no other model, publisher, project or location", async () => {
    const oauth = await startMockOAuth();
    const sa = serviceAccountKey(oauth);
    oauth.addServiceAccount(sa.account);
    const HAIKU = 'claude-haiku-4-5@20251001';
    const OPUS = 'claude-opus-4-1@20250805';
    const vx = await startMockVertex({
      oauth,
      project: 'p',
      location: 'us-east5',
      name: 'vx',
      geminiModels: ['gemini-2.5-pro'],
      claudeModels: [HAIKU, OPUS],
    });
    // No `models`: the instance takes every claude-* and gemini-* name by prefix.
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'haiku', key: k('haiku'), models: ['claude-haiku-*'] }] },
      },
      providers: [
        { name: 'vx', type: 'vertex', baseUrl: vx.origin, project: 'p', location: 'us-east5', credentials: sa.key },
      ],
    });
    const messages = (model: string) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    try {
      expect((await call(`${gw.url}/v1/messages`, k('haiku'), messages(HAIKU))).status).toBe(200);
      for (const model of [
        `claude-haiku-x/../${OPUS}`,
        `claude-haiku-x/../../google/models/gemini-2.5-pro`,
        `claude-haiku-x%2F..%2F${OPUS}`,
        // A URL parser takes %2E%2E between slashes for `..`.
        `claude-haiku-x/%2E%2E/${OPUS}`,
        `claude-haiku-x/%2e%2e/%2e%2e/google/models/gemini-2.5-pro`,
        `claude-haiku-x:rawPredict?x=/../${OPUS}`,
        `claude-haiku-x#/../${OPUS}`,
        `claude-haiku-x@/../../../../locations/us-central1/publishers/anthropic/models/${OPUS}`,
        `vx/${OPUS}`,
        `vx/claude-haiku-x/../${OPUS}`,
      ]) {
        for (const path of ['/v1/messages', '/v1/chat/completions']) {
          const res = await call(`${gw.url}${path}`, k('haiku'), messages(model));
          expect(res.status, `${path} ${model}: ${res.text}`).not.toBe(200);
        }
      }
      // Whatever reached Vertex went to the configured project, location and Anthropic publisher,
      // under one path segment naming a claude-haiku-* model, never opus or gemini.
      const reached = vx.requests.map((r) => {
        const m =
          /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/([^/]+)\/models\/([^/]+):([A-Za-z]+)$/.exec(
            new URL(r.path, 'http://mock').pathname,
          );
        expect(m, r.path).not.toBeNull();
        return { project: m![1], location: m![2], publisher: m![3], model: decodeURIComponent(m![4]!) };
      });
      expect(reached[0]).toEqual({ project: 'p', location: 'us-east5', publisher: 'anthropic', model: HAIKU });
      for (const r of reached) {
        expect(r).toMatchObject({ project: 'p', location: 'us-east5', publisher: 'anthropic' });
        expect(r.model.startsWith('claude-haiku-'), r.model).toBe(true);
        expect(r.model).not.toBe(OPUS);
      }
    } finally {
      await gw.close();
      await vx.close();
      await oauth.close();
    }
  });
  it("Bedrock: a name the key's glob matches reaches no other model id", async () => {
    const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
    const OPUS = 'anthropic.claude-opus-4-1-20250805-v1:0';
    const br = await startMockBedrock({ keys: [AWS_KEY], models: [HAIKU, OPUS] });
    // No `models`: the instance takes every anthropic.* name by prefix.
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'haiku', key: k('haiku'), models: ['anthropic.claude-3-haiku-*'] }] },
      },
      providers: [bedrockProvider('br', br.origin)],
    });
    const messages = (model: string) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    try {
      expect((await call(`${gw.url}/v1/messages`, k('haiku'), messages(HAIKU))).status).toBe(200);
      for (const model of [
        `anthropic.claude-3-haiku-x/%2E%2E/${OPUS}`,
        `anthropic.claude-3-haiku-x%2F..%2F${OPUS}`,
        `anthropic.claude-3-haiku-x/../${OPUS}`,
        `anthropic.claude-3-haiku-x?/../${OPUS}`,
        `anthropic.claude-3-haiku-x#/../${OPUS}`,
        `br/anthropic.claude-3-haiku-x/%2E%2E/${OPUS}`,
      ]) {
        for (const path of ['/v1/messages', '/v1/chat/completions']) {
          const res = await call(`${gw.url}${path}`, k('haiku'), messages(model));
          expect(res.status, `${path} ${model}: ${res.text}`).not.toBe(200);
        }
      }
      const reached = br.requests.map((r) => r.model);
      expect(reached[0]).toBe(HAIKU);
      for (const model of reached) {
        expect(model.startsWith('anthropic.claude-3-haiku-'), model).toBe(true);
        expect(model).not.toBe(OPUS);
      }
    } finally {
      await gw.close();
      await br.close();
    }
  });
});

describe('a Redis password in the store URL', () => {
  const PASSWORD = 'bypass4-redis-password-0123456789';
  // A port nothing listens on: taken from a server closed at once.
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('reaches no caller, admin page, console view, metric or log line, with Redis down or up', async () => {
    const up = await startMockOpenAI({ name: 'pw' });
    const down = await closedPort();
    for (const url of [
      `redis://:${PASSWORD}@127.0.0.1:${down}`,
      `redis://default:${PASSWORD}@127.0.0.1:${down}/0`,
      `redis://:${PASSWORD}@127.0.0.1:6379`,
    ]) {
      const log = memoryLogger();
      const gw = await startGateway(
        {
          store: { type: 'redis', url, keyPrefix: testPrefix() },
          plugins: {
            'circuit-breaker': false,
            budgets: { enabled: true },
            auth: {
              keys: [
                { name: 'app', key: k('app'), budget: { usd: 1, period: 'day' } },
                { name: 'ops', key: ADMIN, admin: true },
              ],
            },
          },
          catalog: { 'gpt-4o-mini': { pricing: { input: 1, output: 1 } } },
          providers: [mockProvider('pw', up.baseUrl, { models: ['gpt-4o-mini'] })],
        },
        { logger: log.logger },
      );
      try {
        const seen: string[] = [];
        const answer = await call(`${gw.url}/v1/chat/completions`, k('app'), chat('gpt-4o-mini'));
        expect([200, 503], `${url}: ${answer.text}`).toContain(answer.status);
        seen.push(answer.text);
        const messages = await call(`${gw.url}/v1/messages`, k('app'), { ...chat('gpt-4o-mini'), max_tokens: 8 });
        seen.push(messages.text);
        for (const path of [
          '/admin/config',
          '/admin/budgets',
          '/admin/spend',
          '/admin/stats',
          '/admin/console/traffic',
          '/admin/console/requests',
          '/ready',
          '/health',
          '/metrics',
        ]) {
          seen.push((await call(`${gw.url}${path}`, ADMIN)).text);
        }
        seen.push(...log.lines.map((line) => JSON.stringify(line)));
        const all = seen.join('\n');
        expect(all).toContain('127.0.0.1');
        expect(all, url).not.toContain(PASSWORD);
      } finally {
        await gw.close();
      }
    }
    await up.close();
  });
});

describe('a reload that tightens a rule', () => {
  it('applies at once: a lowered request limit and budget count what was already used, a dropped model is refused', async () => {
    const up = await startMockOpenAI({ name: 'tight' });
    const cfg = (rpm: number, usd: number, models: string[]): ConfigInput => ({
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true },
        auth: {
          keys: [
            { name: 'app', key: k('app'), models, budget: { usd, period: 'day' }, limits: { requestsPerMinute: rpm } },
            { name: 'ops', key: ADMIN, admin: true },
          ],
        },
      },
      catalog: {
        'cheap-model': { pricing: { input: 1000, output: 0 }, maxOutputTokens: 16 },
        'pricey-model': { pricing: { input: 1000, output: 0 }, maxOutputTokens: 16 },
      },
      providers: [mockProvider('tight', up.baseUrl, { models: ['cheap-model', 'pricey-model'] })],
      models: [{ name: 'pricey-alias', targets: ['tight/pricey-model'] }],
    });
    const gw = await startGateway(cfg(10, 1, ['*']));
    try {
      for (let i = 0; i < 3; i++) {
        const res = await call(`${gw.url}/v1/chat/completions`, k('app'), { ...chat('cheap-model'), max_tokens: 16 });
        expect(res.status, res.text).toBe(200);
      }
      const spent = (await budgetOf(gw, 'app')).spentUsd;
      expect(spent).toBeGreaterThan(0);
      const posts = up.requests.length;

      // Three requests used: a limit of 3 a minute admits no fourth, on any protocol.
      expect((await gw.gateway.reload(cfg(3, 1, ['*']))).ok).toBe(true);
      const overLimit = await call(`${gw.url}/v1/messages`, k('app'), { ...chat('cheap-model'), max_tokens: 16 });
      expect(overLimit.status, overLimit.text).toBe(429);

      // A budget lowered below what is spent refuses the next request.
      expect((await gw.gateway.reload(cfg(10, spent / 2, ['*']))).ok).toBe(true);
      const overBudget = await call(`${gw.url}/v1/chat/completions`, k('app'), {
        ...chat('cheap-model'),
        max_tokens: 16,
      });
      expect(overBudget.status, overBudget.text).toBe(402);

      // A model taken off the key's list is refused under every name that reaches it.
      expect((await gw.gateway.reload(cfg(10, 1, ['cheap-*']))).ok).toBe(true);
      for (const model of ['pricey-model', 'tight/pricey-model', 'pricey-alias']) {
        const res = await call(`${gw.url}/v1/responses`, k('app'), { model, input: 'hi', max_output_tokens: 16 });
        expect(res.status, `${model}: ${res.text}`).toBe(403);
      }
      expect(up.requests).toHaveLength(posts);
      const served = await call(`${gw.url}/v1/chat/completions`, k('app'), { ...chat('cheap-model'), max_tokens: 16 });
      expect(served.status, served.text).toBe(200);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('run-time keys with no config keys', () => {
  it('once a key exists, the loopback admin door stays shut while every key is disabled or expired, and /v1 needs a key', async () => {
    const up = await startMockOpenAI({ name: 'rt' });
    const gw = await startGateway({
      plugins: { 'circuit-breaker': false, auth: { runtimeKeys: true } },
      providers: [mockProvider('rt', up.baseUrl, { models: ['gpt-4o-mini'] })],
    });
    try {
      expect((await call(`${gw.url}/v1/chat/completions`, null, chat('gpt-4o-mini'))).status).toBe(401);
      // Before any key exists, a loopback caller makes the first admin key.
      const ops = await call(`${gw.url}/admin/keys`, null, { name: 'ops', admin: true });
      expect(ops.status, ops.text).toBe(201);
      const app = await call(`${gw.url}/admin/keys`, ops.json.key, { name: 'app' });
      expect(app.status, app.text).toBe(201);
      const past = new Date(Date.now() - 60_000).toISOString();
      const expire = await call(`${gw.url}/admin/keys/app`, ops.json.key, { expiresAt: past }, { method: 'PATCH' });
      expect(expire.status, expire.text).toBe(200);
      const disable = await call(`${gw.url}/admin/keys/ops`, ops.json.key, { enabled: false }, { method: 'PATCH' });
      expect(disable.status, disable.text).toBe(200);
      // No key is usable now, but keys exist: nobody is let in on their account.
      for (const key of [null, ops.json.key, app.json.key]) {
        const list = await call(`${gw.url}/admin/keys`, key);
        expect(list.status, `GET /admin/keys with ${key ? 'a dead key' : 'no key'}: ${list.text}`).toBe(401);
        const make = await call(`${gw.url}/admin/keys`, key, { name: 'evil', admin: true });
        expect(make.status, make.text).toBe(401);
        const reload = await call(`${gw.url}/admin/reload`, key, {});
        expect(reload.status, reload.text).toBe(401);
        expect((await call(`${gw.url}/v1/chat/completions`, key, chat('gpt-4o-mini'))).status).toBe(401);
      }
      expect(up.requests).toHaveLength(0);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
