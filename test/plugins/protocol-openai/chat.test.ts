/**
 * protocol-openai's chat and embeddings routes. To an OpenAI-compatible upstream (provider-openai)
 * the body passes through untouched but for `model`, unknown fields kept, and the answer comes
 * back as sent; from an upstream of another protocol (the in-test `tiny` provider) the canonical
 * answer is written by the plugin's codec: the usage chunk only for a caller who asked for it,
 * `[DONE]` at the end, an error event when the stream breaks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { models } from '@switchyard/plugin-models';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import { openai } from '@switchyard/provider-openai';
import type { ConfigInput } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '../../support/mock-openai.js';
import { minimalGateway, post, sseData, tinyProvider, type MinimalGateway } from './minimal-gateway.js';

let up: MockOpenAI;
const opened: MinimalGateway[] = [];

beforeAll(async () => {
  // An OpenAI-compatible server, which takes fields it does not know.
  up = await startMockOpenAI({ name: 'up', strictChat: false });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((gw) => gw.close()));
  up.reset();
});
afterAll(() => up.close());

async function gatewayOf(type: 'openai' | 'tiny'): Promise<MinimalGateway> {
  const config = {
    providers: [{ name: 'up', type, baseUrl: up.baseUrl, models: ['gpt-4o-mini', 'text-embedding-3-small'] }],
    models: [{ name: 'smart', targets: ['up/gpt-4o-mini'] }],
  } as ConfigInput;
  const gw = await minimalGateway(config, [models(), protocolOpenAI(), type === 'openai' ? openai() : tinyProvider()]);
  opened.push(gw);
  return gw;
}

const ask = (extra: Record<string, unknown> = {}) => ({
  model: 'smart',
  messages: [{ role: 'user', content: 'hello there' }],
  ...extra,
});
type Chunk = { choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: unknown };
const chunksOf = (text: string): Chunk[] => sseData(text).filter((e): e is Chunk => typeof e === 'object');

describe('to an OpenAI-compatible upstream', () => {
  it('passes the body through untouched but for model, unknown fields (nested too) kept', async () => {
    const gw = await gatewayOf('openai');
    const body = ask({
      temperature: 0.3,
      some_future_field: { keep: [1, 'two', null] },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hello there', future_part_flag: true }], x_tag: 'a' },
      ],
    });
    const answer = await post(gw, '/v1/chat/completions', body);
    expect(answer.status).toBe(200);
    expect(up.requests[0]!.body).toEqual({ ...body, model: 'gpt-4o-mini' });
    expect(answer.json).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      system_fingerprint: 'fp_mock0001',
    });
    expect(answer.json.choices[0].message.content).toBe('up: hello there');
  });

  it('passes an embeddings body through, answered as the upstream answered', async () => {
    const gw = await gatewayOf('openai');
    const answer = await post(gw, '/v1/embeddings', {
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      dimensions: 8,
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 2 } });
    expect(answer.json.data.map((d: any) => d.index)).toEqual([0, 1]);
    expect(up.requests[0]!.body).toEqual({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 8 });
  });
});

describe('answers converted from another protocol', () => {
  it('are chat.completion objects as the upstream decoded them', async () => {
    const gw = await gatewayOf('tiny');
    const answer = await post(gw, '/v1/chat/completions', ask());
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-switchyard-target')).toBe('up/gpt-4o-mini');
    expect(answer.json).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'up: hello there' }, finish_reason: 'stop' }],
      usage: { total_tokens: expect.any(Number) },
    });
  });

  it('stream without the usage chunk, or any usage key, for a caller who did not ask', async () => {
    const gw = await gatewayOf('tiny');
    const answer = await post(gw, '/v1/chat/completions', ask({ stream: true }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(up.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    const events = sseData(answer.text);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = chunksOf(answer.text);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('up: hello there');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
  });

  it('stream the usage chunk last, before [DONE], for a caller who asked', async () => {
    const gw = await gatewayOf('tiny');
    const answer = await post(
      gw,
      '/v1/chat/completions',
      ask({ stream: true, stream_options: { include_usage: true } }),
    );
    const events = sseData(answer.text);
    expect(events.at(-1)).toBe('[DONE]');
    const usageChunk = events.at(-2) as Chunk;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) });
  });

  it('end a stream that breaks after it started with an OpenAI error event, not [DONE]', async () => {
    const gw = await gatewayOf('tiny');
    up.queueFault({ kind: 'cut', afterChunks: 2 });
    const answer = await post(gw, '/v1/chat/completions', ask({ stream: true }));
    expect(answer.status).toBe(200);
    const events = sseData(answer.text);
    expect(events).toHaveLength(3);
    expect(events).not.toContain('[DONE]');
    expect((events[0] as Chunk).choices[0]!.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(Object.keys(events[2] as object)).toEqual(['error']);
    expect((events[2] as { error: unknown }).error).toMatchObject({
      message: expect.stringContaining('upstream stream broke'),
      type: 'upstream_error',
    });
  });
});
