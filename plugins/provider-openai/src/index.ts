import { fitOutputTokens, instanceHeaderCache, providerPlugin, SwitchyardError } from '@switchyard/core';
import type { Exchange, Gateway, Plugin, UpstreamRequest } from '@switchyard/core';
import { attemptSpeaksResponses, instanceHeaders, openaiAdapter } from './adapter.js';
import { chatBody, responsesBody } from './bodies.js';
import { CONTINUATION } from '@switchyard/wire-openai-responses';
import { optionsOf } from './instance-fields.js';
import { OPENAI_MODELS } from './models.js';

export const PLUGIN = 'provider-openai';
export { OPENAI_MODELS } from './models.js';
export const PROVIDER_TYPE = 'openai';
export { openaiAdapter, instanceHeaders, instanceProperties, protocolFor, attemptSpeaksResponses, RESPONSES_PROTOCOL } from './adapter.js';
export { instanceFields, speaksResponses } from './instance-fields.js';
export type { OpenAIInstanceOptions } from './instance-fields.js';

/** Content type, extra headers, credentials: built once per instance, copied per request. */
const headersFor = instanceHeaderCache((instance) => ({ 'content-type': 'application/json', ...instanceHeaders(instance) }));

/**
 * OpenAI and every OpenAI-compatible API: the body passes through with only `model` and
 * credentials changed (and output tokens fitted to the target model). Responses callers go to
 * `responsesPath` where the instance serves the Responses API, else to Chat Completions in
 * canonical form.
 */
function buildRequest(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const target = x.target!;
  const options = optionsOf(target.instance);
  req.headers = headersFor(target.instance);
  if (req.stream) req.headers.accept = 'text/event-stream';
  const warn = (m: string): void => x.warn(m);
  const fit = (asked: number | undefined, field: string): number | undefined =>
    fitOutputTokens(asked, gateway.modelInfo.forTarget(target), gateway.config.routing.fitOutputTokens, warn, field);
  if (x.operation === 'chat' && attemptSpeaksResponses(x)) {
    req.url = `${target.instance.baseUrl}${options.responsesPath}`;
    const continuation = x.get(CONTINUATION);
    // The instance that keeps the previous response continues it itself: the caller's own body goes.
    const source = continuation?.instance === target.instance.name ? { ...x.body, previous_response_id: continuation.previousResponseId, input: continuation.input } : x.body;
    req.body = responsesBody(source, target.model, fit, warn);
    return req;
  }
  if (x.operation === 'embeddings') {
    req.url = `${target.instance.baseUrl}${options.embeddingsPath}`;
    req.body = { ...x.body, model: target.model };
    return req;
  }
  if (!x.request) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported here`);
  req.url = `${target.instance.baseUrl}${options.chatPath}`;
  req.body = chatBody(x.request, target.model, x.protocol !== 'openai', fit, warn);
  return req;
}

export function openai(): Plugin<Record<string, never>> {
  return providerPlugin({ name: PLUGIN, type: PROVIDER_TYPE, adapter: openaiAdapter, build: buildRequest, models: OPENAI_MODELS });
}

export default openai;
