import type { EmbeddingsRequest } from '@switchyard/core/protocol';
import type { Exchange, ProviderInstance } from '@switchyard/core';
import type { ProviderAdapter, UpstreamClient } from '@switchyard/core/provider';
import {
  classifyGeminiError,
  decodeGeminiStream,
  fromEmbedContent,
  fromGenerateContent,
} from '@switchyard/wire-gemini';
import type { DecodeContext, EmbedContentResponse, GenerateContentResponse } from '@switchyard/wire-gemini';
import { geminiOptions, instanceFields } from './instance-fields.js';

/** The instance fields' JSON Schema properties, as core checks them. */

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
  return {
    fallbackId: x.id,
    model: x.target?.model ?? x.model,
    warn: (m) => x.warn(m),
    grounded: x.request?.web_search_options != null,
  };
}

const MAX_MODEL_PAGES = 20;

export const geminiAdapter: ProviderAdapter = {
  protocol: 'gemini',
  operations: ['chat', 'embeddings'],
  modelPrefixes: ['gemini-'],
  instanceSchema: instanceFields,

  decodeResponse: (body, x) => fromGenerateContent(body as GenerateContentResponse, context(x)),

  // Always with the usage chunk, so the stream is priced; the caller's codec passes it on only when asked.
  decodeStream: (events, x) => decodeGeminiStream(events, context(x), true),

  decodeEmbeddings: (body, x) =>
    fromEmbedContent(
      body as EmbedContentResponse,
      x.target?.model ?? x.model,
      (x.body as EmbeddingsRequest).encoding_format === 'base64',
    ),

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
