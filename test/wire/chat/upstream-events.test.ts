import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { decodeChatChunks, parseStreamEvent } from '@switchyard/wire-chat';

async function* events(...data: string[]): AsyncGenerator<SseEvent> {
  for (const d of data) yield { data: d };
}

const chunk = (content: string): string =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content } }],
  });

async function read(stream: AsyncIterable<ChatCompletionChunk>): Promise<string[]> {
  const seen: string[] = [];
  for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? '');
  return seen;
}

async function failure(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ code: unknown; message: unknown }> {
  try {
    await read(stream);
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return { code: e.code, message: e.message };
  }
  throw new Error('the stream did not fail');
}

describe('decodeChatChunks', () => {
  it('yields the chunks up to [DONE] and nothing after it', async () => {
    expect(await read(decodeChatChunks(events(chunk('a'), chunk('b'), '[DONE]', chunk('late'))))).toEqual(['a', 'b']);
  });

  it('fails the attempt on an error event, with its message', async () => {
    expect(
      await failure(decodeChatChunks(events(chunk('a'), JSON.stringify({ error: { message: 'overloaded' } })))),
    ).toEqual({
      code: 'SWITCHYARD_ERR_UPSTREAM_FAILED',
      message: 'overloaded',
    });
  });

  it('fails the attempt on a stream cut before [DONE] and on unreadable data', async () => {
    expect(await failure(decodeChatChunks(events(chunk('a'))))).toEqual({
      code: 'SWITCHYARD_ERR_UPSTREAM_FAILED',
      message: 'upstream stream ended before [DONE]',
    });
    expect(await failure(decodeChatChunks(events('{"id":')))).toEqual({
      code: 'SWITCHYARD_ERR_UPSTREAM_FAILED',
      message: 'unreadable upstream stream event',
    });
  });

  it('leaves out the chunks keep() refuses', async () => {
    const kept = decodeChatChunks(
      events(chunk('a'), chunk('skip'), chunk('b'), '[DONE]'),
      (c) => c.choices[0]?.delta.content !== 'skip',
    );
    expect(await read(kept)).toEqual(['a', 'b']);
  });
});

describe('parseStreamEvent', () => {
  it('reads JSON, and names the event kind when it cannot', () => {
    expect(parseStreamEvent<{ a: number }>('{"a":1}')).toEqual({ a: 1 });
    expect(() => parseStreamEvent('nope', 'Gemini stream event')).toThrow('unreadable Gemini stream event');
  });
});
