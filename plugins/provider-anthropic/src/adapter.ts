import { exchangeKey } from '@switchyard/core';
import type { AnthropicMessage, ProviderAdapter, ProviderInstance, UpstreamClient } from '@switchyard/core';
import { classifyAnthropicError, decodeMessagesStream, fromMessagesResponse } from '@switchyard/wire-anthropic';

/** Anthropic errors: `{"type":"error","error":{"type","message"}}`; 529 overloaded is a failure (failover). */
export const classifyError = classifyAnthropicError;

/** The version sent upstream unless an instance sets `anthropicVersion`. */
export const DEFAULT_VERSION = '2023-06-01';
/** Most model-list pages followed (1000 models each). */
const MAX_MODEL_PAGES = 10;

/** The forced JSON tool of this exchange's request, when response_format used one. */
export const JSON_TOOL_KEY = exchangeKey<string>('provider-anthropic:json-tool');

/** Instance fields an `anthropic` provider entry may add to the common ones. */
export const instanceProperties = {
  anthropicVersion: { type: 'string', default: DEFAULT_VERSION, description: 'Sent as anthropic-version; 2026-10-21 and later drop temperature/top_p/top_k.' },
  defaultMaxTokens: { type: 'integer', minimum: 1, default: 4096, description: 'max_tokens when the caller sets none and modelMaxTokens has no entry.' },
  modelMaxTokens: {
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 1 },
    default: {},
    description: 'Per-model max_tokens defaults, by upstream model name.',
  },
  jsonMode: {
    enum: ['tool', 'native'],
    default: 'tool',
    description: 'response_format: "tool" forces a tool whose input schema is the requested schema; "native" sends json_schema as output_config.format.',
  },
  thinkingModels: {
    type: 'array',
    items: { type: 'string' },
    default: ['claude-3-7-', 'claude-sonnet-4', 'claude-opus-4', 'claude-haiku-4'],
    description: 'Model-name prefixes with extended thinking; reasoning_effort is dropped with a warning for others.',
  },
  thinkingBudgets: {
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 1024 },
    default: { minimal: 1024, low: 2048, medium: 8192, high: 24576 },
    description: 'reasoning_effort → thinking.budget_tokens.',
  },
  messagesPath: { type: 'string', default: '/v1/messages', description: 'Appended to baseUrl for messages.' },
  modelsPath: { type: 'string', default: '/v1/models', description: 'Appended to baseUrl to list models.' },
} as const;

export interface AnthropicInstanceOptions {
  anthropicVersion: string;
  defaultMaxTokens: number;
  modelMaxTokens: Record<string, number>;
  jsonMode: 'tool' | 'native';
  thinkingModels: string[];
  thinkingBudgets: Record<string, number>;
  messagesPath: string;
  modelsPath: string;
}

/** An instance's options with the schema defaults (core applies them at load; direct callers may not). */
export function optionsOf(instance: ProviderInstance): AnthropicInstanceOptions {
  const o = instance.options as Partial<AnthropicInstanceOptions>;
  return {
    anthropicVersion: o.anthropicVersion ?? DEFAULT_VERSION,
    defaultMaxTokens: o.defaultMaxTokens ?? instanceProperties.defaultMaxTokens.default,
    modelMaxTokens: o.modelMaxTokens ?? {},
    jsonMode: o.jsonMode ?? 'tool',
    thinkingModels: o.thinkingModels ?? [...instanceProperties.thinkingModels.default],
    thinkingBudgets: o.thinkingBudgets ?? { ...instanceProperties.thinkingBudgets.default },
    messagesPath: o.messagesPath ?? '/v1/messages',
    modelsPath: o.modelsPath ?? '/v1/models',
  };
}

/** Headers for every call to an instance: its extra headers, key and API version. */
export function instanceHeaders(instance: ProviderInstance): Record<string, string> {
  const headers: Record<string, string> = { ...instance.headers, 'anthropic-version': optionsOf(instance).anthropicVersion };
  if (instance.apiKey) headers['x-api-key'] = instance.apiKey;
  return headers;
}

export const anthropicAdapter: ProviderAdapter = {
  protocol: 'anthropic',
  operations: ['chat'],
  modelPrefixes: ['claude-'],
  instanceProperties,

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
