import { maskText } from '../config/mask.js';
import type { SwitchyardError } from '../errors.js';
import type { SseEvent } from '../types.js';
import type { ChatCompletionChunk, Usage } from './canonical.js';
import type { ProtocolCodec, StreamObservation } from './codec.js';

const HAS_USAGE = /"usage"\s*:\s*\{/;
const IS_ERROR = /^\s*\{\s*"error"\s*:/;

function errorObject(error: SwitchyardError): { message: string; type: string; code: string | null; param: string | null } {
  return {
    message: error.expose ? maskText(error.message) : 'internal gateway error',
    type: error.type,
    code: error.publicCode ?? null,
    param: error.param ?? null,
  };
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

  async *encodeStream(chunks: AsyncIterable<ChatCompletionChunk>, x, obs: StreamObservation) {
    // Decoders may always report usage, for core to learn it; the caller sees it only if asked.
    const wantsUsage = x.request?.stream_options?.include_usage === true;
    for await (const chunk of chunks) {
      if (chunk.usage) obs.usage = chunk.usage;
      if (!wantsUsage) {
        if (chunk.usage && chunk.choices.length === 0) continue;
        if (chunk.usage === null) delete chunk.usage;
      }
      obs.events++;
      yield `data: ${JSON.stringify(chunk)}\n\n`;
    }
    obs.done = true;
    yield 'data: [DONE]\n\n';
  },

  observe(event: SseEvent, obs: StreamObservation) {
    obs.events++;
    const data = event.data;
    if (data === '[DONE]') {
      obs.done = true;
      return;
    }
    // Parse only the few events that carry something core reports.
    if (HAS_USAGE.test(data)) {
      try {
        obs.usage = usageFrom(JSON.parse(data)) ?? obs.usage;
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

  usageOf: usageFrom,
};
