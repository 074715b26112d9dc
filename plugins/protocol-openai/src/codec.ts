import { errorObject } from '@switchyard/core/protocol';
import type { ChatCompletionChunk, ProtocolCodec, StreamObservation, Usage } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { mapStream, openAITooLong, usageCarrier } from '@switchyard/wire-chat';

const HAS_USAGE = /"usage"\s*:\s*\{/;
const IS_ERROR = /^\s*\{\s*"error"\s*:/;
const USAGE_KEY = Buffer.from('"usage"');
const ERROR_KEY = Buffer.from('"error"');
const DATA = Buffer.from('data:');

/**
 * Whether observe() needs the event `bytes[start..end)`: anything but a `data:` line holding an
 * object without an `"error"` key first (IS_ERROR) and whose `"usage"` keys, if any, hold `null`
 * (as every chunk but the last does). `[DONE]`, other framings and other values are decoded.
 */
function wanted(bytes: Uint8Array, start: number, end: number): boolean {
  if (!at(bytes, start, DATA, end)) return true;
  let i = start + DATA.length;
  if (bytes[i] === 0x20) i++;
  i = skipSpace(bytes, i, end);
  if (bytes[i] !== 0x7b) return true;
  if (at(bytes, skipSpace(bytes, i + 1, end), ERROR_KEY, end)) return true;
  for (let key = find(bytes, USAGE_KEY, i, end); key !== -1; key = find(bytes, USAGE_KEY, key + 1, end)) {
    let j = skipSpace(bytes, key + USAGE_KEY.length, end);
    if (bytes[j] !== 0x3a) continue;
    j = skipSpace(bytes, j + 1, end);
    // A value on a `data:` line of its own reads as not null: it is decoded.
    if (!(bytes[j] === 0x6e && bytes[j + 1] === 0x75 && bytes[j + 2] === 0x6c && bytes[j + 3] === 0x6c)) return true;
  }
  return false;
}

/** Whether `needle` starts at `bytes[i]`, within `end`. */
function at(bytes: Uint8Array, i: number, needle: Uint8Array, end: number): boolean {
  if (i + needle.length > end) return false;
  for (let k = 0; k < needle.length; k++) if (bytes[i + k] !== needle[k]) return false;
  return true;
}

/** Where `needle` first occurs in `bytes[from..to)`, or -1. */
function find(bytes: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  // Natively when little lies past `to` (an event that ends its chunk, the usual case): the
  // native search does not stop at `to`.
  if (bytes.length - to <= 1024 && Buffer.isBuffer(bytes)) {
    const found = bytes.indexOf(needle, from);
    return found !== -1 && found + needle.length <= to ? found : -1;
  }
  for (let i = from; i + needle.length <= to; i++) if (at(bytes, i, needle, to)) return i;
  return -1;
}

function skipSpace(bytes: Uint8Array, i: number, to: number): number {
  while (i < to && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return i;
}

function usageFrom(value: unknown): Usage | undefined {
  const usage = (value as { usage?: unknown } | null)?.usage;
  return usage && typeof usage === 'object' ? (usage as Usage) : undefined;
}

/** The OpenAI Chat Completions wire format, which is also the canonical one. */
export const openaiCodec: ProtocolCodec = {
  name: 'openai',

  errorBody(error) {
    return { error: errorObject(error) };
  },

  streamError(error) {
    return `data: ${JSON.stringify({ error: errorObject(error) })}\n\n`;
  },

  encodeResponse(completion) {
    return completion;
  },

  encodeStream(chunks: AsyncIterable<ChatCompletionChunk>, x, obs: StreamObservation) {
    // Decoders may always report usage, for core to learn it; the caller sees it only if asked.
    const wantsUsage = x.request?.stream_options?.include_usage === true;
    return mapStream<ChatCompletionChunk, string>(chunks, {
      each(chunk, out) {
        if (chunk.usage) obs.usage = chunk.usage;
        if (!wantsUsage) {
          if (chunk.usage && chunk.choices.length === 0) return;
          if (chunk.usage === null) delete chunk.usage;
        }
        obs.events++;
        out.push(`data: ${JSON.stringify(chunk)}\n\n`);
      },
      end(out) {
        obs.done = true;
        out.push('data: [DONE]\n\n');
      },
    });
  },

  observe(event: SseEvent, obs: StreamObservation, x) {
    obs.events++;
    const data = event.data;
    if (data === '[DONE]') {
      obs.done = true;
      return;
    }
    // Parse only the few events that carry something core reports.
    if (HAS_USAGE.test(data)) {
      try {
        const chunk = JSON.parse(data) as { usage?: unknown; choices?: unknown };
        const usage = usageFrom(chunk);
        if (usage) obs.usage = usage;
        // The usage chunk a provider asked for on the gateway's behalf (to price the stream) is not the caller's to see.
        if (
          usage &&
          Array.isArray(chunk.choices) &&
          chunk.choices.length === 0 &&
          x.request?.stream_options?.include_usage !== true
        )
          return false;
      } catch {
        /* a malformed event is the client's to see; usage stays unknown */
      }
    } else if (IS_ERROR.test(data)) {
      try {
        const parsed = JSON.parse(data) as { error?: { message?: unknown; code?: unknown } };
        obs.error = typeof parsed.error?.message === 'string' ? parsed.error.message : 'upstream stream error';
        const tooLong = openAITooLong(obs.error, parsed.error?.code);
        if (tooLong) obs.tooLong = tooLong;
      } catch {
        obs.error = 'upstream stream error';
      }
    }
  },

  // Most chunks carry nothing observe() reports: they pass undecoded.
  wants: wanted,

  usageOf: (bytes) => usageFrom(usageCarrier(bytes)),
};
