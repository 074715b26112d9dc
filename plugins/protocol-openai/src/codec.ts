import { errorObject, indexOfBytes, mapStream, usageCarrier } from '@switchyard/core';
import type { ChatCompletionChunk, ProtocolCodec, SseEvent, StreamObservation, Usage } from '@switchyard/core';

const HAS_USAGE = /"usage"\s*:\s*\{/;
const IS_ERROR = /^\s*\{\s*"error"\s*:/;
const DONE_BYTES = Buffer.from('[DONE]');
const USAGE_KEY = Buffer.from('"usage"');
const ERROR_KEY = Buffer.from('"error"');

/**
 * Whether a `"usage"` key in `bytes[from..to)` may hold an object: any value but `null`, which
 * every chunk but the last carries. (A value on a `data:` line of its own only costs a decode.)
 */
function mayHaveUsage(bytes: Uint8Array, from: number, to: number): boolean {
  for (let at = indexOfBytes(bytes, USAGE_KEY, from, to); at !== -1; at = indexOfBytes(bytes, USAGE_KEY, at + 1, to)) {
    let i = skipSpace(bytes, at + USAGE_KEY.length, to);
    if (bytes[i] !== 0x3a) continue;
    i = skipSpace(bytes, i + 1, to);
    if (!(bytes[i] === 0x6e && bytes[i + 1] === 0x75 && bytes[i + 2] === 0x6c && bytes[i + 3] === 0x6c)) return true;
  }
  return false;
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
        const parsed = JSON.parse(data) as { error?: { message?: unknown } };
        obs.error = typeof parsed.error?.message === 'string' ? parsed.error.message : 'upstream stream error';
      } catch {
        obs.error = 'upstream stream error';
      }
    }
  },

  // Most chunks carry nothing observe() reports: they pass undecoded.
  wants: (bytes, start, end) =>
    mayHaveUsage(bytes, start, end) ||
    indexOfBytes(bytes, DONE_BYTES, start, end) !== -1 ||
    indexOfBytes(bytes, ERROR_KEY, start, end) !== -1,

  usageOf: (bytes) => usageFrom(usageCarrier(bytes)),
};
