import { SwitchyardError } from '@switchyard/core';
import type { ChatCompletion, ChatCompletionChunk, ListedModel, ProviderAdapter, ProviderInstance, SseEvent, UpstreamClient } from '@switchyard/core';

/** Instance fields an OpenAI-compatible provider entry may add to the common ones. */
export const instanceProperties = {
  organization: { type: 'string', description: 'Sent as OpenAI-Organization.' },
  project: { type: 'string', description: 'Sent as OpenAI-Project.' },
  authHeader: {
    type: 'string',
    default: 'authorization',
    description: 'Header carrying the key: `authorization` sends `Bearer <key>`; any other name (e.g. `api-key`) sends the bare key.',
  },
  chatPath: { type: 'string', default: '/chat/completions', description: 'Appended to baseUrl for chat requests.' },
  embeddingsPath: { type: 'string', default: '/embeddings', description: 'Appended to baseUrl for embeddings.' },
  modelsPath: { type: 'string', default: '/models', description: 'Appended to baseUrl to list models.' },
} as const;

export interface OpenAIInstanceOptions {
  organization?: string;
  project?: string;
  authHeader: string;
  chatPath: string;
  embeddingsPath: string;
  modelsPath: string;
}

/** Headers for every call to an instance: its extra headers, then credentials. */
export function instanceHeaders(instance: ProviderInstance): Record<string, string> {
  const options = instance.options as Partial<OpenAIInstanceOptions>;
  const headers: Record<string, string> = { ...instance.headers };
  if (instance.apiKey) {
    const name = (options.authHeader ?? 'authorization').toLowerCase();
    headers[name] = name === 'authorization' ? `Bearer ${instance.apiKey}` : instance.apiKey;
  }
  if (options.organization) headers['openai-organization'] = options.organization;
  if (options.project) headers['openai-project'] = options.project;
  return headers;
}

async function* decodeStream(events: AsyncIterable<SseEvent>): AsyncGenerator<ChatCompletionChunk> {
  for await (const event of events) {
    if (event.data === '[DONE]') return;
    const parsed = JSON.parse(event.data) as ChatCompletionChunk & { error?: { message?: string } };
    if (parsed.error) throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', parsed.error.message ?? 'upstream stream error', { expose: true });
    yield parsed;
  }
  throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'upstream stream ended before [DONE]', { expose: true });
}

export const openaiAdapter: ProviderAdapter = {
  protocol: 'openai',
  operations: ['chat', 'embeddings'],
  modelPrefixes: ['gpt-', 'chatgpt-', 'o1', 'o3', 'o4-', 'text-embedding-'],
  instanceProperties,

  decodeResponse(body) {
    const completion = body as ChatCompletion;
    if (!completion || !Array.isArray(completion.choices)) throw new Error('not a chat.completion object');
    return completion;
  },

  decodeStream,

  async listModels(instance: ProviderInstance, http: UpstreamClient): Promise<string[]> {
    return (await describeModels(instance, http)).map((m) => m.id);
  },
  describeModels,
};

/**
 * GET {baseUrl}/models. Compatible servers often say more than OpenAI does: a context window as
 * `context_length` (OpenRouter, LM Studio), `max_model_len` (vLLM) or `context_window` (Groq).
 */
async function describeModels(instance: ProviderInstance, http: UpstreamClient): Promise<ListedModel[]> {
  const options = instance.options as Partial<OpenAIInstanceOptions>;
  const { status, json } = await http.getJson(`${instance.baseUrl}${options.modelsPath ?? '/models'}`, instanceHeaders(instance), instance.timeoutMs);
  const data = (json as { data?: Array<Record<string, unknown>> } | undefined)?.data;
  if (status !== 200 || !Array.isArray(data)) throw new Error(`model listing answered ${status}`);
  return data.flatMap((m) => {
    if (typeof m.id !== 'string') return [];
    const window = [m.context_length, m.max_model_len, m.context_window].find((v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0);
    return [window === undefined ? { id: m.id } : { id: m.id, info: { contextWindow: window } }];
  });
}
