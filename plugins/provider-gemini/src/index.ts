import { SwitchyardError } from '@switchyard/core';
import { instanceHeaderCache, providerPlugin } from '@switchyard/wire-provider';
import { builtInModels, MODEL_INFO, targetOutputTokens } from '@switchyard/plugin-models/contract';
import type { ChatRequest, EmbeddingsRequest } from '@switchyard/core/protocol';
import type { Exchange, Gateway, Plugin, UpstreamRequest } from '@switchyard/core';
import { toEmbedCall, toGenerateContent } from '@switchyard/wire-gemini';
import { geminiAdapter, instanceHeaders, modelUrl } from './adapter.js';
import { geminiOptions } from './instance-fields.js';
import { GEMINI_MODELS } from './models.js';

export const PLUGIN = 'provider-gemini';
export { GEMINI_MODELS } from './models.js';
export const PROVIDER_TYPE = 'gemini';
export { geminiAdapter, instanceHeaders, modelUrl } from './adapter.js';
export { geminiOptions, instanceFields } from './instance-fields.js';
export type { GeminiInstanceOptions } from './instance-fields.js';
// The conversions live in @switchyard/wire-gemini (shared with Vertex AI); re-exported unchanged.
export {
  toGenerateContent,
  toContents,
  imagePart,
  fromGenerateContent,
  fromEmbedContent,
  finishReasonOf,
  usageOf,
  GeminiStreamDecoder,
  decodeGeminiStream,
  toGeminiSchema,
  toEmbedCall,
  classifyGeminiError,
  toolCallId,
  splitToolCallId,
} from '@switchyard/wire-gemini';
export type * from '@switchyard/wire-gemini';

/** Content type, extra headers, credentials: built once per instance, copied per request. */
const headersFor = instanceHeaderCache((instance) => ({
  'content-type': 'application/json',
  ...instanceHeaders(instance),
}));

/**
 * What the target takes of a chat request: no `reasoning_effort` for a model known not to think
 * (Gemini before 2.5 refuses thinkingConfig). The same request when nothing changes.
 */
function forModel(request: ChatRequest, x: Exchange, gateway: Gateway): ChatRequest {
  if (request.reasoning_effort == null || gateway.contract(MODEL_INFO)?.forTarget(x.target!)?.reasoning !== false)
    return request;
  x.warn(`reasoning_effort ${request.reasoning_effort} dropped (${x.target!.model} does not think)`);
  const { reasoning_effort: _dropped, ...rest } = request;
  return rest as ChatRequest;
}

/** BUILD: canonical chat → generateContent / streamGenerateContent (output tokens fitted to the model), or embeddings → (batch)embedContent. */
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
  const body = toGenerateContent(forModel(x.request, x, gateway), target.model, geminiOptions(target.instance), warn);
  const asked = body.generationConfig?.maxOutputTokens;
  if (body.generationConfig && typeof asked === 'number') {
    body.generationConfig.maxOutputTokens = targetOutputTokens(
      gateway,
      x,
      asked,
      x.request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens',
    );
  }
  req.body = body;
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
  return providerPlugin({
    name: PLUGIN,
    type: PROVIDER_TYPE,
    adapter: geminiAdapter,
    build: buildRequest,
    contributes: [builtInModels(GEMINI_MODELS)],
  });
}

export default gemini;
