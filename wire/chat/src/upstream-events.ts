import { SwitchyardError } from '@switchyard/core';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { mapStream } from './map-stream.js';
import { OpeningHold } from './opening-hold.js';
import { promptTooLongError } from '@switchyard/core/provider';
import { openAITooLong } from './too-long.js';

/** A stream the upstream broke (an error event, unreadable data, a cut): the attempt fails as an upstream failure. */
export function upstreamStreamFailure(message: string, cause?: unknown): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', message, {
    expose: true,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** One upstream stream event's JSON data; unreadable data fails the attempt (`what` names the event in the message). */
export function parseStreamEvent<T>(data: string, what = 'upstream stream event'): T {
  try {
    return JSON.parse(data) as T;
  } catch (err) {
    throw upstreamStreamFailure(`unreadable ${what}`, err);
  }
}

/**
 * A Chat Completions event stream as chunks: `[DONE]` ends it; an `error` event, unreadable data
 * or a stream cut before `[DONE]` fails the attempt (an error event refusing the prompt as too
 * long for the model: promptTooLongError). `keep` may inspect each chunk and leave it out by returning false.
 * The role chunk is held until the first chunk with content (OpeningHold): an error event right
 * after it still fails the attempt before the stream commits.
 */
export function decodeChatChunks(
  events: AsyncIterable<SseEvent>,
  keep?: (chunk: ChatCompletionChunk) => boolean,
): AsyncIterableIterator<ChatCompletionChunk> {
  const hold = new OpeningHold();
  return mapStream<SseEvent, ChatCompletionChunk>(events, {
    each(event, out) {
      if (event.data === '[DONE]') {
        hold.release(out);
        return false;
      }
      const chunk = parseStreamEvent<ChatCompletionChunk & { error?: { message?: string; code?: unknown } }>(
        event.data,
      );
      if (chunk.error) {
        const message = chunk.error.message ?? 'upstream stream error';
        const tooLong = openAITooLong(message, chunk.error.code);
        throw tooLong ? promptTooLongError(message, tooLong) : upstreamStreamFailure(message);
      }
      if (keep === undefined || keep(chunk)) hold.pass(chunk, out);
    },
    end() {
      throw upstreamStreamFailure('upstream stream ended before [DONE]');
    },
  });
}
