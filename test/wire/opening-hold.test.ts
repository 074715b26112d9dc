/**
 * A decoded upstream stream commits (core writes its first event to the caller) at the first chunk
 * it yields. Each stream decoder holds the chunk its upstream's opening event becomes (a role,
 * an id, a model: nothing for the caller) until the first chunk with something in it, so an error
 * the upstream sends before its first content is thrown before any chunk: the attempt fails over,
 * or the caller gets its protocol's plain HTTP error. Once content comes, the held chunks go out
 * first, in order, and the chunks are the ones the decoder made.
 */
import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '@switchyard/core';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { decodeMessagesStream } from '@switchyard/wire-anthropic';
import { decodeChatChunks, OpeningHold } from '@switchyard/wire-chat';
import { decodeGeminiStream } from '@switchyard/wire-gemini';
import { decodeResponsesStream } from '@switchyard/wire-openai-responses';
import { decodeConverseStream } from '@switchyard/provider-bedrock';

async function* events(list: SseEvent[], then?: () => Promise<never>): AsyncGenerator<SseEvent> {
  yield* list;
  if (then) await then();
}

const named = (type: string, body: Record<string, unknown>): SseEvent => ({
  event: type,
  data: JSON.stringify({ type, ...body }),
});

/** The chunks a stream yields before it ends or throws, and what it threw. */
async function read(
  stream: AsyncIterable<ChatCompletionChunk>,
): Promise<{ chunks: ChatCompletionChunk[]; error?: any }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks };
}

const created = named('response.created', {
  sequence_number: 0,
  response: { id: 'resp_1', object: 'response', model: 'gpt-5', created_at: 7, status: 'in_progress', output: [] },
});
const inProgress = named('response.in_progress', { sequence_number: 1, response: { id: 'resp_1' } });
const delta = (text: string) =>
  named('response.output_text.delta', { sequence_number: 3, item_id: 'msg_1', output_index: 0, delta: text });

const messageStart = named('message_start', {
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [],
    usage: { input_tokens: 5 },
  },
});

describe('a stream decoder throws an error that comes before the first content, having yielded nothing', () => {
  it('Responses: error after response.created and response.in_progress', async () => {
    const error = named('error', { sequence_number: 2, error: { code: 'server_error', message: 'boom' } });
    const { chunks, error: thrown } = await read(decodeResponsesStream(events([created, inProgress, error])));
    expect(chunks).toEqual([]);
    expect(thrown).toBeInstanceOf(SwitchyardError);
    expect(thrown.message).toBe('server_error: boom');
  });

  it('Responses: response.failed after response.created', async () => {
    const failed = named('response.failed', {
      sequence_number: 1,
      response: { id: 'resp_1', status: 'failed', error: { code: 'rate_limit_exceeded', message: 'slow down' } },
    });
    const { chunks, error } = await read(decodeResponsesStream(events([created, failed])));
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({
      message: 'rate_limit_exceeded: slow down',
      code: 'SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED',
    });
  });

  it('Messages: an overloaded_error after message_start and a ping', async () => {
    const error = named('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
    const { chunks, error: thrown } = await read(
      decodeMessagesStream(events([messageStart, named('ping', {}), error])),
    );
    expect(chunks).toEqual([]);
    expect(thrown).toMatchObject({ message: 'overloaded_error: Overloaded', status: 529, type: 'overloaded_error' });
  });

  it('Messages: an error after an empty text block opened', async () => {
    const open = named('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    const error = named('error', { error: { type: 'api_error', message: 'Internal server error' } });
    const { chunks } = await read(decodeMessagesStream(events([messageStart, open, error])));
    expect(chunks).toEqual([]);
  });

  it('Gemini: an error after an event whose candidate has no parts yet', async () => {
    const empty = { data: JSON.stringify({ candidates: [{ index: 0, content: { role: 'model' } }], responseId: 'r' }) };
    const error = { data: JSON.stringify({ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }) };
    const c = { fallbackId: 'req-1', model: 'gemini-2.5-flash', warn: () => undefined };
    const { chunks, error: thrown } = await read(decodeGeminiStream(events([empty, error]), c, false));
    expect(chunks).toEqual([]);
    expect(thrown.message).toMatch(/overloaded/);
  });

  it('Bedrock Converse: an exception after messageStart', async () => {
    const start = { event: 'messageStart', data: JSON.stringify({ role: 'assistant' }) };
    const throttled = () =>
      Promise.reject(new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED', 'Bedrock throttlingException: slow'));
    const c = { id: 'i', model: 'm', warn: () => undefined };
    const { chunks, error } = await read(decodeConverseStream(events([start], throttled), c));
    expect(chunks).toEqual([]);
    expect(error.code).toBe('SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED');
  });

  it('Chat Completions: an error event after the role chunk', async () => {
    const role = {
      data: JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null }],
        usage: null,
      }),
    };
    const error = { data: JSON.stringify({ error: { message: 'The server had an error', code: 'server_error' } }) };
    const { chunks, error: thrown } = await read(decodeChatChunks(events([role, error])));
    expect(chunks).toEqual([]);
    expect(thrown.message).toBe('The server had an error');
  });
});

describe('once content comes, the held chunks go out before it', () => {
  it('Responses: the role chunk (id, model, created) first, then the text, in order', async () => {
    const completed = named('response.completed', {
      sequence_number: 4,
      response: { id: 'resp_1', model: 'gpt-5', status: 'completed', output: [], usage: null },
    });
    const { chunks, error } = await read(decodeResponsesStream(events([created, inProgress, delta('Hi'), completed])));
    expect(error).toBeUndefined();
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hi' },
      {},
      undefined,
    ]);
    expect(chunks[0]).toMatchObject({ id: 'resp_1', model: 'gpt-5', created: 7 });
  });

  it('Messages: the role chunk, then the first text delta', async () => {
    const open = named('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    const text = named('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } });
    const stream = decodeMessagesStream(events([messageStart, open, text], () => new Promise<never>(() => undefined)));
    const first = await stream.next();
    const second = await stream.next();
    await stream.return!();
    expect(first.value).toMatchObject({ id: 'msg_1', model: 'claude-x', choices: [{ delta: { role: 'assistant' } }] });
    expect(second.value.choices[0].delta).toEqual({ content: 'Hello' });
  });

  it('Responses: a keepalive (a model reasoning silently) releases the role chunk: the stream commits', async () => {
    const keepalive = named('keepalive', { sequence_number: 2 });
    let waiting = false;
    const stream = decodeResponsesStream(
      events([created, inProgress, keepalive], () => {
        waiting = true;
        return new Promise<never>(() => undefined);
      }),
    );
    const first = await stream.next();
    expect(first.value).toMatchObject({ id: 'resp_1', choices: [{ delta: { role: 'assistant', content: '' } }] });
    // Yielded before the upstream's next event was waited for.
    expect(waiting).toBe(false);
    await stream.return!();
  });
});

describe('OpeningHold', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatCompletionChunk =>
    ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    }) as ChatCompletionChunk;

  it('holds role-only chunks; anything with content, a finish or usage releases them first', () => {
    const cases: Array<[ChatCompletionChunk, boolean]> = [
      [chunk({ role: 'assistant', content: '', refusal: null }), false],
      [chunk({ content: 'x' }), true],
      [chunk({ reasoning_content: 'thinking' }), true],
      [chunk({ tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '' } }] }), true],
      [chunk({}, 'stop'), true],
      [{ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: null } as never, true],
    ];
    for (const [next, releases] of cases) {
      const hold = new OpeningHold();
      const out: ChatCompletionChunk[] = [];
      const role = chunk({ role: 'assistant', content: '' });
      hold.pass(role, out);
      expect(out).toEqual([]);
      hold.pass(next, out);
      expect(out).toEqual(releases ? [role, next] : []);
      hold.release(out);
      expect(out).toEqual([role, next]);
      hold.pass(chunk({ role: 'assistant' }), out);
      expect(out).toHaveLength(3);
    }
  });
});
