/**
 * Bedrock streams (ConverseStream, InvokeModelWithResponseStream) come as binary
 * `application/vnd.amazon.eventstream` messages: decoded with @smithy's codec into the events of
 * the protocol the attempt speaks. Pure: bytes in, events out.
 */
import type { EventStreamCodec, Message } from '@smithy/eventstream-codec';
import { SwitchyardError } from '@switchyard/core';
import type { SseEvent } from '@switchyard/core/stream';
import { promptTooLongError } from '@switchyard/wire-chat';
import { eventStreamCodec, eventStreams, utf8 } from './aws-libraries.js';
import { bedrockTooLong } from './too-long.js';

let codec: EventStreamCodec | undefined;
/** Stream exceptions that mean "slow down": the attempt is rate limited, not broken. */
const THROTTLED = new Set(['throttlingException', 'serviceQuotaExceededException', 'modelNotReadyException']);

function header(message: Message, name: string): string | undefined {
  const value = message.headers[name]?.value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Each event message → one event named by `:event-type` with its JSON payload as `data`. An
 * InvokeModel `chunk` is unwrapped: its base64 `bytes` are the model's own event (for Claude an
 * Anthropic Messages stream event, named by its `type`). An exception message throws:
 * throttling as SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED, a prompt too long for the model (a
 * validationException saying so) as the caller's error (promptTooLongError), anything else
 * (modelStreamErrorException, validationException, internalServerException, ...) as a broken stream.
 */
export async function* readEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const { toUtf8, fromUtf8 } = utf8();
  codec ??= new (eventStreamCodec().EventStreamCodec)(toUtf8, fromUtf8);
  for await (const bytes of eventStreams().getChunkedStream(body)) {
    const message = codec.decode(bytes);
    const kind = header(message, ':message-type');
    const payload = toUtf8(message.body);
    if (kind === 'event') {
      const type = header(message, ':event-type') ?? '';
      if (type !== 'chunk') {
        yield { event: type, data: payload };
        continue;
      }
      const data = Buffer.from((JSON.parse(payload) as { bytes?: string }).bytes ?? '', 'base64').toString('utf8');
      yield { event: (JSON.parse(data) as { type?: string }).type, data };
    } else {
      const type = header(message, ':exception-type') ?? header(message, ':error-code') ?? 'unknownError';
      const text = messageOf(payload) ?? header(message, ':error-message') ?? 'stream error';
      const tooLong = bedrockTooLong(text);
      if (tooLong) throw promptTooLongError(text, tooLong);
      const code = THROTTLED.has(type) ? 'SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED' : 'SWITCHYARD_ERR_UPSTREAM_FAILED';
      throw new SwitchyardError(code, `Bedrock ${type}: ${text}`, { expose: true });
    }
  }
}

function messageOf(payload: string): string | undefined {
  try {
    const message = (JSON.parse(payload) as { message?: unknown; Message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return payload.trim() || undefined;
  }
}
