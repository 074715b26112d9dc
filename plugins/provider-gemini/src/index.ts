import { instanceHeaderCache, providerPlugin, SwitchyardError } from '@switchyard/core';
import type { EmbeddingsRequest, Exchange, Plugin, UpstreamRequest } from '@switchyard/core';
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
function buildRequest(req: UpstreamRequest, x: Exchange): UpstreamRequest {
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
  req.body = toGenerateContent(x.request, target.model, geminiOptions(target.instance), warn);
  if (req.stream) {
    req.url = `${modelUrl(target.instance, target.model, 'streamGenerateContent')}?alt=sse`;
    req.headers.accept = 'text/event-stream';
  } else {
    req.url = modelUrl(target.instance, target.model, 'generateContent');
  }
  return req;
}

/** The Google Gemini API (generativelanguage.googleapis.com) as a Switchyard provider type `gemini`. */
export function gemini(): Plugin<Record<string, never>> {
  return providerPlugin({ name: PLUGIN, type: PROVIDER_TYPE, adapter: geminiAdapter, build: buildRequest, models: GEMINI_MODELS });
}

export default gemini;
