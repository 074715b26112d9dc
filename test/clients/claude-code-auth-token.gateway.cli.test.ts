/**
 * The real Claude Code CLI (unmodified, offline) through a gateway with keys, given the gateway
 * key as ANTHROPIC_AUTH_TOKEN (sent as `Authorization: Bearer`, the way Claude Code's docs set
 * it up for an LLM gateway) instead of ANTHROPIC_API_KEY: the turn is answered, the upstream sees
 * only the gateway's own credential, and a wrong token is refused before anything goes upstream.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { runClaudeCode } from '../support/clients/claude-code.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const TEST_MS = CLIENT_HUNG_MS + 30_000;
const CALLER_TOKEN = 'fake-gateway-key-claude-code';
const UPSTREAM_KEY = 'fake-anthropic-key';

let anthropic: MockAnthropic;
let proxy: DenyProxy;
let gw: RunningGateway;

beforeAll(async () => {
  anthropic = await startMockAnthropic({ apiKey: UPSTREAM_KEY, name: 'anthropic' });
  proxy = await startDenyProxy();
  gw = await startGateway({
    providers: [
      {
        name: 'anthropic',
        type: 'anthropic',
        baseUrl: anthropic.baseUrl,
        apiKey: UPSTREAM_KEY,
        models: ['claude-opus-5-5', 'claude-haiku-4-5'],
      },
    ],
    plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_TOKEN }] } },
  });
});
beforeEach(() => anthropic.reset());
afterAll(async () => {
  await gw?.close();
  await Promise.all([anthropic?.close(), proxy?.close()]);
});

const run = (token: string, env: Record<string, string> = {}) =>
  runClaudeCode({
    baseUrl: gw.url,
    apiKey: '',
    prompt: 'Say hello',
    extraEnv: { ...proxy.env(), ANTHROPIC_AUTH_TOKEN: token, ...env },
    timeoutMs: CLIENT_HUNG_MS,
  });

describe('Claude Code with the gateway key as ANTHROPIC_AUTH_TOKEN', () => {
  it('is answered, and the upstream sees the gateway credential only', { timeout: TEST_MS }, async () => {
    const result = await run(CALLER_TOKEN);
    expect(result.exitCode, result.stderr + result.stdout.slice(-2000)).toBe(0);
    expect(result.text).toMatch(/Say hello/);
    const calls = anthropic.requests.filter((r) => r.path.startsWith('/v1/messages'));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.headers['x-api-key']).toBe(UPSTREAM_KEY);
      expect(call.headers.authorization).toBeUndefined();
      expect(call.rawBody).not.toContain(CALLER_TOKEN);
    }
    expect(proxy.attempts).toEqual([]);
  });

  it('with a wrong token: refused at the gateway, nothing sent upstream', { timeout: TEST_MS }, async () => {
    // Claude Code retries a 401 up to ten times (against Anthropic's own API too); one retry shows it.
    const result = await run('fake-gateway-key-wrong', { CLAUDE_CODE_MAX_RETRIES: '1' });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).not.toBe(0);
    const retries = result.events.filter((e) => e.subtype === 'api_retry');
    expect(retries.map((e) => [e.error_status, e.error])).toEqual([[401, 'authentication_failed']]);
    expect(anthropic.requests.filter((r) => r.path.startsWith('/v1/messages'))).toEqual([]);
    expect(proxy.attempts).toEqual([]);
  });
});
