import { fitOutputTokens, instanceHeaderCache, providerPlugin, SwitchyardError } from '@switchyard/core';
import type { ChatRequest, EmbeddingsRequest, Exchange, Gateway, Plugin, UpstreamRequest } from '@switchyard/core';
import { toEmbedCall, toGenerateContent } from '@switchyard/wire-gemini';
import { geminiAdapter, instanceHeaders, modelUrl } from './adapter.js';
import { geminiOptions } from './instance-fields.js';
import { GEMINI_MODELS } from './models.js';

export const PLUGIN = 'provider-gemini';
export { GEMINI_MODELS } from './models.js';
export const PROVIDER_TYPE = 'gemini';
export { geminiAdapter, instanceHeaders, instanceProperties, modelUrl } from './adapter.js';
export { geminiOptions, instanceFields } from './instance-fields.js';
export type { GeminiInstanceOptions } from './instance-fields.js';
// The conversions live in @switchyard/wire-gemini (shared with Vertex AI); re-exported unchanged.
export {
  toGenerateContent, toContents, imagePart, fromGenerateContent, fromEmbedContent, finishReasonOf, usageOf,
  GeminiStreamDecoder, decodeGeminiStream, toGeminiSchema, toEmbedCall, classifyGeminiError, toolCallId, splitToolCallId,
} from '@switchyard/wire-gemini';
export type * from '@switchyard/wire-gemini';

/** Content type, extra headers, credentials: built once per instance, copied per request. */
const headersFor = instanceHeaderCache((instance) => ({ 'content-type': 'application/json', ...instanceHeaders(instance) }));

/** BUILD: canonical chat → generateContent / streamGenerateContent, or embeddings → (batch)embedContent. */
function buildRequest(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const target = x.target!;
  const warn = (m: string): void => x.warn(m);
  req.headers = headersFor(target.instance);
  if (x.operation === 'embeddings') {
    const call = toEmbedCall(x.body as EmbeddingsRequest, target.model, warn);
    req.url = modelUrl(target.instance, target.model, call.method);
    req.body = call.body;
    req.stream = false;
    return req;
  }
  if (!x.request) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Gemini`);
  req.body = toGenerateContent(fittedRequest(x, gateway), target.model, geminiOptions(target.instance), warn);
  if (req.stream) {
    req.url = `${modelUrl(target.instance, target.model, 'streamGenerateContent')}?alt=sse`;
    req.headers.accept = 'text/event-stream';
  } else {
    req.url = modelUrl(target.instance, target.model, 'generateContent');
  }
  return req;
}

/** The canonical request with its output tokens fitted to the target model (a copy when they change). */
function fittedRequest(x: Exchange, gateway: Gateway): ChatRequest {
  const request = x.request!;
  const asked = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const fitted = fitOutputTokens(asked, gateway.modelInfo.forTarget(x.target!), gateway.config.routing.fitOutputTokens, (m) => x.warn(m), request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens');
  if (fitted === asked) return request;
  return { ...request, max_completion_tokens: fitted, max_tokens: null };
}

/** The Google Gemini API (generativelanguage.googleapis.com) as a Switchyard provider type `gemini`. */
export function gemini(): Plugin<Record<string, never>> {
  return providerPlugin({ name: PLUGIN, type: PROVIDER_TYPE, adapter: geminiAdapter, build: buildRequest, models: GEMINI_MODELS });
}

export default gemini;
