import type { EmbeddingsRequest, Exchange, ProviderAdapter, ProviderInstance, UpstreamClient } from '@switchyard/core';
import { classifyGeminiError, decodeGeminiStream, fromEmbedContent, fromGenerateContent } from '@switchyard/wire-gemini';
import type { DecodeContext, EmbedContentResponse, GenerateContentResponse, GeminiConvertOptions } from '@switchyard/wire-gemini';

/** Per-instance fields a `type: gemini` provider entry may set, after defaults. */
export interface GeminiInstanceOptions extends GeminiConvertOptions {
  /** API version path segment. */
  apiVersion: string;
}

/** Instance fields a `type: gemini` provider entry may add to the common ones. */
export const instanceProperties = {
  apiVersion: { type: 'string', default: 'v1beta', description: 'API version path segment: {baseUrl}/{apiVersion}/models/{model}:generateContent.' },
  jsonSchema: {
    enum: ['convert', 'native'],
    default: 'convert',
    description:
      'convert: tool and response JSON Schemas are turned into the OpenAPI subset every Gemini model accepts (parameters, responseSchema), dropped keywords named in warnings; native: sent unchanged as parametersJsonSchema / responseJsonSchema (Gemini 2.5 and later).',
  },
  includeThoughts: { type: 'boolean', default: false, description: 'With reasoning_effort, ask Gemini for thought summaries and return them as reasoning_content.' },
} as const;

/** The instance's options with defaults filled in. */
export function geminiOptions(instance: ProviderInstance): GeminiInstanceOptions {
  const o = instance.options as Partial<GeminiInstanceOptions>;
  return { apiVersion: o.apiVersion ?? 'v1beta', jsonSchema: o.jsonSchema ?? 'convert', includeThoughts: o.includeThoughts ?? false };
}

/** Headers for every call to an instance: its extra headers, then the key (never in the query string). */
export function instanceHeaders(instance: ProviderInstance): Record<string, string> {
  const headers: Record<string, string> = { ...instance.headers };
  if (instance.apiKey) headers['x-goog-api-key'] = instance.apiKey;
  return headers;
}

/** `{baseUrl}/{apiVersion}/models/{model}:{method}`; a configured `models/` prefix is tolerated. */
export function modelUrl(instance: ProviderInstance, model: string, method: string): string {
  const id = model.startsWith('models/') ? model.slice('models/'.length) : model;
  return `${instance.baseUrl}/${geminiOptions(instance).apiVersion}/models/${encodeURIComponent(id)}:${method}`;
}

function context(x: Exchange): DecodeContext {
  return { fallbackId: x.id, model: x.target?.model ?? x.model, warn: (m) => x.warn(m) };
}

const MAX_MODEL_PAGES = 20;

export const geminiAdapter: ProviderAdapter = {
  protocol: 'gemini',
  operations: ['chat', 'embeddings'],
  modelPrefixes: ['gemini-'],
  instanceProperties,

  decodeResponse: (body, x) => fromGenerateContent(body as GenerateContentResponse, context(x)),

  decodeStream: (events, x) => decodeGeminiStream(events, context(x), x.request?.stream_options?.include_usage === true),

  decodeEmbeddings: (body, x) =>
    fromEmbedContent(body as EmbedContentResponse, x.target?.model ?? x.model, (x.body as EmbeddingsRequest).encoding_format === 'base64'),

  classifyError: classifyGeminiError,

  /** GET {baseUrl}/{apiVersion}/models, every page; ids without the `models/` prefix. */
  async listModels(instance: ProviderInstance, http: UpstreamClient): Promise<string[]> {
    const ids: string[] = [];
    let token = '';
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = `pageSize=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
      const url = `${instance.baseUrl}/${geminiOptions(instance).apiVersion}/models?${query}`;
      const { status, json } = await http.getJson(url, instanceHeaders(instance), instance.timeoutMs);
      const body = json as { models?: Array<{ name?: unknown }>; nextPageToken?: unknown } | undefined;
      if (status !== 200 || !Array.isArray(body?.models)) throw new Error(`model listing answered ${status}`);
      for (const m of body.models) if (typeof m.name === 'string') ids.push(m.name.replace(/^models\//, ''));
      if (typeof body.nextPageToken !== 'string' || !body.nextPageToken) break;
      token = body.nextPageToken;
    }
    return ids;
  },
};
