import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

let upstream: MockOpenAI;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI({ name: 'a' });
  gw = await startGateway({
    providers: [mockProvider('a', upstream.baseUrl, { models: ['gpt-4o-mini'] })],
    models: [{ name: 'smart', targets: ['a/gpt-4o-mini'] }],
  });
});

afterEach(() => upstream.reset());

afterAll(async () => {
  await gw.close();
  await upstream.close();
});

/** Sends `text` as the body of a chat completion; answers with the body the upstream received. */
async function forwarded(text: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  const chats = upstream.requests.filter((r) => r.path.endsWith('/chat/completions'));
  expect(chats).toHaveLength(1);
  return chats[0]!.rawBody;
}

const MESSAGES = [
  { role: 'system', content: 'Two sentences at most.\nQuote "exactly".' },
  { role: 'user', content: 'Grüße aus Zürich 🚆 — which track?' },
];

describe('the request body sent upstream', () => {
  it('is the caller’s own bytes when nothing changed it', async () => {
    const text = JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, temperature: 0.2, max_tokens: 64 });
    expect(await forwarded(text)).toBe(text);
  });

  it('is serialized again when the caller’s bytes are not what serializing gives (spacing, escapes)', async () => {
    const value = { model: 'gpt-4o-mini', messages: MESSAGES };
    expect(await forwarded(JSON.stringify(value, null, 2))).toBe(JSON.stringify(value));
    upstream.reset();
    const escaped = JSON.stringify(value).replace('Zürich', 'Z\\u00fcrich');
    expect(await forwarded(escaped)).toBe(JSON.stringify(value));
  });

  it('carries what the gateway changed: the target’s model name, routing constraints taken out', async () => {
    const aliased = await forwarded(JSON.stringify({ model: 'smart', messages: MESSAGES }));
    expect(aliased).toBe(JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES }));
    upstream.reset();
    const constrained = await forwarded(
      JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, switchyard: { excludeProviders: ['b'] } }),
    );
    expect(JSON.parse(constrained)).toEqual({ model: 'gpt-4o-mini', messages: MESSAGES });
  });
});
