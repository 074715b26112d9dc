import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costOf, tokensOf } from '@switchyard/plugin-pricing/contract';
import { ANTHROPIC_MODELS } from '@switchyard/provider-anthropic';
import { promptCache } from '@switchyard/plugin-prompt-cache';
import { startMockAnthropic } from '../../support/mock-anthropic.js';
import type { MockAnthropic } from '../../support/mock-anthropic.js';
import { startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { breakpointsOf, LONG_SYSTEM, recorder, TOOLS } from './fixtures.js';
import type { Seen } from './fixtures.js';

const KEY = 'ant-test-upstream-0123456789';
let ant: MockAnthropic;
let gw: RunningGateway;
const seen: Seen[] = [];

beforeAll(async () => {
  ant = await startMockAnthropic({ name: 'ant', apiKey: KEY, promptCache: true });
  gw = await startGateway(
    {
      providers: [
        {
          name: 'ant',
          type: 'anthropic',
          baseUrl: ant.baseUrl,
          apiKey: KEY,
          models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
        },
      ],
    },
    { plugins: [recorder(seen)] },
  );
});

afterEach(() => {
  ant.reset();
  seen.length = 0;
});

afterAll(async () => {
  await gw.close();
  await ant.close();
});

const sent = () => ant.requests.filter((r) => r.path === '/v1/messages');

async function chat(body: Record<string, unknown>): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

describe('prompt-cache on Anthropic targets (OpenAI callers, converted requests)', () => {
  it('a 6-turn conversation with tools and a long system prompt: breakpoints on the last tool, the system prompt, the newest message and the previous turn, every prefix written once and read back the next turn', async () => {
    const messages: any[] = [{ role: 'system', content: LONG_SYSTEM }];
    const turns: any[] = [
      { role: 'user', content: 'Hello, let us plan a trip to France.' },
      { role: 'user', content: 'What is the weather in Paris?' },
      'tool-result',
      { role: 'user', content: 'And what about Lyon tomorrow?' },
      { role: 'user', content: 'Thanks. What should I pack?' },
      { role: 'user', content: 'Great, goodbye.' },
    ];
    const usages: any[] = [];
    for (const [turn, next] of turns.entries()) {
      if (next === 'tool-result') {
        const call = messages.at(-1).tool_calls[0];
        messages.push({ role: 'tool', tool_call_id: call.id, content: 'sunny, 21 degrees' });
      } else messages.push(next);
      const { status, json, headers } = await chat({ model: 'claude-sonnet-4-5', messages, tools: TOOLS });
      expect(status).toBe(200);
      const body = sent().at(-1)!.body;
      const last = body.messages.length - 1;
      const lastBlock = body.messages[last].content.length - 1;
      const expected = ['tools.2', 'system.0', `messages.${last}.${lastBlock}`];
      if (turn > 0) {
        // The previous request ended with the message before the newest assistant turn.
        const previous = last - 2;
        const prev = body.messages[previous];
        expected.push(`messages.${previous}.${prev.content.length - 1}`);
      }
      expect(breakpointsOf(body).sort()).toEqual(expected.sort());
      expect(breakpointsOf(body).length).toBeLessThanOrEqual(4);
      expect(body.tools.slice(0, 2).every((t: any) => t.cache_control === undefined)).toBe(true);

      const usage = json.usage;
      usages.push(usage);
      const read = usage.prompt_tokens_details?.cached_tokens ?? 0;
      const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
      expect(headers.get('x-switchyard-prompt-cache')).toBe(`read=${read} write=${written}`);
      messages.push(json.choices[0].message);
    }
    // Turn 1 writes; every later turn reads exactly what the turns before it wrote.
    expect(usages[0].prompt_tokens_details.cached_tokens).toBe(0);
    expect(usages[0].prompt_tokens_details.cache_write_tokens).toBeGreaterThan(1024);
    for (let i = 1; i < usages.length; i++) {
      const before = usages[i - 1].prompt_tokens_details;
      expect(usages[i].prompt_tokens_details.cached_tokens).toBe(before.cached_tokens + before.cache_write_tokens);
      expect(usages[i].prompt_tokens_details.cache_write_tokens).toBeGreaterThan(0);
      expect(usages[i].prompt_tokens_details.cached_tokens / usages[i].prompt_tokens).toBeGreaterThan(0.95);
    }
    const read = usages.reduce((n, u) => n + u.prompt_tokens_details.cached_tokens, 0);
    const prompt = usages.reduce((n, u) => n + u.prompt_tokens, 0);
    expect(read / prompt).toBeGreaterThan(0.7);

    // Exchange stats: reads, writes and savings at the model's cache prices.
    const pricing = ANTHROPIC_MODELS['claude-sonnet-4-5']!.pricing!;
    expect(seen).toHaveLength(6);
    for (const [i, s] of seen.entries()) {
      const details = usages[i].prompt_tokens_details;
      expect(s.stats).toMatchObject({
        breakpoints: i === 0 ? 3 : 4,
        clientBreakpoints: 0,
        readTokens: details.cached_tokens,
        writeTokens: details.cache_write_tokens,
      });
      const uncached = costOf({ input: pricing.input, output: pricing.output }, tokensOf(s.usage!)).usd;
      const actual = costOf(pricing, tokensOf(s.usage!)).usd;
      expect(s.stats!.savedUsd).toBeCloseTo(uncached - actual, 12);
    }
    expect(seen[0]!.stats!.savedUsd).toBeLessThan(0);
    expect(seen[5]!.stats!.savedUsd).toBeGreaterThan(0);
  });

  it('a short prompt gets no breakpoint at all; with a long system prompt, a single short tool still gets none', async () => {
    await chat({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(breakpointsOf(sent()[0]!.body)).toEqual([]);
    expect(sent()[0]!.rawBody).not.toContain('cache_control');
    expect(seen[0]!.stats).toMatchObject({ breakpoints: 0, placed: [] });

    await chat({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: LONG_SYSTEM },
        { role: 'user', content: 'hi' },
      ],
      tools: [TOOLS[2]],
    });
    // The conversation prefix includes the system prompt, so it reaches the minimum too; the single short tool does not.
    expect(breakpointsOf(sent()[1]!.body).sort()).toEqual(['messages.0.0', 'system.0']);
  });

  it('uses the model family minimum: a ~1,900-token system prompt is cached on Sonnet but not on Haiku 4.5 (4096)', async () => {
    await chat({
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'system', content: LONG_SYSTEM },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(breakpointsOf(sent()[0]!.body)).toEqual([]);
    await chat({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: LONG_SYSTEM },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(breakpointsOf(sent()[1]!.body).sort()).toEqual(['messages.0.0', 'system.0']);
  });

  it("keeps an OpenAI caller's own cache_control parts as breakpoints and adds only up to the budget around them", async () => {
    const mark = { type: 'ephemeral', ttl: '1h' };
    await chat({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: [{ type: 'text', text: LONG_SYSTEM, cache_control: mark }] },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'answer' },
        { role: 'user', content: 'second' },
      ],
    });
    const body = sent()[0]!.body;
    expect(body.system).toEqual([{ type: 'text', text: LONG_SYSTEM, cache_control: mark }]);
    expect(breakpointsOf(body).sort()).toEqual(['messages.0.0', 'messages.2.0', 'system.0']);
    expect(seen[0]!.stats).toMatchObject({ clientBreakpoints: 1, placed: ['messages.2', 'messages.0'] });

    const parts = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ type: 'text', text: `part ${i}`, cache_control: { type: 'ephemeral' } }));
    await chat({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: LONG_SYSTEM },
        { role: 'user', content: parts(4) },
      ],
    });
    expect(breakpointsOf(sent()[1]!.body)).toEqual(['messages.0.0', 'messages.0.1', 'messages.0.2', 'messages.0.3']);
    expect(seen[1]!.stats).toMatchObject({ clientBreakpoints: 4, breakpoints: 0 });
  });

  it('streams: usage with cache reads and writes reaches onResult and the caller', async () => {
    const messages = [
      { role: 'system', content: LONG_SYSTEM },
      { role: 'user', content: 'stream please' },
    ];
    const read = async (): Promise<any> => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          messages,
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
      const text = await res.text();
      const events = text
        .split('\n\n')
        .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
        .map((e) => JSON.parse(e.slice(6)));
      return events.at(-1).usage;
    };
    const first = await read();
    const second = await read();
    expect(first.prompt_tokens_details.cache_write_tokens).toBeGreaterThan(1024);
    expect(second.prompt_tokens_details.cached_tokens).toBe(first.prompt_tokens_details.cache_write_tokens);
    expect(seen.map((s) => [s.stream, s.stats?.readTokens, s.stats?.writeTokens])).toEqual([
      [true, 0, first.prompt_tokens_details.cache_write_tokens],
      [true, second.prompt_tokens_details.cached_tokens, 0],
    ]);

    // A caller that did not ask for usage gets none in its stream; core still learns it.
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', messages, stream: true }),
    });
    const text = await res.text();
    expect(text).not.toContain('"usage"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(seen[2]!.usage?.prompt_tokens_details?.cached_tokens).toBe(second.prompt_tokens_details.cached_tokens);
    expect(seen[2]!.stats?.readTokens).toBe(second.prompt_tokens_details.cached_tokens);
  });
});

describe('prompt-cache on Anthropic pass-through (Anthropic callers)', () => {
  const messages = async (body: Record<string, unknown>): Promise<any> => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return res.json();
  };

  it('leaves a request that carries its own cache_control exactly as sent', async () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: [{ type: 'text', text: LONG_SYSTEM }],
      tools: [{ name: 'find_hotels', description: TOOLS[0]!.function.description, input_schema: { type: 'object' } }],
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'first question', cache_control: { type: 'ephemeral', ttl: '5m' } }],
        },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    };
    await messages(request);
    expect(sent()[0]!.body).toEqual(request);
    expect(seen[0]!.stats).toMatchObject({ breakpoints: 0, clientBreakpoints: 1 });
  });

  it('never marks the caller request itself: a failover attempt is marked afresh, not left alone as if the caller had marked it', async () => {
    const local: Seen[] = [];
    const g = await startGateway(
      {
        providers: [
          {
            name: 'ant-a',
            type: 'anthropic',
            baseUrl: ant.baseUrl,
            apiKey: KEY,
            models: ['claude-sonnet-4-5'],
            priority: 1,
          },
          {
            name: 'ant-b',
            type: 'anthropic',
            baseUrl: ant.baseUrl,
            apiKey: KEY,
            models: ['claude-sonnet-4-5'],
            priority: 2,
          },
        ],
      },
      { plugins: [recorder(local)] },
    );
    try {
      ant.queueFault({ kind: 'status', status: 529 });
      const res = await fetch(`${g.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 50,
          system: [{ type: 'text', text: LONG_SYSTEM }],
          messages: [{ role: 'user', content: [{ type: 'text', text: 'again' }] }],
        }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-target')).toBe('ant-b/claude-sonnet-4-5');
      expect(sent().map((r) => breakpointsOf(r.body).sort())).toEqual([
        ['messages.0.0', 'system.0'],
        ['messages.0.0', 'system.0'],
      ]);
      expect(local[0]!.stats).toMatchObject({ breakpoints: 2, clientBreakpoints: 0 });
    } finally {
      await g.close();
    }
  });

  it('reports the cache reads and writes of a pass-through stream (message_start usage) to onResult', async () => {
    const stream = async (): Promise<string> => {
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 50,
          stream: true,
          system: LONG_SYSTEM,
          messages: [{ role: 'user', content: 'stream it' }],
        }),
      });
      return res.text();
    };
    const first = await stream();
    const second = await stream();
    const start = (text: string) => JSON.parse(text.split('\n\n')[0]!.split('\n')[1]!.slice(6)).message.usage;
    expect(start(first).cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(start(second).cache_read_input_tokens).toBe(start(first).cache_creation_input_tokens);
    expect(seen.map((s) => [s.stream, s.stats?.readTokens, s.stats?.writeTokens])).toEqual([
      [true, 0, start(first).cache_creation_input_tokens],
      [true, start(first).cache_creation_input_tokens, 0],
    ]);
    expect(seen[1]!.usage?.prompt_tokens_details?.cached_tokens).toBe(start(first).cache_creation_input_tokens);
  });

  it('marks an unmarked pass-through request without touching the caller fields', async () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: LONG_SYSTEM,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'question' },
            { type: 'text', text: 'more' },
          ],
        },
      ],
      metadata: { user_id: 'u-1' },
    };
    const data = await messages(request);
    const body = sent()[0]!.body;
    expect(breakpointsOf(body).sort()).toEqual(['messages.0.1', 'system.0']);
    expect(body.system).toEqual([{ type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral' } }]);
    expect(body.messages[0].content[0]).toEqual({ type: 'text', text: 'question' });
    expect(body.metadata).toEqual({ user_id: 'u-1' });
    expect(data.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
  });
});

describe('prompt-cache options', () => {
  it('ttl 1h marks every breakpoint with ttl and prices writes at twice the input', async () => {
    const local: Seen[] = [];
    const g = await startGateway(
      {
        providers: [
          { name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: KEY, models: ['claude-sonnet-4-5'] },
        ],
      },
      { plugins: [{ plugin: promptCache(), options: { ttl: '1h' } }, recorder(local)] },
    );
    try {
      await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          messages: [
            { role: 'system', content: LONG_SYSTEM },
            { role: 'user', content: 'hi' },
          ],
        }),
      });
      expect(sent()[0]!.body.system[0].cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
      expect(sent()[0]!.body.messages[0].content[0].cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
      const written = local[0]!.stats!.writeTokens!;
      expect(written).toBeGreaterThan(0);
      expect(local[0]!.stats!.savedUsd).toBeCloseTo((-written * 3) / 1_000_000, 12);
    } finally {
      await g.close();
    }
  });
});
