import type { Attributes } from '@opentelemetry/api';
import type { AttemptResult, Exchange, Target } from '@switchyard/core';
import type { Usage } from '@switchyard/core/protocol';

/** gen_ai.system per provider type, as the GenAI semantic conventions name them; other types report their own name. */
const SYSTEMS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  'azure-openai': 'azure.ai.openai',
  bedrock: 'aws.bedrock',
  vertex: 'gcp.vertex_ai',
};

export const systemOf = (type: string): string => SYSTEMS[type] ?? type;

/** The GenAI operation name: `chat` or `embeddings`. */
export const operationOf = (x: Exchange): string => x.operation;

/** Attributes known when the request arrives (GenAI request attributes from the body). */
export function requestAttributes(x: Exchange): Attributes {
  const body = x.body;
  const attributes: Attributes = {
    'gen_ai.operation.name': operationOf(x),
    'gen_ai.request.model': x.model,
    'switchyard.request_id': x.id,
    'switchyard.protocol': x.protocol,
    'switchyard.stream': x.stream,
  };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens;
  if (typeof maxTokens === 'number') attributes['gen_ai.request.max_tokens'] = maxTokens;
  if (typeof body.temperature === 'number') attributes['gen_ai.request.temperature'] = body.temperature;
  if (typeof body.top_p === 'number') attributes['gen_ai.request.top_p'] = body.top_p;
  return attributes;
}

/** Where an attempt went: system, model, server address and port. */
export function targetAttributes(target: Target): Attributes {
  const attributes: Attributes = {
    'gen_ai.system': systemOf(target.instance.type),
    'gen_ai.provider.name': systemOf(target.instance.type),
    'gen_ai.request.model': target.model,
    'switchyard.instance': target.instance.name,
    'switchyard.target': target.id,
  };
  try {
    const url = new URL(target.instance.baseUrl);
    attributes['server.address'] = url.hostname;
    attributes['server.port'] = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  } catch {
    // baseUrl is validated at config load; nothing to add for an odd one
  }
  return attributes;
}

export function usageAttributes(usage: Usage | undefined): Attributes {
  if (!usage) return {};
  const attributes: Attributes = {
    'gen_ai.usage.input_tokens': usage.prompt_tokens,
    'gen_ai.usage.output_tokens': usage.completion_tokens,
  };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const written = usage.prompt_tokens_details?.cache_write_tokens;
  if (cached) attributes['gen_ai.usage.cache_read.input_tokens'] = cached;
  if (written) attributes['gen_ai.usage.cache_creation.input_tokens'] = written;
  return attributes;
}

/** What one attempt's result adds to its span. */
export function resultAttributes(result: AttemptResult): Attributes {
  return {
    'switchyard.attempt': result.attempt,
    'switchyard.outcome': result.outcome,
    ...(result.status === undefined ? {} : { 'http.response.status_code': result.status }),
    ...(result.failure === undefined ? {} : { 'error.type': result.failure }),
    ...(result.ttftMs === undefined ? {} : { 'switchyard.ttft_ms': result.ttftMs }),
    ...(result.outcome === 'success' ? { 'gen_ai.response.model': result.target.model } : {}),
    ...(result.hedge ? { 'switchyard.hedge': true } : {}),
    ...usageAttributes(result.usage),
  };
}
