/**
 * provider-openai and Responses API callers (protocol-responses): an instance with
 * `responsesApi: true` gets the caller's body at `{baseUrl}{responsesPath}`, untouched but for
 * `model` and a fitted `max_output_tokens`, and its answer goes back as sent; any other host
 * (the default off api.openai.com) gets Chat Completions.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { models } from '@switchyard/plugin-models';
import { protocolResponses } from '@switchyard/protocol-responses';
import { openai } from '@switchyard/provider-openai';
import type { ConfigInput } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.js';
import { minimalGateway, post, type MinimalGateway } from '../protocol-openai/minimal-gateway.js';

const UP_KEY = 'sk-upstream-openai-0123456789';

let up: MockOpenAI;
let chatOnly: MockOpenAI;
const opened: MinimalGateway[] = [];

beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up', apiKey: UP_KEY });
  chatOnly = await startMockOpenAI({ name: 'compat', chatOnly: true });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((gw) => gw.close()));
  up.reset();
  chatOnly.reset();
});
afterAll(async () => {
  await Promise.all([up.close(), chatOnly.close()]);
});

async function gatewayWith(instance: Record<string, unknown>, config: ConfigInput = {}): Promise<MinimalGateway> {
  const gw = await minimalGateway(
    { providers: [{ name: 'up', type: 'openai', models: ['gpt-4o-mini'], ...instance }], ...config } as ConfigInput,
    [models(), protocolResponses(), openai()],
  );
  opened.push(gw);
  return gw;
}

const answerText = (response: any): string =>
  response.output
    .filter((item: any) => item.type === 'message')
    .flatMap((item: any) => item.content.map((part: any) => part.text))
    .join('');

describe('an instance with responsesApi: true', () => {
  it('gets the Responses body as sent, with the target’s model and its key, and the answer goes back as sent', async () => {
    const gw = await gatewayWith(
      { baseUrl: up.baseUrl, apiKey: UP_KEY, responsesApi: true },
      { models: [{ name: 'smart', targets: ['up/gpt-4o-mini'] }] },
    );
    const body = {
      model: 'smart',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hello' }] }],
      instructions: 'Be brief.',
      truncation: 'auto',
      temperature: 0.5,
      store: false,
    };
    const answer = await post(gw, '/v1/responses', body, { authorization: 'Bearer sk-caller-0123456789' });
    expect(answer.status).toBe(200);
    expect(up.requests.map((r) => r.path)).toEqual(['/v1/responses']);
    expect(up.requests[0]!.body).toEqual({ ...body, model: 'gpt-4o-mini' });
    expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${UP_KEY}`);
    expect(answer.json.object).toBe('response');
    expect(answerText(answer.json)).toBe('up: hello');
  });

  it('has max_output_tokens above the model’s limit lowered, with a warning', async () => {
    const gw = await gatewayWith({ baseUrl: up.baseUrl, apiKey: UP_KEY, responsesApi: true });
    const answer = await post(gw, '/v1/responses', { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 50_000 });
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body.max_output_tokens).toBe(16_384);
    expect(answer.headers.get('x-switchyard-warnings')).toContain('max_output_tokens 50000 lowered to 16384');
  });

  it('has reasoning and sampling fitted to each target of an alias, whichever the body was written for', async () => {
    const gw = await gatewayWith(
      { baseUrl: up.baseUrl, apiKey: UP_KEY, responsesApi: true, models: ['gpt-4o-mini', 'o3-mini'] },
      {
        models: [
          { name: 'writer', targets: ['up/gpt-4o-mini', 'up/o3-mini'] },
          { name: 'thinker', targets: ['up/o3-mini', 'up/gpt-4o-mini'] },
        ],
      },
    );
    up.queueFault({ kind: 'status', status: 500 });
    const toWriter = await post(gw, '/v1/responses', { model: 'writer', input: 'hi', temperature: 0.5, top_p: 1 });
    expect(toWriter.status).toBe(200);
    expect(toWriter.headers.get('x-switchyard-warnings')).toBe(
      'temperature 0.5 dropped (o3-mini reasons and takes no temperature)',
    );
    up.queueFault({ kind: 'status', status: 500 });
    const toThinker = await post(gw, '/v1/responses', { model: 'thinker', input: 'hi', reasoning: { effort: 'low' } });
    expect(toThinker.status).toBe(200);
    expect(toThinker.headers.get('x-switchyard-warnings')).toBe(
      'reasoning settings dropped (gpt-4o-mini does not reason)',
    );
    expect(up.requests.map((r) => r.body)).toEqual([
      { model: 'gpt-4o-mini', input: 'hi', temperature: 0.5, top_p: 1 },
      { model: 'o3-mini', input: 'hi' },
      { model: 'o3-mini', input: 'hi', reasoning: { effort: 'low' } },
      { model: 'gpt-4o-mini', input: 'hi' },
    ]);
  });

  it('gets Responses bodies at responsesPath', async () => {
    const gw = await gatewayWith({
      baseUrl: up.origin,
      apiKey: UP_KEY,
      responsesApi: true,
      responsesPath: '/v1/responses?tenant=a',
    });
    expect((await post(gw, '/v1/responses', { model: 'gpt-4o-mini', input: 'hi' })).status).toBe(200);
    expect(up.requests.map((r) => r.path)).toEqual(['/v1/responses?tenant=a']);
  });
});

describe('an instance without responsesApi (not api.openai.com)', () => {
  it('gets Chat Completions, and the caller still gets a Responses object', async () => {
    const gw = await gatewayWith({ baseUrl: chatOnly.baseUrl });
    const answer = await post(gw, '/v1/responses', {
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: 'hello',
      max_output_tokens: 100,
    });
    expect(answer.status).toBe(200);
    expect(chatOnly.requests.map((r) => r.path)).toEqual(['/v1/chat/completions']);
    expect(chatOnly.requests[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello' },
      ],
      max_completion_tokens: 100,
    });
    expect(answer.json.object).toBe('response');
    expect(answerText(answer.json)).toBe('compat: hello');
  });
});
