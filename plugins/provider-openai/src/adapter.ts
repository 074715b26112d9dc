import type { ChatCompletion } from '@switchyard/core/protocol';
import type { Exchange, ProviderInstance, Target } from '@switchyard/core';
import type { ListedModel, ProviderAdapter, UpstreamClient } from '@switchyard/core/provider';
import { classifyOpenAIError, decodeChatChunks } from '@switchyard/wire-chat';
import { decodeResponsesStream, fromResponseObject, UPSTREAM_RESPONSE } from '@switchyard/wire-openai-responses';
import type { ResponseObject } from '@switchyard/wire-openai-responses';
import { instanceFields, optionsOf, speaksResponses } from './instance-fields.js';
import { searchAttempt, searchesOverResponsesOn } from './search-route.js';

/** The Responses API's protocol name (@switchyard/protocol-responses). */
export const RESPONSES_PROTOCOL = 'openai-responses';

/**
 * The wire protocol an attempt on `target` speaks for a caller of `inbound`: Responses callers keep
 * theirs where the instance serves it; given the exchange, another protocol's web search sent over
 * the Responses API (searchesOverResponses) speaks it too.
 */
export function protocolFor(target: Target, inbound: string, x?: Exchange): string {
  if (inbound === RESPONSES_PROTOCOL && speaksResponses(target.instance)) return RESPONSES_PROTOCOL;
  return x !== undefined && searchesOverResponsesOn(target, x) ? RESPONSES_PROTOCOL : 'openai';
}

/** True when this exchange's current attempt speaks the Responses API (its answers are Responses objects and events). */
export function attemptSpeaksResponses(x: Exchange): boolean {
  return x.target !== undefined && protocolFor(x.target, x.protocol) === RESPONSES_PROTOCOL;
}

/** The instance fields' JSON Schema properties, as core checks them. */

/** Headers for every call to an instance: its extra headers, then credentials. */
export function instanceHeaders(instance: ProviderInstance): Record<string, string> {
  const options = optionsOf(instance);
  const headers: Record<string, string> = { ...instance.headers };
  if (instance.apiKey) {
    const name = options.authHeader.toLowerCase();
    headers[name] = name === 'authorization' ? `Bearer ${instance.apiKey}` : instance.apiKey;
  }
  if (options.organization) headers['openai-organization'] = options.organization;
  if (options.project) headers['openai-project'] = options.project;
  return headers;
}

export const openaiAdapter: ProviderAdapter = {
  protocol: 'openai',
  protocolFor,
  operations: ['chat', 'embeddings'],
  modelPrefixes: ['gpt-', 'chatgpt-', 'o1', 'o3', 'o4-', 'text-embedding-'],
  instanceSchema: instanceFields,

  decodeResponse(body, x) {
    if (attemptSpeaksResponses(x)) {
      x.set(UPSTREAM_RESPONSE, body as ResponseObject);
      return fromResponseObject(body as ResponseObject);
    }
    if (searchAttempt(x)) return fromResponseObject(body as ResponseObject);
    const completion = body as ChatCompletion;
    if (!completion || !Array.isArray(completion.choices)) throw new Error('not a chat.completion object');
    return completion;
  },

  decodeStream: (events, x) =>
    attemptSpeaksResponses(x)
      ? decodeResponsesStream(events, (response) => x.set(UPSTREAM_RESPONSE, response))
      : searchAttempt(x)
        ? decodeResponsesStream(events)
        : decodeChatChunks(events),
  classifyError: classifyOpenAIError,

  async listModels(instance: ProviderInstance, http: UpstreamClient): Promise<string[]> {
    return (await describeModels(instance, http)).map((m) => m.id);
  },
  describeModels,
};

/**
 * GET {baseUrl}/models. Compatible servers often say more than OpenAI does: a context window as
 * `context_length` (OpenRouter, LM Studio), `max_model_len` (vLLM) or `context_window` (Groq).
 */
async function describeModels(instance: ProviderInstance, http: UpstreamClient): Promise<ListedModel[]> {
  const { status, json } = await http.getJson(
    `${instance.baseUrl}${optionsOf(instance).modelsPath}`,
    instanceHeaders(instance),
    instance.timeoutMs,
  );
  const data = (json as { data?: Array<Record<string, unknown>> } | undefined)?.data;
  if (status !== 200 || !Array.isArray(data)) throw new Error(`model listing answered ${status}`);
  return data.flatMap((m) => {
    if (typeof m.id !== 'string') return [];
    const window = [m.context_length, m.max_model_len, m.context_window].find(
      (v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0,
    );
    return [window === undefined ? { id: m.id } : { id: m.id, info: { contextWindow: window } }];
  });
}
