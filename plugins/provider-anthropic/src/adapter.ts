import { exchangeKey } from '@switchyard/core';
import type { ProviderAdapter, UpstreamClient } from '@switchyard/core/provider';
import type { ProviderInstance } from '@switchyard/core';
import type { AnthropicMessage } from '@switchyard/wire-anthropic';
import { classifyAnthropicError, decodeMessagesStream, fromMessagesResponse } from '@switchyard/wire-anthropic';
import { instanceFields, optionsOf } from './instance-fields.js';

/** Anthropic errors: `{"type":"error","error":{"type","message"}}`; 529 overloaded is a failure (failover). */
export const classifyError = classifyAnthropicError;

/** The operation of `POST /v1/messages/count_tokens` (protocol-anthropic's): this type counts natively. */
export const COUNT_TOKENS = 'count_tokens';

/** Most model-list pages followed (1000 models each). */
const MAX_MODEL_PAGES = 10;

/** The forced JSON tool of this exchange's request, when response_format used one. */
export const JSON_TOOL_KEY = exchangeKey<string>('provider-anthropic:json-tool');

/** The instance fields' JSON Schema properties, as core checks them. */

/** Headers for every call to an instance: its extra headers, key and API version. */
export function instanceHeaders(instance: ProviderInstance): Record<string, string> {
  const headers: Record<string, string> = {
    ...instance.headers,
    'anthropic-version': optionsOf(instance).anthropicVersion,
  };
  if (instance.apiKey) headers['x-api-key'] = instance.apiKey;
  return headers;
}

export const anthropicAdapter: ProviderAdapter = {
  protocol: 'anthropic',
  operations: ['chat', COUNT_TOKENS],
  modelPrefixes: ['claude-'],
  instanceSchema: instanceFields,

  decodeResponse(body, x) {
    return fromMessagesResponse(body as AnthropicMessage, x.get(JSON_TOOL_KEY), (m) => x.warn(m));
  },

  decodeStream: (events, x) => decodeMessagesStream(events, x.get(JSON_TOOL_KEY)),
  classifyError,

  async listModels(instance: ProviderInstance, http: UpstreamClient): Promise<string[]> {
    const base = `${instance.baseUrl}${optionsOf(instance).modelsPath}?limit=1000`;
    const ids: string[] = [];
    let after = '';
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const url = after ? `${base}&after_id=${encodeURIComponent(after)}` : base;
      const { status, json } = await http.getJson(url, instanceHeaders(instance), instance.timeoutMs);
      const list = json as { data?: Array<{ id?: unknown }>; has_more?: boolean; last_id?: string } | undefined;
      if (status !== 200 || !Array.isArray(list?.data)) throw new Error(`model listing answered ${status}`);
      for (const m of list.data) if (typeof m.id === 'string') ids.push(m.id);
      if (!list.has_more || !list.last_id) break;
      after = list.last_id;
    }
    return ids;
  },
};
