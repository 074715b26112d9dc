/**
 * The model table's Claude entries as Anthropic's own client knows the models: Claude Code 2.1.337
 * runs the Claude 5 models, Claude Opus 4.7 / 4.8 and the Mythos models with a 1M-token context
 * window (its `modelUsage[].contextWindow`) and lets them write up to 128,000 tokens (the most it
 * sends under CLAUDE_CODE_MAX_OUTPUT_TOKENS). A long Claude Code session past 200K tokens must
 * not be refused by the gateway, and a newer name must not fall back on an older model's entry
 * (`claude-opus-4-7` on `claude-opus-4`: its 32K output limit and its price).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

const UPSTREAM_KEY = 'fake-anthropic-key';
const CALLER_KEY = 'fake-gateway-key-budgeted';
const NEW_MODELS = ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-opus-4-7', 'claude-opus-4-8', 'claude-mythos-5'];

let anthropic: MockAnthropic;
let gw: RunningGateway;
let budgeted: RunningGateway;

beforeAll(async () => {
  anthropic = await startMockAnthropic({ apiKey: UPSTREAM_KEY, name: 'anthropic' });
  const providers = [
    { name: 'anthropic', type: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: UPSTREAM_KEY, models: NEW_MODELS },
  ];
  gw = await startGateway({ providers });
  budgeted = await startGateway({
    providers,
    plugins: { auth: { keys: [{ name: 'team', key: CALLER_KEY, budget: { usd: 5, period: 'day' } }] } },
  });
});
beforeEach(() => anthropic.reset());
afterAll(async () => {
  await gw?.close();
  await budgeted?.close();
  await anthropic?.close();
});

const messages = (url: string, body: Record<string, unknown>, key?: string) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      ...(key ? { 'x-api-key': key } : {}),
    },
    body: JSON.stringify(body),
  });

describe('Claude models the table knows as Claude Code does', () => {
  it('takes a prompt past 200K tokens for claude-opus-5-5 (a 1M-token window)', async () => {
    // About 300K tokens by any estimate: 60,000 distinct five-letter words and spaces.
    const words = Array.from({ length: 60_000 }, (_, n) => n.toString(36).padStart(5, 'q')).join(' ');
    const prompt = `${words} ${words} ${words} ${words} ${words}`;
    const res = await messages(gw.url, {
      model: 'claude-opus-5-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: prompt }],
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(anthropic.requests.filter((r) => r.path.startsWith('/v1/messages'))).toHaveLength(1);
  });

  it.each(NEW_MODELS)('sends max_tokens 128000 to %s as asked, with no warning', async (model) => {
    const res = await messages(gw.url, { model, max_tokens: 128_000, messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('x-switchyard-warnings')).toBeNull();
    const [call] = anthropic.requests.filter((r) => r.path.startsWith('/v1/messages'));
    expect(call!.body.max_tokens).toBe(128_000);
  });

  it('does not price claude-opus-4-7 as Claude Opus 4: a budgeted key is told it has no known price', async () => {
    const res = await messages(
      budgeted.url,
      { model: 'claude-opus-4-7', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] },
      CALLER_KEY,
    );
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).toBe(400);
    expect(body.error.message).toMatch(/price/i);
    expect(anthropic.requests).toEqual([]);
  });
});
