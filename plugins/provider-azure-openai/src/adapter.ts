import type { ChatCompletion, ChatCompletionChunk } from '@switchyard/core/protocol';
import type { Exchange, ProviderInstance, Target } from '@switchyard/core';
import type { ProviderAdapter, UpstreamClient, UpstreamErrorInfo } from '@switchyard/core/provider';
import type { SseEvent } from '@switchyard/core/stream';
import { classifyOpenAIError, decodeChatChunks } from '@switchyard/wire-chat';
import { decodeResponsesStream, fromResponseObject, UPSTREAM_RESPONSE } from '@switchyard/wire-openai-responses';
import type { ResponseObject } from '@switchyard/wire-openai-responses';
import { outputFilterWarning, promptFilterMessage } from './content-filter.js';
import { instanceFields, optionsOf } from './instance-fields.js';

/** The instance fields' JSON Schema properties, as core checks them. */

/**
 * `{baseUrl}/openai/deployments/{deployment}/{operation}?api-version=…`, or with apiVersion `v1`
 * `{baseUrl}/openai/v1/{operation}` (the deployment then goes in the body's `model`).
 */
export function azureUrl(
  instance: ProviderInstance,
  deployment: string,
  operation: 'chat/completions' | 'embeddings' | 'responses',
): string {
  const { apiVersion } = optionsOf(instance);
  if (apiVersion === 'v1') return `${instance.baseUrl}/openai/v1/${operation}`;
  // The Responses API is not per deployment: the deployment goes in the body's `model`.
  if (operation === 'responses')
    return `${instance.baseUrl}/openai/responses?api-version=${encodeURIComponent(apiVersion)}`;
  return `${instance.baseUrl}/openai/deployments/${encodeURIComponent(deployment)}/${operation}?api-version=${encodeURIComponent(apiVersion)}`;
}

/** The Responses API's protocol name (@switchyard/protocol-responses). */
const RESPONSES = 'openai-responses';

/** Whether an instance's API version serves the Responses API: `v1`, or a dated version from 2025-03-01-preview on. */
export function servesResponses(instance: ProviderInstance): boolean {
  const { apiVersion } = optionsOf(instance);
  return apiVersion === 'v1' || apiVersion >= '2025-03-01-preview';
}

/** Responses callers keep their protocol where the instance serves it; everyone else speaks Chat Completions. */
export function protocolFor(target: Target, inbound: string): string {
  return inbound === RESPONSES && servesResponses(target.instance) ? RESPONSES : 'openai';
}

const speaksResponses = (x: Exchange): boolean =>
  x.target !== undefined && protocolFor(x.target, x.protocol) === RESPONSES;

/**
 * Azure errors are OpenAI-shaped (a prompt too long for the model says so as OpenAI does). A prompt blocked by the content filter is a business error
 * (400, code content_filter) whose message names the filtered categories and keeps the
 * annotations. 401 and 403 (a refused key or token, a resource closed to this network) are the
 * gateway's own credential problem: a failure, tried elsewhere.
 */
export function classifyAzureError(status: number, body: string): UpstreamErrorInfo {
  const info = classifyOpenAIError(status, body);
  const filtered = promptFilterMessage(body);
  if (filtered)
    Object.assign(info, {
      outcome: 'business_error',
      message: filtered,
      code: 'content_filter',
      type: 'invalid_request_error',
    });
  if (status === 401 || status === 403) info.outcome = 'failure';
  return info;
}

function warnIfFiltered(
  choices: ReadonlyArray<{ finish_reason?: unknown; content_filter_results?: unknown }>,
  x: Exchange,
): void {
  for (const choice of choices)
    if (choice.finish_reason === 'content_filter') x.warn(outputFilterWarning(choice.content_filter_results));
}

/** Chat completion chunks, for callers of another protocol: Azure's prompt-filter chunk (no choices, no usage) is left out. */
function decodeStream(events: AsyncIterable<SseEvent>, x: Exchange): AsyncIterableIterator<ChatCompletionChunk> {
  return decodeChatChunks(events, (chunk) => {
    if (!chunk.choices?.length && !chunk.usage) return false;
    warnIfFiltered(chunk.choices as Array<{ finish_reason?: unknown; content_filter_results?: unknown }>, x);
    return true;
  });
}

/** The adapter, with `credentials` giving an instance's auth header (an Entra token is fetched asynchronously). */
export function azureAdapter(
  credentials: (instance: ProviderInstance) => Promise<Record<string, string>>,
): ProviderAdapter {
  return {
    protocol: 'openai',
    protocolFor,
    operations: ['chat', 'embeddings'],
    instanceSchema: instanceFields,
    decodeResponse(body, x): ChatCompletion {
      if (speaksResponses(x)) {
        x.set(UPSTREAM_RESPONSE, body as ResponseObject);
        return fromResponseObject(body as ResponseObject);
      }
      const completion = body as ChatCompletion;
      if (!completion || !Array.isArray(completion.choices)) throw new Error('not a chat.completion object');
      warnIfFiltered(completion.choices as Array<{ finish_reason?: unknown; content_filter_results?: unknown }>, x);
      return completion;
    },
    decodeStream: (events, x) =>
      speaksResponses(x)
        ? decodeResponsesStream(events, (response) => x.set(UPSTREAM_RESPONSE, response))
        : decodeStream(events, x),
    classifyError: classifyAzureError,
    /**
     * GET {baseUrl}/openai/models (the resource's model list, which proves the endpoint and the
     * credential): the instance serves the keys of its deployments.
     */
    async listModels(instance: ProviderInstance, http: UpstreamClient): Promise<string[]> {
      const { apiVersion, deployments } = optionsOf(instance);
      const url =
        apiVersion === 'v1'
          ? `${instance.baseUrl}/openai/v1/models`
          : `${instance.baseUrl}/openai/models?api-version=${encodeURIComponent(apiVersion)}`;
      const { status } = await http.getJson(
        url,
        { ...instance.headers, ...(await credentials(instance)) },
        instance.timeoutMs,
      );
      if (status !== 200) throw new Error(`model listing answered ${status}`);
      return Object.keys(deployments);
    },
  };
}
