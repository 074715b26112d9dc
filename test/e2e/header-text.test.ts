/**
 * The routed response's own headers carry text a caller chose: `x-switchyard-warnings` names the
 * fields a conversion dropped, `x-switchyard-target` the model asked of an instance that takes
 * names by prefix. A name outside printable ASCII (`ключ`, `模型`) is written escaped
 * (`\u043a…`), never refused by Node after the upstream answered (a 500 for an answer the upstream billed).
 * And however many fields a conversion dropped, the warnings header stays short of the 16 KiB head
 * clients read (undici refused the whole answer: UND_ERR_HEADERS_OVERFLOW).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';

let upstream: MockOpenAI;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI({ name: 'header-text' });
  gw = await startGateway({ providers: [mockProvider('o', upstream.baseUrl)] });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const post = (path: string, body: Record<string, unknown>) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });

describe('route headers holding text a caller chose', () => {
  it('name a dropped field outside ASCII escaped, for a converted Responses body, streamed or not', async () => {
    for (const stream of [false, true]) {
      const res = await post('/v1/responses', { model: 'gpt-4o-mini', input: 'hi', stream, ключ: 1 });
      await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-warnings')).toContain('\\u043a\\u043b\\u044e\\u0447');
    }
  });

  it('name a dropped field outside ASCII escaped, for a converted Messages body', async () => {
    const res = await post('/v1/messages', {
      model: 'gpt-4o-mini',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
      模型: true,
    });
    await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-warnings')).toContain('\\u6a21\\u578b');
  });

  it('name the target of a model asked outside ASCII escaped', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'gpt-4o-ключ',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('o/gpt-4o-\\u043a\\u043b\\u044e\\u0447');
  });

  it('cut x-switchyard-warnings short of what clients read, however many fields a conversion dropped', async () => {
    const body: Record<string, unknown> = { model: 'gpt-4o-mini', input: 'hi' };
    for (let i = 0; i < 600; i++) body[`unknown_field_with_a_long_name_${i}`] = 1;
    const res = await post('/v1/responses', body);
    await res.text();
    expect(res.status).toBe(200);
    const warnings = res.headers.get('x-switchyard-warnings')!;
    expect(warnings).toContain('unknown_field_with_a_long_name_0');
    expect(warnings).toMatch(/ \.\.\. \(\d+ characters more: the request log has every warning\)$/);
    expect(warnings.length).toBeLessThan(4200);
  });
});
