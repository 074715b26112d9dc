import { errorObject } from '@switchyard/core/protocol';
import type { ChatCompletion, ChatCompletionChunk, ProtocolCodec, StreamObservation } from '@switchyard/core/protocol';
import type { Exchange, SwitchyardError } from '@switchyard/core';
import type { SseEvent } from '@switchyard/core/stream';
import { mapStream, openAITooLong } from '@switchyard/wire-chat';
import {
  canonicalUsageOf,
  canonicalUsageOfBody,
  customToolNames,
  newId,
  ResponsesStreamEncoder,
  responsesSse,
  toResponseObject,
  visibleResponse,
} from '@switchyard/wire-openai-responses';
import type { ResponseContext, ResponseObject, ResponsesRequest } from '@switchyard/wire-openai-responses';
import { RESPONSE_ID, SERVED, TURN } from './keys.js';

export const PROTOCOL = 'openai-responses';

/** The id of this exchange's response (minted once; an upstream speaking Responses brings its own). */
export function responseIdOf(x: Exchange): string {
  let id = x.get(RESPONSE_ID);
  if (!id) x.set(RESPONSE_ID, (id = newId('resp')));
  return id;
}

/** What a response built for this exchange echoes and is named. */
export function contextOf(x: Exchange): ResponseContext {
  const turn = x.get(TURN);
  const request = x.body as ResponsesRequest;
  return {
    id: responseIdOf(x),
    createdAt: turn?.createdAt ?? Math.floor(Date.now() / 1000),
    request,
    previousResponseId: turn?.previousResponseId ?? null,
    customTools: customToolNames(request),
  };
}

/** The whole response for a canonical completion, built once per exchange (the store and the answer share it). */
export function servedResponse(x: Exchange, completion: ChatCompletion): ResponseObject {
  const served = x.get(SERVED);
  if (served?.completion === completion) return served.response;
  const response = toResponseObject(completion, contextOf(x));
  x.set(SERVED, { response, completion });
  return response;
}

const TERMINAL = new Set(['response.completed', 'response.incomplete']);
const TYPE = /"type"\s*:\s*"([^"]+)"/;

/** The event's type: its `event:` name, else the `type` near the start of its data (compatible servers may omit `event:`). */
function typeOf(event: SseEvent): string | undefined {
  return event.event ?? TYPE.exec(event.data.slice(0, 200))?.[1];
}

/** An error's code as OpenAI reports it inside a stream. */
function streamCode(error: SwitchyardError): string {
  return error.status === 429
    ? 'rate_limit_exceeded'
    : error.status >= 500
      ? 'server_error'
      : (error.publicCode ?? 'invalid_request_error');
}

/**
 * The Responses wire format for callers of POST /v1/responses. One per plugin instance: streams
 * being encoded (converted answers) and the first event of passed-through streams are kept per
 * stream, so an error ending a stream carries the right `sequence_number` and response.
 */
export function responsesCodec(): ProtocolCodec {
  const encoders = new WeakMap<StreamObservation, ResponsesStreamEncoder>();
  const created = new WeakMap<StreamObservation, ResponseObject>();

  return {
    name: PROTOCOL,

    errorBody(error) {
      return { error: errorObject(error) };
    },

    streamError(error, obs) {
      return streamErrorEvent(error, obs, encoders, created);
    },

    encodeResponse(completion, x) {
      return visibleResponse(servedResponse(x, completion), (x.body as ResponsesRequest).include);
    },

    encodeStream(chunks: AsyncIterable<ChatCompletionChunk>, x, obs) {
      const encoder = new ResponsesStreamEncoder(contextOf(x));
      encoders.set(obs, encoder);
      return mapStream<ChatCompletionChunk, string>(chunks, {
        each(chunk, out) {
          const text = encoder.push(chunk);
          obs.events = encoder.sequence;
          if (text) out.push(text);
        },
        end(out) {
          const last = encoder.end();
          x.set(SERVED, { response: encoder.response! });
          if (encoder.usage) obs.usage = encoder.usage;
          obs.events = encoder.sequence;
          obs.done = true;
          out.push(last);
        },
      });
    },

    observe(event, obs) {
      observeEvent(event, obs, created);
    },

    usageOf(bytes) {
      return canonicalUsageOfBody(bytes);
    },
  };
}

/**
 * The event ending a stream with an error: the encoder's own for a converted answer, else
 * response.failed when the passed-through stream's response is known, else an `error` event.
 */
function streamErrorEvent(
  error: SwitchyardError,
  obs: StreamObservation | undefined,
  encoders: WeakMap<StreamObservation, ResponsesStreamEncoder>,
  created: WeakMap<StreamObservation, ResponseObject>,
): string {
  const message = errorObject(error).message;
  const code = streamCode(error);
  const encoder = obs && encoders.get(obs);
  if (encoder) return encoder.failed(message, code);
  const sequence = obs?.events ?? 0;
  const response = obs && created.get(obs);
  if (response)
    return responsesSse({
      type: 'response.failed',
      sequence_number: sequence,
      response: { ...response, status: 'failed', error: { code, message } },
    });
  return responsesSse({ type: 'error', sequence_number: sequence, code, message, param: null });
}

/** Follows a passed-through stream: its first response (kept in `created`), its error, its end and usage. */
function observeEvent(
  event: SseEvent,
  obs: StreamObservation,
  created: WeakMap<StreamObservation, ResponseObject>,
): void {
  obs.events++;
  const type = typeOf(event);
  if (type !== 'response.created' && type !== 'response.failed' && type !== 'error' && !(type && TERMINAL.has(type)))
    return;
  let data: {
    response?: ResponseObject & { error?: { message?: string; code?: unknown } | null };
    message?: unknown;
    code?: unknown;
    error?: { message?: unknown; code?: unknown };
  };
  try {
    data = JSON.parse(event.data) as typeof data;
  } catch {
    if (type === 'error' || type === 'response.failed') obs.error = 'upstream stream error';
    return;
  }
  if (type === 'response.created') {
    if (data.response) created.set(obs, { ...data.response, output: [] });
  } else if (type === 'response.failed') {
    obs.error = data.response?.error?.message ?? 'the upstream response failed';
    noteTooLong(obs, obs.error, data.response?.error?.code);
  } else if (type === 'error') {
    // Flat (`code`, `message`), or as OpenAI sends it today, nested under `error`.
    const message = data.message ?? data.error?.message;
    obs.error = typeof message === 'string' ? message : 'upstream stream error';
    noteTooLong(obs, obs.error, data.code ?? data.error?.code);
  } else {
    obs.done = true;
    const usage = canonicalUsageOf(data.response?.usage, data.response?.output);
    if (usage) obs.usage = usage;
  }
}

/** Notes an error event refusing the prompt as too long for the model, by its code or its words. */
function noteTooLong(obs: StreamObservation, message: string, code: unknown): void {
  const tooLong = openAITooLong(message, code);
  if (tooLong) obs.tooLong = tooLong;
}
