/** The mock Anthropic API's checks for what today's clients send: system entries, betas, output limits, thinking signatures. */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED_THINKING_TRIGGER, startMockAnthropic, type MockAnthropic } from './mock-anthropic.js';
import { signThinking, verifyThinking } from './mock-anthropic-thinking.js';

const KEY = 'sk-ant-mock-key';
let mock: MockAnthropic;

beforeAll(async () => {
  mock = await startMockAnthropic({ apiKey: KEY, name: 'm' });
});
afterEach(() => mock.reset());
afterAll(() => mock.close());

const post = (body: unknown, headers: Record<string, string> = {}, path = '/v1/messages?beta=true') =>
  fetch(`${mock.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body),
  });
const base = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

async function refused(body: unknown, headers: Record<string, string> = {}): Promise<string> {
  const res = await post(body, headers);
  expect(res.status).toBe(400);
  const json = (await res.json()) as { type: string; error: { type: string; message: string } };
  expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  return json.error.message;
}

describe('mock Anthropic: what Claude Code sends', () => {
  it('takes role "system" entries in messages, with output_config only under its beta', async () => {
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'system', content: [{ type: 'text', text: 'env' }], output_config: { effort: 'medium' } },
    ];
    expect((await post({ ...base, messages }, { 'anthropic-beta': 'per-turn-control-2026-07-01' })).status).toBe(200);
    expect(await refused({ ...base, messages })).toBe(
      'messages.1.system.output_config: Extra inputs are not permitted',
    );
    expect((await post({ ...base, messages: [messages[0], { role: 'system', content: 'plain' }] })).status).toBe(200);
    expect(await refused({ ...base, messages: [messages[0], { role: 'system' }] })).toContain(
      'a system message needs content or output_config',
    );
  });

  it('takes beta fields only with their anthropic-beta value, and refuses unknown beta values', async () => {
    const context_management = { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] };
    expect(await refused({ ...base, context_management })).toBe('context_management: Extra inputs are not permitted');
    expect(
      (
        await post(
          { ...base, context_management },
          { 'anthropic-beta': 'claude-code-20250219,context-management-2025-06-27' },
        )
      ).status,
    ).toBe(200);
    const deferred = {
      ...base,
      tools: [{ name: 'later', description: 'x', input_schema: { type: 'object' }, defer_loading: true }],
    };
    expect(await refused(deferred)).toBe('tools.0.custom.defer_loading: Extra inputs are not permitted');
    expect((await post(deferred, { 'anthropic-beta': 'advanced-tool-use-2025-11-20' })).status).toBe(200);
    expect(await refused(base, { 'anthropic-beta': 'claude-code-20250219,made-up-2099-01-01' })).toBe(
      'Unexpected value(s) `made-up-2099-01-01` for the `anthropic-beta` header. Please consult our documentation at docs.claude.com or try again without the header.',
    );
  });

  it('takes adaptive thinking with display and output_config.effort; refuses unknown thinking fields', async () => {
    expect(
      (await post({ ...base, thinking: { type: 'adaptive', display: 'omitted' }, output_config: { effort: 'medium' } }))
        .status,
    ).toBe(200);
    expect(await refused({ ...base, thinking: { type: 'adaptive', budget_tokens: 2000 } })).toBe(
      'thinking.adaptive.budget_tokens: Extra inputs are not permitted',
    );
    expect(await refused({ ...base, output_config: { effort: 'extreme' } })).toContain(
      'output_config.effort: Input should be',
    );
  });

  it('refuses max_tokens above the model limit, as the API words it', async () => {
    expect(await refused({ ...base, max_tokens: 128000 })).toBe(
      'max_tokens: 128000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5',
    );
    expect(await refused({ ...base, model: 'claude-opus-4-1-20250805', max_tokens: 64000 })).toContain('> 32000');
    expect((await post({ ...base, max_tokens: 64000 })).status).toBe(200);
    expect((await post({ ...base, model: 'claude-opus-5-5', max_tokens: 128000 })).status).toBe(200);
    const small = await startMockAnthropic({ outputLimits: { 'claude-sonnet-4-5': 1000 } });
    try {
      const res = await fetch(`${small.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ ...base, max_tokens: 1001 }),
      });
      expect(res.status).toBe(400);
    } finally {
      await small.close();
    }
  });
});

describe('mock Anthropic: thinking signatures', () => {
  const client = (): Anthropic => new Anthropic({ baseURL: mock.baseUrl, apiKey: KEY, maxRetries: 0 });
  const tools = [
    {
      name: 'get_weather',
      description: 'Weather',
      input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
    },
  ];

  it('signs thinking so that only the unchanged block verifies', () => {
    const signature = signThinking('I should check the weather.');
    expect(verifyThinking(signature, 'I should check the weather.')).toBe(true);
    expect(verifyThinking(signature, 'I should check the weather!')).toBe(false);
    expect(verifyThinking(signature, '')).toBe(false);
    expect(verifyThinking(signThinking('hidden', true), '')).toBe(true);
    expect(verifyThinking(`${signature.slice(0, -4)}AAAA`, 'I should check the weather.')).toBe(false);
  });

  it('takes its own thinking blocks back byte for byte in a tool round trip, and refuses a changed one', async () => {
    const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
    const first = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking,
      tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    const use = first.content.find((b) => b.type === 'tool_use')!;
    const next = (assistant: unknown[]): unknown => ({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking,
      tools,
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: assistant },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    });
    expect((await post(next(first.content))).status).toBe(200);
    const changed = first.content.map((b) => (b.type === 'thinking' ? { ...b, thinking: `${b.thinking} ` } : b));
    expect(await refused(next(changed))).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
    const resigned = first.content.map((b) => (b.type === 'thinking' ? { ...b, signature: 'c2lnbmF0dXJl' } : b));
    expect(await refused(next(resigned))).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
    // With thinking on, an open tool loop must keep the assistant turn's thinking block.
    expect(await refused(next(first.content.filter((b) => b.type !== 'thinking')))).toContain(
      'Expected `thinking` or `redacted_thinking`, but found `text`',
    );
  });

  it('omits the thinking text under display "omitted" and still verifies the empty block; streams it as a signature delta', async () => {
    const res = await post({ ...base, thinking: { type: 'adaptive', display: 'omitted' }, stream: true });
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => JSON.parse(block.split('\n')[1]!.slice(6)));
    const deltas = events.filter((e) => e.type === 'content_block_delta' && e.index === 0).map((e) => e.delta.type);
    expect(deltas).toEqual(['signature_delta']);
    const signature = events.find((e) => e.delta?.type === 'signature_delta').delta.signature;
    const back = {
      ...base,
      thinking: { type: 'adaptive' },
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: '', signature },
            { type: 'text', text: 'ok' },
          ],
        },
        { role: 'user', content: 'more' },
      ],
    };
    expect((await post(back)).status).toBe(200);
  });

  it('answers the redacted-thinking trigger with an opaque redacted_thinking block that must come back unchanged', async () => {
    const first = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: REDACTED_THINKING_TRIGGER }],
    });
    const redacted = first.content[0] as { type: string; data: string };
    expect(redacted.type).toBe('redacted_thinking');
    const next = (data: string): unknown => ({
      ...base,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data },
            { type: 'text', text: 'ok' },
          ],
        },
        { role: 'user', content: 'y' },
      ],
    });
    expect((await post(next(redacted.data))).status).toBe(200);
    expect(await refused(next(`${redacted.data.slice(0, -4)}AAAA`))).toBe(
      'messages.1.content.0: Invalid `data` in `redacted_thinking` block',
    );
  });

  it('answers as scripted: queued answers first, then the answerer', async () => {
    mock.queueAnswer({ text: 'scripted' });
    mock.setAnswerer(() => ({ toolCalls: [{ name: 'get_weather', input: { city: 'Oslo' } }] }));
    const first = await client().messages.create({ ...base, tools });
    expect(first.content).toEqual([{ type: 'text', text: 'scripted' }]);
    const second = await client().messages.create({ ...base, tools });
    expect(second.stop_reason).toBe('tool_use');
    expect(second.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } });
  });
});
