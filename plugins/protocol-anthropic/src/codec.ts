import { maskText } from '@switchyard/core/config';
import type { ChatCompletionChunk, ProtocolCodec, StreamObservation, Usage } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import type { SwitchyardError } from '@switchyard/core';
import { mapStream, usageCarrier } from '@switchyard/wire-chat';
import {
  AnthropicStreamEncoder,
  anthropicTooLong,
  canonicalToAnthropicMessage,
  canonicalUsageOf,
} from '@switchyard/wire-anthropic';
import type { AnthropicErrorBody, AnthropicUsage } from '@switchyard/wire-anthropic';
import { ANSWER_CONTAINER, containerIdOf, noteAnswerContainer } from './containers.js';

/** Error types Anthropic clients know; anything else is mapped from the status. */
const ANTHROPIC_ERROR_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'timeout_error',
  'overloaded_error',
]);

function errorType(error: SwitchyardError): string {
  if (error.status === 404) return 'not_found_error';
  if (error.status === 413) return 'request_too_large';
  if (ANTHROPIC_ERROR_TYPES.has(error.type)) return error.type;
  switch (error.status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return error.status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

function errorBody(error: SwitchyardError): AnthropicErrorBody {
  return {
    type: 'error',
    error: { type: errorType(error), message: error.expose ? maskText(messageOf(error)) : 'internal gateway error' },
  };
}

/**
 * A prompt too long for the model in Anthropic's words, "prompt is too long: N tokens > M maximum", which
 * Claude Code recognizes (it compacts the conversation), whatever the gateway or the upstream said.
 */
function messageOf(error: SwitchyardError): string {
  const t = error.tooLong;
  if (!t) return error.message;
  if (t.tokens !== undefined && t.maximum !== undefined)
    return `prompt is too long: ${t.estimated ? '~' : ''}${t.tokens} tokens > ${t.maximum} maximum`;
  return /prompt is too long/i.test(error.message) ? error.message : `prompt is too long: ${error.message}`;
}

function usageOfMessage(value: unknown): Usage | undefined {
  const usage = (value as { usage?: Partial<AnthropicUsage> } | null)?.usage;
  return usage && typeof usage === 'object' ? canonicalUsageOf(usage) : undefined;
}

/** A usage object's fields that have a value: a later event's null never erases an earlier count. */
function present(usage: Partial<AnthropicUsage> | undefined): Partial<AnthropicUsage> {
  const out: Partial<AnthropicUsage> = {};
  for (const [key, value] of Object.entries(usage ?? {})) if (value !== null && value !== undefined) out[key] = value;
  return out;
}

/** Usage seen so far in a pass-through stream: message_start's input, message_delta's output. */
const streamUsage = new WeakMap<StreamObservation, Partial<AnthropicUsage>>();

/** The Anthropic Messages wire format, for callers of POST /v1/messages. */
export const anthropicCodec: ProtocolCodec = {
  name: 'anthropic',

  errorBody,

  streamError(error) {
    return `event: error\ndata: ${JSON.stringify(errorBody(error))}\n\n`;
  },

  encodeResponse(completion, x) {
    return canonicalToAnthropicMessage(completion, x.model);
  },

  encodeStream(chunks: AsyncIterable<ChatCompletionChunk>, x, obs: StreamObservation) {
    // Only a request that may search gets citations: the encoder then keeps the text they quote.
    const encoder = new AnthropicStreamEncoder(x.model, x.request?.web_search_options != null);
    return mapStream<ChatCompletionChunk, string>(chunks, {
      each(chunk, out) {
        const text = encoder.push(chunk);
        if (!text) return;
        obs.events++;
        out.push(text);
      },
      end(out) {
        const usage = encoder.usage;
        if (usage) obs.usage = usage;
        obs.events++;
        obs.done = true;
        out.push(encoder.end());
      },
    });
  },

  observe(event: SseEvent, obs: StreamObservation, x) {
    obs.events++;
    const type = event.event;
    if (type === 'message_stop') {
      obs.done = true;
      return;
    }
    if (type !== 'message_start' && type !== 'message_delta' && type !== 'error') return;
    try {
      const data = JSON.parse(event.data) as {
        message?: { usage?: Partial<AnthropicUsage> };
        delta?: unknown;
        usage?: Partial<AnthropicUsage>;
        error?: { message?: unknown; type?: unknown };
      };
      if (type === 'error') {
        obs.error = typeof data.error?.message === 'string' ? data.error.message : 'upstream stream error';
        if (typeof data.error?.type === 'string') obs.errorType = data.error.type;
        const tooLong = anthropicTooLong(obs.error);
        if (tooLong) obs.tooLong = tooLong;
        return;
      }
      const container = containerIdOf(type === 'message_start' ? data.message : data.delta);
      if (container !== undefined) x.set(ANSWER_CONTAINER, container);
      const seen = { ...streamUsage.get(obs), ...present(type === 'message_start' ? data.message?.usage : data.usage) };
      streamUsage.set(obs, seen);
      obs.usage = canonicalUsageOf(seen);
    } catch {
      if (type === 'error') obs.error = 'upstream stream error';
    }
  },

  usageOf(bytes, x) {
    noteAnswerContainer(bytes, x);
    return usageOfMessage(usageCarrier(bytes));
  },
};
