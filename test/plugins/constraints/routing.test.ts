import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { startMockAnthropic } from '../../support/mock-anthropic.js';
import type { MockAnthropic } from '../../support/mock-anthropic.js';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';

let a: MockOpenAI;
let b: MockOpenAI;
let claude: MockAnthropic;
let gw: RunningGateway;

const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
const tool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } };
const schemaFormat = { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } };

beforeAll(async () => {
  a = await startMockOpenAI({ name: 'a', models: ['text-only', 'mystery'] });
  b = await startMockOpenAI({ name: 'b', models: ['text-only'] });
  claude = await startMockAnthropic();
  gw = await startGateway({
    providers: [
      mockProvider('a', a.baseUrl, { models: ['text-only', 'mystery'] }),
      mockProvider('b', b.baseUrl, { models: ['text-only'], local: true }),
      {
        name: 'claude',
        type: 'anthropic',
        baseUrl: claude.origin,
        apiKey: 'test-anthropic-key',
        models: ['claude-sonnet-4-5'],
      },
    ],
    models: [
      { name: 'cheap', targets: ['a/text-only', 'b/text-only'] },
      { name: 'mixed', targets: ['a/text-only', 'a/mystery'] },
    ],
    catalog: {
      'text-only': { vision: false, tools: false, structuredOutput: false, contextWindow: 50 },
      'a/text-only': { pricing: { input: 10, output: 30 } },
      'b/text-only': { pricing: { input: 0.1, output: 0.4 } },
    },
  });
});
afterEach(() => {
  a.reset();
  b.reset();
  claude.reset();
});
afterAll(async () => {
  await gw.close();
  await a.close();
  await b.close();
  await claude.close();
});

const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const explain = async (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  (await (
    await fetch(`${gw.url}/admin/route/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  ).json()) as {
    targets: string[];
    exclusions: Array<{ target: string; by: string; reason: string }>;
    error?: { status: number; code: string };
  };
const user = (content: unknown) => [{ role: 'user', content }];
const chatsOf = (m: { requests: Array<{ path: string }> }) =>
  m.requests.filter((r) => r.path.endsWith('/chat/completions') || r.path.endsWith('/messages'));

describe('capability filtering', () => {
  it.each([
    ['vision', { messages: user([{ type: 'text', text: 'what is this?' }, image]) }, 'supports vision (image input)'],
    ['tools', { messages: user('hi'), tools: [tool] }, 'supports tools (function calling)'],
    [
      'json_schema',
      { messages: user('hi'), response_format: schemaFormat },
      'supports structured output (response_format json_schema)',
    ],
  ])('answers 400 naming the capability when no target has %s', async (_name, extra, expected) => {
    const res = await chat({ model: 'cheap', ...extra });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; type: string } };
    expect(body.error.code).toBe('capability_unmet');
    expect(body.error.message).toContain(`no target of \`cheap\` ${expected}`);
    expect(chatsOf(a).length + chatsOf(b).length).toBe(0);
  });

  it('answers a prompt longer than every context window with context_length_exceeded, as OpenAI does', async () => {
    const res = await chat({ model: 'cheap', messages: user('word '.repeat(100)) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; type: string } };
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.message).toContain('no target of `cheap` has a context window that large');
    expect(chatsOf(a).length + chatsOf(b).length).toBe(0);
  });

  it('keeps a target whose capability is unknown, and records the exclusion of the one that lacks it', async () => {
    const res = await chat({ model: 'mixed', messages: user([image]) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('a/mystery');
    const plan = await explain({ model: 'mixed', messages: user([image]) });
    expect(plan.targets).toEqual(['a/mystery']);
    expect(plan.exclusions).toEqual([
      { target: 'a/text-only', by: 'capabilities', reason: 'needs vision (image input)', byRequest: true },
    ]);
  });

  it('lets a plain request through to a target that lacks the optional capabilities', async () => {
    const res = await chat({ model: 'cheap', messages: user('hi') });
    expect(res.status).toBe(200);
  });
});

describe('request constraints', () => {
  it('x-switchyard-exclude-providers removes instances by name or type, with the reason in the plan', async () => {
    const res = await chat({ model: 'cheap', messages: user('hi') }, { 'x-switchyard-exclude-providers': 'a' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('b/text-only');
    const plan = await explain({ model: 'cheap', messages: user('hi') }, { 'x-switchyard-exclude-providers': 'a' });
    expect(plan.exclusions).toEqual([
      {
        target: 'a/text-only',
        by: 'constraints',
        reason: 'excluded by x-switchyard-exclude-providers (a)',
        byRequest: true,
      },
    ]);

    const none = await chat({ model: 'cheap', messages: user('hi') }, { 'x-switchyard-exclude-providers': 'openai' });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('constraint_unmet');
  });

  it('x-switchyard-max-cost excludes targets whose blended price is over it', async () => {
    const res = await chat({ model: 'cheap', messages: user('hi') }, { 'x-switchyard-max-cost': '0.001' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('b/text-only');
    const plan = await explain({ model: 'cheap', messages: user('hi') }, { 'x-switchyard-max-cost': '0.001' });
    expect(plan.exclusions[0]).toMatchObject({ target: 'a/text-only', by: 'constraints' });
    expect(plan.exclusions[0]!.reason).toContain('$0.015 per 1k tokens');
  });

  it('x-switchyard-prefer-local puts local instances first', async () => {
    expect((await chat({ model: 'cheap', messages: user('hi') })).headers.get('x-switchyard-target')).toBe(
      'a/text-only',
    );
    const res = await chat({ model: 'cheap', messages: user('hi') }, { 'x-switchyard-prefer-local': 'true' });
    expect(res.headers.get('x-switchyard-target')).toBe('b/text-only');
  });

  it('reads the body `switchyard` object and never sends it upstream (OpenAI pass-through)', async () => {
    const res = await chat({
      model: 'cheap',
      messages: user('hi'),
      switchyard: { excludeProviders: ['a'], tags: ['x'] },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('b/text-only');
    const sent = chatsOf(b as never)[0] as { body: Record<string, unknown>; rawBody: string };
    expect(sent.body.messages).toEqual(user('hi'));
    expect('switchyard' in sent.body).toBe(false);
    expect(sent.rawBody).not.toContain('switchyard');
  });

  it('never sends `switchyard` to an Anthropic upstream, from an Anthropic or an OpenAI caller', async () => {
    const messages = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 50,
        messages: user('hi'),
        switchyard: { strategy: 'cost' },
      }),
    });
    expect(messages.status).toBe(200);
    const completions = await chat({
      model: 'claude-sonnet-4-5',
      messages: user('hi'),
      switchyard: { preferLocal: true },
    });
    expect(completions.status).toBe(200);
    const sent = chatsOf(claude);
    expect(sent).toHaveLength(2);
    for (const r of sent as Array<{ rawBody: string }>) expect(r.rawBody).not.toContain('switchyard');
  });

  it.each([
    [{ 'x-switchyard-max-cost': 'cheap' }, {}, 'x-switchyard-max-cost'],
    [{ 'x-switchyard-max-cost': '-1' }, {}, 'x-switchyard-max-cost'],
    [{ 'x-switchyard-prefer-local': 'maybe' }, {}, 'x-switchyard-prefer-local'],
    [{ 'x-switchyard-exclude-providers': ' , ' }, {}, 'x-switchyard-exclude-providers'],
    [{}, { switchyard: 'cost' }, 'switchyard'],
    [{}, { switchyard: { colour: 'blue' } }, 'switchyard.colour'],
    [{}, { switchyard: { maxCost: '1' } }, 'switchyard.maxCost'],
    [{}, { switchyard: { tags: [1] } }, 'switchyard.tags'],
  ])('refuses a bad value with a 400 naming it (%j %j)', async (headers, extra, field) => {
    const res = await chat({ model: 'cheap', messages: user('hi'), ...extra }, headers as Record<string, string>);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; param: string } };
    expect(body.error.param).toBe(field);
    expect(body.error.message.startsWith(`${field}: `)).toBe(true);
    expect(chatsOf(a).length + chatsOf(b).length).toBe(0);
  });
});
