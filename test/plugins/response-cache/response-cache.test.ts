import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { responseCache } from '@switchyard/plugin-response-cache';
import type { ResponseCachePlugin } from '@switchyard/plugin-response-cache';
import { startMockAnthropic } from '../../support/mock-anthropic.js';
import type { MockAnthropic } from '../../support/mock-anthropic.js';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { until } from '../../support/wait.js';

const ANT_KEY = 'ant-test-upstream-0123456789';
let oai: MockOpenAI;
let ant: MockAnthropic;
let gw: RunningGateway;
let cache: ResponseCachePlugin;
let now = 1_000_000;
let run = 0;

beforeAll(async () => {
  oai = await startMockOpenAI({ name: 'oai' });
  ant = await startMockAnthropic({ name: 'ant', apiKey: ANT_KEY });
  cache = responseCache({ clock: () => now });
  gw = await startGateway(
    {
      providers: [
        mockProvider('oai', oai.baseUrl, { models: ['gpt-4o-mini', 'gpt-4o'] }),
        { name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: ANT_KEY, models: ['claude-sonnet-4-5'] },
      ],
      models: [
        { name: 'fast', targets: ['oai/gpt-4o-mini'] },
        { name: 'smart', targets: ['oai/gpt-4o'] },
      ],
    },
    { plugins: [{ plugin: cache, options: { ttlSeconds: 60 } }] },
  );
});

afterEach(() => {
  oai.reset();
  ant.reset();
});

afterAll(async () => {
  await gw.close();
  await oai.close();
  await ant.close();
});

const oaiCalls = () => oai.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
const antCalls = () => ant.requests.filter((r) => r.path === '/v1/messages').length;
/** A request no other test sends, so each test starts with an empty cache for it. */
const fresh = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  temperature: 0,
  messages: [{ role: 'user', content: `question ${++run}` }],
  ...extra,
});

async function chat(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; cache: string | null; json: any; text: string }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    cache: res.headers.get('x-switchyard-cache'),
    json: body.stream ? undefined : JSON.parse(text),
    text,
  };
}

/** The content, finish reason and id an OpenAI SSE body adds up to. */
function streamContent(text: string): { id: string; content: string; finish: string | null } {
  const chunks = text
    .split('\n\n')
    .filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6)));
  return {
    id: chunks[0].id,
    content: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''),
    finish: chunks.map((c) => c.choices[0]?.finish_reason).find(Boolean) ?? null,
  };
}

describe('response-cache', () => {
  it('answers a repeated deterministic request from the cache: identical content, no upstream call', async () => {
    const body = fresh();
    const first = await chat(body);
    const second = await chat(body);
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(second.json).toEqual(first.json);
    expect(oaiCalls()).toBe(1);
    // `user` and `stream_options` do not change the answer, so they do not change the key.
    const third = await chat({ ...body, user: 'someone-else' });
    expect(third.cache).toBe('hit');
    expect(oaiCalls()).toBe(1);
    // Another parameter is another request.
    expect((await chat({ ...body, max_tokens: 7 })).cache).toBe('miss');
    expect(oaiCalls()).toBe(2);
  });

  it('caches only deterministic requests by default (temperature 0 or a seed)', async () => {
    const plain = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `free ${++run}` }] };
    expect((await chat(plain)).cache).toBe('bypass');
    expect((await chat(plain)).cache).toBe('bypass');
    expect(oaiCalls()).toBe(2);
    const seeded = { ...plain, temperature: 0.9, seed: 42 };
    expect((await chat(seeded)).cache).toBe('miss');
    expect((await chat(seeded)).cache).toBe('hit');
    expect(oaiCalls()).toBe(3);
  });

  it('replays a cached answer as a well-formed OpenAI stream (parsed by the openai SDK stream helper)', async () => {
    const body = fresh();
    const stored = await chat(body);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = client.chat.completions.stream({ ...(body as any), stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(stored.json.choices[0].message.content);
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage).toEqual(stored.json.usage);
    expect(oaiCalls()).toBe(1);
    const raw = await chat({ ...body, stream: true });
    expect(raw.cache).toBe('hit');
    expect(raw.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(raw.text).not.toContain('"usage":{');
  });

  it('stores the answer of a streamed request (captured from the pass-through stream) and serves it as JSON', async () => {
    const body = fresh();
    const streamed = await chat({ ...body, stream: true });
    expect(streamed.cache).toBe('miss');
    const { content } = streamContent(streamed.text);
    const replay = await chat(body);
    expect(replay.cache).toBe('hit');
    expect(replay.json.object).toBe('chat.completion');
    expect(replay.json.choices[0].message.content).toBe(content);
    expect(oaiCalls()).toBe(1);
  });

  it('captures converted answers too: an OpenAI stream served by Anthropic, then replayed as JSON and as a stream', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      temperature: 0,
      messages: [{ role: 'user', content: `converted ${++run}` }],
    };
    const streamed = await chat({ ...body, stream: true });
    expect(streamed.cache).toBe('miss');
    const replay = await chat(body);
    expect(replay.cache).toBe('hit');
    expect(replay.json.choices[0].message.content).toBe(`ant: converted ${run}`);
    expect(replay.json.choices[0].finish_reason).toBe('stop');
    const again = await chat({ ...body, stream: true });
    expect(again.cache).toBe('hit');
    expect(streamContent(again.text)).toEqual(streamContent(streamed.text));
    expect(antCalls()).toBe(1);
  });

  it('replays to Anthropic callers as a Messages stream (parsed by @anthropic-ai/sdk) and as a message', async () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      messages: [{ role: 'user' as const, content: `anthropic ${++run}` }],
    };
    const g = await startGateway(
      {
        providers: [
          { name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: ANT_KEY, models: ['claude-sonnet-4-5'] },
        ],
      },
      { plugins: [{ plugin: responseCache(), options: { cacheable: 'all' } }] },
    );
    try {
      const local = new Anthropic({ baseURL: g.url, apiKey: 'unused', maxRetries: 0 });
      const first = await local.messages.stream(request).finalMessage();
      expect(antCalls()).toBe(1);
      const replayed = await local.messages.stream(request).finalMessage();
      expect(replayed.content).toEqual(first.content);
      expect(replayed.stop_reason).toBe('end_turn');
      expect(replayed.usage.output_tokens).toBe(first.usage.output_tokens);
      const json = await local.messages.create(request);
      expect(json.content).toEqual(first.content);
      expect(antCalls()).toBe(1);
    } finally {
      await g.close();
    }
  });

  it('honours Cache-Control no-store / no-cache and x-switchyard-cache: bypass', async () => {
    const a = fresh();
    expect((await chat(a, { 'cache-control': 'no-store' })).cache).toBe('bypass');
    expect((await chat(a)).cache).toBe('miss'); // no-store stored nothing
    expect((await chat(a, { 'x-switchyard-cache': 'bypass' })).cache).toBe('bypass');
    expect(oaiCalls()).toBe(3);

    const b = fresh();
    expect((await chat(b, { 'cache-control': 'no-cache' })).cache).toBe('bypass');
    expect((await chat(b)).cache).toBe('hit'); // no-cache skips the read, not the write
    expect((await chat(b, { 'cache-control': 'max-age=0, no-cache' })).cache).toBe('bypass');
    expect(oaiCalls()).toBe(5);
  });

  it('expires entries after ttlSeconds on the injected clock', async () => {
    const body = fresh();
    await chat(body);
    now += 59_000;
    expect((await chat(body)).cache).toBe('hit');
    now += 2_000;
    expect((await chat(body)).cache).toBe('miss');
    expect((await chat(body)).cache).toBe('hit');
    expect(oaiCalls()).toBe(2);
  });

  it('never stores errors, cut streams or tool calls', async () => {
    const failing = fresh();
    oai.queueFault({ kind: 'status', status: 400, body: { error: { message: 'bad', type: 'invalid_request_error' } } });
    expect((await chat(failing)).status).toBe(400);
    expect((await chat(failing)).cache).toBe('miss');

    const cut = fresh({ stream: true });
    oai.queueFault({ kind: 'cut', afterChunks: 2 });
    await chat(cut);
    expect((await chat(cut)).cache).toBe('miss');

    const tools = [
      {
        type: 'function',
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const weather = fresh({ messages: [{ role: 'user', content: `What is the weather in Paris? ${++run}` }], tools });
    expect((await chat(weather)).json.choices[0].finish_reason).toBe('tool_calls');
    expect((await chat(weather)).cache).toBe('miss');
    expect(oaiCalls()).toBe(6);
    expect(cache.counts().refused).toBeGreaterThanOrEqual(2);
  });

  it('keys on the model after alias resolution: an alias shares the entry of the target it resolves to, not of another', async () => {
    const body = fresh();
    await chat(body);
    expect((await chat({ ...body, model: 'fast' })).cache).toBe('hit');
    expect((await chat({ ...body, model: 'smart' })).cache).toBe('miss');
    expect((await chat({ ...body, model: 'smart' })).cache).toBe('hit');
    expect(oaiCalls()).toBe(2);
    expect(oai.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body.model)).toEqual([
      'gpt-4o-mini',
      'gpt-4o',
    ]);
  });
});

describe('response-cache scope', () => {
  it('is per gateway key unless shared', async () => {
    const keys = {
      auth: {
        keys: [
          { name: 'app-1', key: 'gw-key-one-0123456789' },
          { name: 'app-2', key: 'gw-key-two-0123456789' },
        ],
      },
    };
    const providers = [mockProvider('oai', oai.baseUrl, { models: ['gpt-4o-mini'] })];
    const ask = async (g: RunningGateway, key: string, body: unknown): Promise<string | null> => {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return res.headers.get('x-switchyard-cache');
    };
    const scoped = await startGateway({ providers, plugins: keys }, { plugins: [responseCache()] });
    const shared = await startGateway(
      { providers, plugins: keys },
      { plugins: [{ plugin: responseCache(), options: { shared: true } }] },
    );
    try {
      const body = fresh();
      expect(await ask(scoped, 'gw-key-one-0123456789', body)).toBe('miss');
      expect(await ask(scoped, 'gw-key-two-0123456789', body)).toBe('miss');
      expect(await ask(scoped, 'gw-key-two-0123456789', body)).toBe('hit');
      expect(await ask(shared, 'gw-key-one-0123456789', body)).toBe('miss');
      expect(await ask(shared, 'gw-key-two-0123456789', body)).toBe('hit');
    } finally {
      await scoped.close();
      await shared.close();
    }
  });

  it('is off in the standard preset until enabled', async () => {
    const g = await startGateway({ providers: [mockProvider('oai', oai.baseUrl, { models: ['gpt-4o-mini'] })] });
    try {
      const body = fresh();
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${g.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.headers.get('x-switchyard-cache')).toBeNull();
      }
      expect(oaiCalls()).toBe(2);
    } finally {
      await g.close();
    }
  });
  it('keeps its memory across a config reload and reports the outcome in the request log line', async () => {
    const { logger, lines } = memoryLogger();
    const config = {
      providers: [mockProvider('oai', oai.baseUrl, { models: ['gpt-4o-mini'] })],
      plugins: { 'response-cache': { enabled: true } },
    };
    const g = await startGateway(config, { logger });
    try {
      const body = fresh();
      const send = () =>
        fetch(`${g.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await send()).headers.get('x-switchyard-cache')).toBe('miss');
      expect((await g.gateway.reload({ ...config, server: { host: '127.0.0.1', port: 0 } })).ok).toBe(true);
      const again = await send();
      expect(again.headers.get('x-switchyard-cache')).toBe('hit');
      expect(oaiCalls()).toBe(1);
      await until(() => lines.filter((l) => l.msg === 'request').length >= 2, { what: 'two request lines' });
      expect(lines.filter((l) => l.msg === 'request').map((l) => l.cache)).toEqual(['miss', 'hit']);
    } finally {
      await g.close();
    }
  });
});
