import { SwitchyardError } from '@switchyard/core';
import type { ChatRequest } from '@switchyard/core/protocol';
import type { Exchange, Gateway, Plugin, UpstreamRequest } from '@switchyard/core';
import { instanceHeaderCache, providerPlugin } from '@switchyard/wire-provider';
import { chatToResponses, CONTINUATION } from '@switchyard/wire-openai-responses';
import { searchesOverResponses } from './search-route.js';
import { attemptSpeaksResponses, instanceHeaders, openaiAdapter } from './adapter.js';
import { responsesBody } from './bodies.js';
import { chatBodyFor } from './chat-body.js';
import { optionsOf } from './instance-fields.js';
import { dropRoutingFields } from './routing-fields.js';
import { refuseCachedContent } from './cached-content.js';
import { builtInModels } from '@switchyard/plugin-models/contract';
import { OPENAI_MODELS } from './models.js';

export const PLUGIN = 'provider-openai';
export { OPENAI_MODELS } from './models.js';
export const PROVIDER_TYPE = 'openai';
export { openaiAdapter, instanceHeaders, protocolFor, attemptSpeaksResponses, RESPONSES_PROTOCOL } from './adapter.js';
export { chatBodyFor } from './chat-body.js';
export { instanceFields, speaksResponses } from './instance-fields.js';
export type { OpenAIInstanceOptions } from './instance-fields.js';

/** Content type, extra headers, credentials: built once per instance, copied per request. */
const headersFor = instanceHeaderCache((instance) => ({
  'content-type': 'application/json',
  ...instanceHeaders(instance),
}));

/**
 * OpenAI and every OpenAI-compatible API: the body passes through with `model` and credentials
 * changed, and a chat body fitted to the target (see chatBodyFor). Responses callers go to
 * `responsesPath` where the instance serves the Responses API, else to Chat Completions in
 * canonical form. A caller of another protocol asking for a web search the target model does
 * only through the Responses API goes there too (see searchesOverResponses).
 */
function buildRequest(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const target = x.target!;
  const options = optionsOf(target.instance);
  req.headers = headersFor(target.instance);
  if (req.stream) req.headers.accept = 'text/event-stream';
  if (x.operation === 'chat' && attemptSpeaksResponses(x)) {
    req.url = `${target.instance.baseUrl}${options.responsesPath}`;
    const continuation = x.get(CONTINUATION);
    // The instance that keeps the previous response continues it itself: the caller's own body goes.
    const source =
      continuation?.instance === target.instance.name
        ? { ...x.body, previous_response_id: continuation.previousResponseId, input: continuation.input }
        : x.body;
    req.body = responsesBody(source, x, gateway);
    dropRoutingFields(req.body as Record<string, unknown>, x, options.allowRoutingFields);
    if (!options.allowCachedContent) refuseCachedContent(req.body as Record<string, unknown>);
    return req;
  }
  if (x.operation === 'chat' && searchesOverResponses(x)) {
    req.url = `${target.instance.baseUrl}${options.responsesPath}`;
    const warn = (m: string): void => x.warn(m);
    req.body = responsesBody(chatToResponses(x.request!, target.model, warn), x, gateway);
    dropRoutingFields(req.body as Record<string, unknown>, x, options.allowRoutingFields);
    if (!options.allowCachedContent) refuseCachedContent(req.body as Record<string, unknown>);
    return req;
  }
  const path = x.operation === 'embeddings' ? options.embeddingsPath : options.chatPath;
  const source = x.operation === 'chat' ? x.request : x.body;
  if (!source) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported here`);
  req.url = `${target.instance.baseUrl}${path}`;
  const body: Record<string, unknown> = { ...source, model: target.model };
  dropRoutingFields(body, x, options.allowRoutingFields);
  if (!options.allowCachedContent) refuseCachedContent(body);
  if (req.stream && options.streamUsage && x.request && x.request.stream_options?.include_usage !== true) {
    body.stream_options = { ...x.request.stream_options, include_usage: true };
  }
  req.body = x.operation === 'chat' ? chatBodyFor(body as ChatRequest, x, gateway) : body;
  return req;
}

export function openai(): Plugin<Record<string, never>> {
  return providerPlugin({
    name: PLUGIN,
    type: PROVIDER_TYPE,
    adapter: openaiAdapter,
    build: buildRequest,
    contributes: [builtInModels(OPENAI_MODELS)],
  });
}

export default openai;
