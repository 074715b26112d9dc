import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth } from '@switchyard/plugin-auth';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/** Anthropic callers authenticate with x-api-key (what 2023-06-01 clients send) or Bearer (the current SDK). */
let ant: MockAnthropic;
let gw: RunningGateway;
const GATEWAY_KEY = 'sy-gateway-key-0123456789';
const UPSTREAM_KEY = 'ant-test-upstream-0123456789';

beforeAll(async () => {
  ant = await startMockAnthropic({ apiKey: UPSTREAM_KEY, name: 'ant' });
  gw = await startGateway(
    {
      providers: [
        { name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: UPSTREAM_KEY, models: ['claude-sonnet-4-5'] },
      ],
      plugins: { auth: { keys: [{ name: 'app', key: GATEWAY_KEY }] } },
    },
    { plugins: [auth()] },
  );
});

afterAll(async () => {
  await gw.close();
  await ant.close();
});

const ask = { model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('Anthropic callers and gateway keys', () => {
  it('accepts the key as Authorization: Bearer (current SDK) and as x-api-key (2023-06-01 clients), never forwarding it', async () => {
    const bearer = new Anthropic({ baseURL: gw.url, apiKey: GATEWAY_KEY, maxRetries: 0 });
    expect((await bearer.messages.create(ask)).content).toEqual([{ type: 'text', text: 'ant: hi' }]);
    const legacy = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': GATEWAY_KEY, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(ask),
    });
    expect(legacy.status).toBe(200);
    for (const req of ant.requests) {
      expect(req.headers['x-api-key']).toBe(UPSTREAM_KEY);
      expect(req.headers.authorization).toBeUndefined();
    }
  });

  it('refuses a wrong key with 401 in Anthropic shape, on messages and count_tokens', async () => {
    const wrong = new Anthropic({ baseURL: gw.url, apiKey: 'nope', maxRetries: 0 });
    const err = await wrong.messages.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as Anthropic.APIError).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const counted = await wrong.messages
      .countTokens({ model: ask.model, messages: ask.messages })
      .catch((e: unknown) => e);
    expect(counted).toBeInstanceOf(Anthropic.AuthenticationError);
    const ok = new Anthropic({ baseURL: gw.url, apiKey: GATEWAY_KEY, maxRetries: 0 });
    expect((await ok.messages.countTokens({ model: ask.model, messages: ask.messages })).input_tokens).toBeGreaterThan(
      0,
    );
  });
});
