import { exchangeKey } from '@switchyard/core';
import type { Exchange, ProviderAdapter, ProviderInstance, Target, UpstreamErrorInfo } from '@switchyard/core';
import type { AnthropicMessage } from '@switchyard/wire-anthropic';
import { classifyAnthropicError, decodeMessagesStream, fromMessagesResponse } from '@switchyard/wire-anthropic';
import { classifyGeminiError, decodeGeminiStream, fromGenerateContent } from '@switchyard/wire-gemini';
import type { DecodeContext, GenerateContentResponse, GeminiConvertOptions } from '@switchyard/wire-gemini';
import type { GoogleCredentialOptions } from './auth.js';

export const DEFAULT_ANTHROPIC_VERSION = 'vertex-2023-10-16';
/** The forced JSON tool of this exchange's Claude request, when response_format used one. */
export const JSON_TOOL_KEY = exchangeKey<string>('provider-vertex:json-tool');

/** Instance fields a `type: vertex` provider entry may add to the common ones. */
export const instanceProperties = {
  project: { type: 'string', minLength: 1, description: 'Google Cloud project id.' },
  location: { type: 'string', minLength: 1, description: 'Vertex AI location: a region (us-central1, europe-west4, ...) or global.' },
  apiVersion: { type: 'string', default: 'v1', description: 'Vertex AI API version path segment (v1 or v1beta1).' },
  credentials: { type: 'object', description: 'Service-account (or authorized-user) JSON key, inline; default: keyFile, else application-default credentials.' },
  keyFile: { type: 'string', minLength: 1, description: 'Path to a service-account JSON key file.' },
  scopes: { type: 'array', items: { type: 'string' }, default: ['https://www.googleapis.com/auth/cloud-platform'], description: 'OAuth scopes of the access token.' },
  tokenRefreshMs: { type: 'integer', minimum: 0, default: 300000, description: 'Fetch a new access token this long before the current one expires.' },
  anthropicVersion: { type: 'string', default: DEFAULT_ANTHROPIC_VERSION, description: 'anthropic_version of rawPredict bodies for Claude models.' },
  defaultMaxTokens: { type: 'integer', minimum: 1, default: 4096, description: 'Claude max_tokens when an OpenAI caller sets none.' },
  jsonSchema: { enum: ['convert', 'native'], default: 'convert', description: 'Gemini: JSON Schemas converted to Gemini\'s subset, or sent natively (parametersJsonSchema / responseJsonSchema).' },
  includeThoughts: { type: 'boolean', default: false, description: 'Gemini: with reasoning_effort, return thought summaries as reasoning_content.' },
} as const;

export interface VertexInstanceOptions extends GoogleCredentialOptions, GeminiConvertOptions {
  project: string;
  location: string;
  apiVersion: string;
  scopes: string[];
  tokenRefreshMs: number;
  anthropicVersion: string;
  defaultMaxTokens: number;
}

export function optionsOf(instance: ProviderInstance): VertexInstanceOptions {
  const o = instance.options as Partial<VertexInstanceOptions>;
  return {
    ...o,
    project: o.project ?? '',
    location: o.location ?? '',
    apiVersion: o.apiVersion ?? 'v1',
    scopes: o.scopes ?? [...instanceProperties.scopes.default],
    tokenRefreshMs: o.tokenRefreshMs ?? instanceProperties.tokenRefreshMs.default,
    anthropicVersion: o.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION,
    defaultMaxTokens: o.defaultMaxTokens ?? instanceProperties.defaultMaxTokens.default,
    jsonSchema: o.jsonSchema ?? 'convert',
    includeThoughts: o.includeThoughts ?? false,
  };
}

/** Claude on Vertex (`claude-…`, usually with an `@version`): Anthropic's publisher. */
export function isClaude(model: string): boolean {
  return model.startsWith('claude-');
}

/** Claude speaks Anthropic Messages (rawPredict): pass-through for Anthropic callers; other models speak Gemini. */
export function protocolFor(target: Target): string {
  return isClaude(target.model) ? 'anthropic' : 'gemini';
}

/** `{baseUrl}/{apiVersion}/projects/{p}/locations/{l}/publishers/{google|anthropic}/models/{model}:{method}`, the model percent-encoded. */
export function modelUrl(instance: ProviderInstance, model: string, method: string): string {
  const o = optionsOf(instance);
  const publisher = isClaude(model) ? 'anthropic' : 'google';
  return `${instance.baseUrl}/${o.apiVersion}/projects/${encodeURIComponent(o.project)}/locations/${encodeURIComponent(o.location)}/publishers/${publisher}/models/${encodeURIComponent(model)}:${method}`;
}

function geminiContext(x: Exchange): DecodeContext {
  return { fallbackId: x.id, model: x.target?.model ?? x.model, warn: (m) => x.warn(m) };
}

/**
 * Google errors (`{"error":{"code","message","status"}}`) and, from Claude's rawPredict,
 * Anthropic errors. 401 and 403 (PERMISSION_DENIED: the service account lacks a role, the API is
 * off, the project is wrong) are the gateway's own credential problem: a failure, tried
 * elsewhere, never shown as the caller's 403.
 */
export function classifyVertexError(status: number, body: string): UpstreamErrorInfo {
  const info = /^\s*\{\s*"type"\s*:\s*"error"/.test(body) ? classifyAnthropicError(status, body) : classifyGeminiError(status, body);
  if (status === 401 || status === 403) info.outcome = 'failure';
  return info;
}

export const vertexAdapter: ProviderAdapter = {
  protocol: 'gemini',
  protocolFor,
  operations: ['chat'],
  instanceProperties,
  decodeResponse: (body, x) =>
    isClaude(x.target!.model)
      ? fromMessagesResponse(body as AnthropicMessage, x.get(JSON_TOOL_KEY), (m) => x.warn(m))
      : fromGenerateContent(body as GenerateContentResponse, geminiContext(x)),
  decodeStream: (events, x) =>
    isClaude(x.target!.model)
      ? decodeMessagesStream(events, x.get(JSON_TOOL_KEY))
      : decodeGeminiStream(events, geminiContext(x), x.request?.stream_options?.include_usage === true),
  classifyError: classifyVertexError,
};
