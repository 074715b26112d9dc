/**
 * provider-openai fits a chat body to its target: output-token limits lowered to the model's
 * (model table, config catalog:), reasoning blocks removed, and for requests converted from the
 * Anthropic protocol, reasoning_effort and max_tokens as the target model takes them. Each change
 * is named in x-switchyard-warnings. The strict mock refuses what OpenAI refuses.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { models } from '@switchyard/plugin-models';
import { protocolAnthropic } from '@switchyard/protocol-anthropic';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import { openai } from '@switchyard/provider-openai';
import type { ConfigInput } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.js';
import { minimalGateway, post, type MinimalGateway } from '../protocol-openai/minimal-gateway.js';

let up: MockOpenAI;
const opened: MinimalGateway[] = [];

beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up' });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((gw) => gw.close()));
  up.reset();
});
afterAll(() => up.close());

async function gatewayOf(config: ConfigInput = {}, inbound = protocolOpenAI()): Promise<MinimalGateway> {
  const gw = await minimalGateway(
    {
      providers: [
        {
          name: 'up',
          type: 'openai',
          baseUrl: up.baseUrl,
          models: ['gpt-4o-mini', 'gpt-3.5-turbo', 'gpt-4o', 'o3-mini', 'gpt-5.1', 'gpt-5-chat-latest'],
        },
      ],
      ...config,
    } as ConfigInput,
    [models(), inbound, openai()],
  );
  opened.push(gw);
  return gw;
}

const ask = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'hello' }],
  ...extra,
});

describe('output-token limits', () => {
  it('lowers max_tokens above the target model’s limit (built-in table), so an alias to a smaller model answers', async () => {
    const gw = await gatewayOf({ models: [{ name: 'cheap', targets: ['up/gpt-3.5-turbo'] }] });
    const answer = await post(gw, '/v1/chat/completions', ask('cheap', { max_tokens: 10_000 }));
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body.max_tokens).toBe(4096);
    expect(answer.headers.get('x-switchyard-warnings')).toBe(
      'max_tokens 10000 lowered to 4096, the most the target model allows',
    );
  });

  it('lowers max_completion_tokens to a limit set in the config catalog:', async () => {
    const gw = await gatewayOf({ catalog: { 'up/gpt-4o-mini': { maxOutputTokens: 1000 } } });
    const answer = await post(gw, '/v1/chat/completions', ask('gpt-4o-mini', { max_completion_tokens: 5000 }));
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body.max_completion_tokens).toBe(1000);
    expect(answer.headers.get('x-switchyard-warnings')).toContain('max_completion_tokens 5000 lowered to 1000');
  });

  it('leaves a limit within the model’s alone, with no warning', async () => {
    const gw = await gatewayOf();
    const answer = await post(gw, '/v1/chat/completions', ask('gpt-4o-mini', { max_tokens: 16_384 }));
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body.max_tokens).toBe(16_384);
    expect(answer.headers.get('x-switchyard-warnings')).toBeNull();
  });

  it('sends the limit as asked with routing.fitOutputTokens: false, and the upstream’s 400 comes back', async () => {
    const gw = await gatewayOf({ routing: { fitOutputTokens: false } });
    const answer = await post(gw, '/v1/chat/completions', ask('gpt-4o-mini', { max_tokens: 20_000 }));
    expect(up.requests[0]!.body.max_tokens).toBe(20_000);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ param: 'max_tokens', code: 'invalid_value' });
  });
});

describe('OpenAI callers', () => {
  it('get reasoning_effort and max_tokens fitted to the model (the upstream refuses them otherwise), with warnings', async () => {
    const gw = await gatewayOf();
    const toGpt4o = await post(gw, '/v1/chat/completions', ask('gpt-4o', { reasoning_effort: 'low', max_tokens: 100 }));
    expect(toGpt4o.status).toBe(200);
    expect(toGpt4o.headers.get('x-switchyard-warnings')).toBe('reasoning_effort low dropped (gpt-4o does not reason)');
    const toO3 = await post(gw, '/v1/chat/completions', ask('o3-mini', { max_tokens: 100, reasoning_effort: 'low' }));
    expect(toO3.status).toBe(200);
    expect(toO3.headers.get('x-switchyard-warnings')).toBe(
      'max_tokens sent as max_completion_tokens (o3-mini takes no max_tokens)',
    );
    const [first, second] = up.requests.map((r) => r.body);
    expect(first).toMatchObject({ model: 'gpt-4o', max_tokens: 100 });
    expect(first).not.toHaveProperty('reasoning_effort');
    expect(second).toMatchObject({ model: 'o3-mini', max_completion_tokens: 100, reasoning_effort: 'low' });
    expect(second).not.toHaveProperty('max_tokens');
  });

  it('pass a body the model takes as sent, without warnings', async () => {
    const gw = await gatewayOf();
    const body = ask('o3-mini', { max_completion_tokens: 100, reasoning_effort: 'high' });
    const answer = await post(gw, '/v1/chat/completions', body);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-switchyard-warnings')).toBeNull();
    expect(up.requests[0]!.body).toEqual(body);
  });

  it.each([
    ['off', 'search_parameters dropped (xAI Live Search, asked off; no upstream serves the field)'],
    ['auto', 'search_parameters dropped: xAI Live Search is retired, no search run'],
  ])(
    "lose xAI's search_parameters (mode %s; Grok CLI sends it on every call), which OpenAI refuses, with a warning",
    async (mode, warning) => {
      const gw = await gatewayOf();
      const answer = await post(gw, '/v1/chat/completions', ask('gpt-4o-mini', { search_parameters: { mode } }));
      expect(answer.status).toBe(200);
      expect(up.requests[0]!.body).toEqual(ask('gpt-4o-mini'));
      expect(answer.headers.get('x-switchyard-warnings')).toBe(warning);
    },
  );

  it('are served by every target of an alias, whichever the body was written for', async () => {
    const gw = await gatewayOf({ models: [{ name: 'smart', targets: ['up/gpt-4o', 'up/o3-mini'] }] });
    up.queueFault({ kind: 'status', status: 500 });
    const answer = await post(gw, '/v1/chat/completions', ask('smart', { max_tokens: 100 }));
    expect(answer.status).toBe(200);
    expect(up.requests.map((r) => [r.body.model, r.body.max_tokens, r.body.max_completion_tokens])).toEqual([
      ['gpt-4o', 100, undefined],
      ['o3-mini', undefined, 100],
    ]);
  });

  it('get sampling fields a reasoning model takes only at their defaults dropped, each named', async () => {
    const gw = await gatewayOf({ models: [{ name: 'smart', targets: ['up/gpt-4o', 'up/o3-mini'] }] });
    up.queueFault({ kind: 'status', status: 500 });
    const sampling = { temperature: 0.2, top_p: 0.9, presence_penalty: 0.5, frequency_penalty: 0 };
    const answer = await post(gw, '/v1/chat/completions', ask('smart', sampling));
    expect(answer.status).toBe(200);
    const [toGpt4o, toO3] = up.requests.map((r) => r.body);
    expect(toGpt4o).toMatchObject(sampling);
    expect(toO3).toMatchObject({ model: 'o3-mini', frequency_penalty: 0 });
    for (const field of ['temperature', 'top_p', 'presence_penalty']) expect(toO3).not.toHaveProperty(field);
    expect(answer.headers.get('x-switchyard-warnings')).toBe(
      [
        'temperature 0.2 dropped (o3-mini reasons and takes only the default, 1)',
        'top_p 0.9 dropped (o3-mini reasons and takes only the default, 1)',
        'presence_penalty 0.5 dropped (o3-mini reasons and takes only the default, 0)',
      ].join('; '),
    );
  });

  it('keep temperature for gpt-5.1 told not to reason, and default sampling values, without warnings', async () => {
    const gw = await gatewayOf();
    const none = ask('gpt-5.1', { reasoning_effort: 'none', temperature: 0.2, top_p: 0.9 });
    const defaults = ask('o3-mini', { temperature: 1, top_p: 1 });
    for (const body of [none, defaults]) {
      const answer = await post(gw, '/v1/chat/completions', body);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-switchyard-warnings')).toBeNull();
    }
    expect(up.requests.map((r) => r.body)).toEqual([none, defaults]);
  });

  it('send gpt-5-chat no reasoning_effort (it does not reason) and its temperature as asked', async () => {
    const gw = await gatewayOf();
    const answer = await post(
      gw,
      '/v1/chat/completions',
      ask('gpt-5-chat-latest', { reasoning_effort: 'low', temperature: 0.3, max_tokens: 100 }),
    );
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body).toMatchObject({ temperature: 0.3, max_tokens: 100 });
    expect(up.requests[0]!.body).not.toHaveProperty('reasoning_effort');
    expect(answer.headers.get('x-switchyard-warnings')).toBe(
      'reasoning_effort low dropped (gpt-5-chat-latest does not reason)',
    );
  });

  it('get reasoning_blocks removed from the history, with a warning', async () => {
    const gw = await gatewayOf();
    const body = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: 'Hello!',
          reasoning_blocks: [{ type: 'thinking', thinking: 'greet back', signature: 'sig' }],
        },
        { role: 'user', content: 'again' },
      ],
    };
    const answer = await post(gw, '/v1/chat/completions', body);
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body.messages[1]).toEqual({ role: 'assistant', content: 'Hello!' });
    expect(answer.headers.get('x-switchyard-warnings')).toBe(
      'reasoning blocks in the history dropped (OpenAI Chat Completions takes none back): thinking',
    );
  });
});

describe('Anthropic callers (converted requests)', () => {
  const messages = (model: string, extra: Record<string, unknown> = {}) => ({
    model,
    max_tokens: 2000,
    messages: [{ role: 'user', content: 'hello' }],
    ...extra,
  });
  const thinking = { thinking: { type: 'enabled', budget_tokens: 1024 } };

  it('lose reasoning_effort for a model that does not reason, with a warning', async () => {
    const gw = await gatewayOf({}, protocolAnthropic());
    const answer = await post(gw, '/v1/messages', messages('gpt-4o', thinking));
    expect(answer.status).toBe(200);
    expect(answer.json.content[0]).toEqual({ type: 'text', text: 'up: hello' });
    const sent = up.requests[0]!.body;
    expect(sent).not.toHaveProperty('reasoning_effort');
    expect(sent.max_tokens).toBe(2000);
    expect(answer.headers.get('x-switchyard-warnings')).toContain(
      'reasoning_effort low dropped (gpt-4o does not reason)',
    );
  });

  it('send max_tokens as max_completion_tokens to a reasoning model, reasoning_effort kept', async () => {
    const gw = await gatewayOf({}, protocolAnthropic());
    const answer = await post(gw, '/v1/messages', messages('o3-mini', thinking));
    expect(answer.status).toBe(200);
    const sent = up.requests[0]!.body;
    expect(sent).toMatchObject({ model: 'o3-mini', reasoning_effort: 'low', max_completion_tokens: 2000 });
    expect(sent).not.toHaveProperty('max_tokens');
  });

  it('lose a temperature a reasoning model refuses (as Claude Code may send), with a warning', async () => {
    const gw = await gatewayOf({}, protocolAnthropic());
    const answer = await post(gw, '/v1/messages', messages('o3-mini', { temperature: 0.5 }));
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body).not.toHaveProperty('temperature');
    expect(answer.headers.get('x-switchyard-warnings')).toContain(
      'temperature 0.5 dropped (o3-mini reasons and takes only the default, 1)',
    );
  });

  it('have thinking blocks of the history left out (Chat Completions takes none back)', async () => {
    const gw = await gatewayOf({}, protocolAnthropic());
    const history = {
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'greet back', signature: 'c2lnbmF0dXJl' },
            { type: 'text', text: 'Hello!' },
          ],
        },
        { role: 'user', content: 'again' },
      ],
    };
    const answer = await post(gw, '/v1/messages', messages('gpt-4o-mini', history));
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body.messages[1]).toEqual({ role: 'assistant', content: 'Hello!' });
    expect(answer.headers.get('x-switchyard-warnings')).toContain(
      'reasoning blocks in the history dropped (OpenAI Chat Completions takes none back): thinking',
    );
  });
});
