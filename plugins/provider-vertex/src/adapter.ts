import { exchangeKey } from '@switchyard/core';
import type { Exchange, ProviderInstance, Target } from '@switchyard/core';
import type { ProviderAdapter, UpstreamErrorInfo } from '@switchyard/core/provider';
import type { AnthropicMessage } from '@switchyard/wire-anthropic';
import { classifyAnthropicError, decodeMessagesStream, fromMessagesResponse } from '@switchyard/wire-anthropic';
import { classifyGeminiError, decodeGeminiStream, fromGenerateContent } from '@switchyard/wire-gemini';
import type { DecodeContext, GenerateContentResponse } from '@switchyard/wire-gemini';
import { instanceFields, optionsOf } from './instance-fields.js';

/** The forced JSON tool of this exchange's Claude request, when response_format used one. */
export const JSON_TOOL_KEY = exchangeKey<string>('provider-vertex:json-tool');

/** The instance fields' JSON Schema properties, as core checks them. */

/** Model-name prefixes an instance without `models` serves: Google's Gemini and Anthropic's Claude (`claude-…@version`). */
export const MODEL_PREFIXES = ['gemini-', 'claude-'];

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
  return {
    fallbackId: x.id,
    model: x.target?.model ?? x.model,
    warn: (m) => x.warn(m),
    grounded: x.request?.web_search_options != null,
  };
}

/**
 * Google errors (`{"error":{"code","message","status"}}`) and, from Claude's rawPredict,
 * Anthropic errors. 401 and 403 (PERMISSION_DENIED: the service account lacks a role, the API is
 * off, the project is wrong) are the gateway's own credential problem: a failure, tried
 * elsewhere, never shown as the caller's 403.
 */
export function classifyVertexError(status: number, body: string): UpstreamErrorInfo {
  const info = /^\s*\{\s*"type"\s*:\s*"error"/.test(body)
    ? classifyAnthropicError(status, body)
    : classifyGeminiError(status, body);
  if (status === 401 || status === 403) info.outcome = 'failure';
  return info;
}

export const vertexAdapter: ProviderAdapter = {
  protocol: 'gemini',
  protocolFor,
  operations: ['chat'],
  modelPrefixes: MODEL_PREFIXES,
  instanceSchema: instanceFields,
  decodeResponse: (body, x) =>
    isClaude(x.target!.model)
      ? fromMessagesResponse(body as AnthropicMessage, x.get(JSON_TOOL_KEY), (m) => x.warn(m))
      : fromGenerateContent(body as GenerateContentResponse, geminiContext(x)),
  decodeStream: (events, x) =>
    isClaude(x.target!.model)
      ? decodeMessagesStream(events, x.get(JSON_TOOL_KEY))
      : // Always decode the usage chunk, so that core learns the usage (and prices the stream); the
        // OpenAI codec keeps it from a caller who did not ask for it, as for provider-gemini.
        decodeGeminiStream(events, geminiContext(x), true),
  classifyError: classifyVertexError,
};
