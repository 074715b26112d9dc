import { fitOutputTokens, instanceHeaderCache, providerPlugin, SwitchyardError } from '@switchyard/core';
import type { ChatRequest, Exchange, Gateway, Plugin, ProviderInstance, UpstreamRequest } from '@switchyard/core';
import { acceptsSampling, toMessagesRequest } from '@switchyard/wire-anthropic';
import { anthropicAdapter, instanceHeaders, JSON_TOOL_KEY } from './adapter.js';
import { optionsOf } from './instance-fields.js';
import { ANTHROPIC_MODELS } from './models.js';

export const PLUGIN = 'provider-anthropic';
export { ANTHROPIC_MODELS } from './models.js';
export const PROVIDER_TYPE = 'anthropic';
export { anthropicAdapter, classifyError, instanceHeaders, instanceProperties, JSON_TOOL_KEY } from './adapter.js';
export { DEFAULT_VERSION, instanceFields } from './instance-fields.js';
export type { AnthropicInstanceOptions } from './instance-fields.js';
// The conversions live in @switchyard/wire-anthropic (shared with Bedrock and Vertex AI); re-exported unchanged.
export { toMessagesRequest, acceptsSampling, JSON_TOOL, NO_SAMPLING_VERSION, fromMessagesResponse, finishReasonOf, MessagesStreamDecoder } from '@switchyard/wire-anthropic';
export type { ConvertOptions, Converted, JsonMode } from '@switchyard/wire-anthropic';

/** Sampling fields an API version may refuse, for pass-through bodies. */
const SAMPLING = ['temperature', 'top_p', 'top_k'] as const;

const baseHeaders = instanceHeaderCache((instance) => ({ 'content-type': 'application/json', ...instanceHeaders(instance) }));

/** The instance's headers (built once, copied here), plus the caller's anthropic-beta flags. */
function headersFor(instance: ProviderInstance, x: Exchange): Record<string, string> {
  const headers = baseHeaders(instance);
  const beta = x.headers['anthropic-beta'];
  const callerBeta = Array.isArray(beta) ? beta.join(',') : beta;
  if (callerBeta) headers['anthropic-beta'] = headers['anthropic-beta'] ? `${headers['anthropic-beta']},${callerBeta}` : callerBeta;
  return headers;
}

/** Anthropic callers pass through (model changed; sampling fields the version refuses dropped); others are converted. */
function buildRequest(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const target = x.target!;
  const options = optionsOf(target.instance);
  req.url = `${target.instance.baseUrl}${options.messagesPath}`;
  req.headers = headersFor(target.instance, x);
  if (req.stream) req.headers.accept = 'text/event-stream';
  if (x.protocol === 'anthropic') {
    const body: Record<string, unknown> = { ...x.body, model: target.model };
    if (!acceptsSampling(options.anthropicVersion)) {
      for (const key of SAMPLING) {
        if (body[key] === undefined) continue;
        delete body[key];
        x.warn(`${key} dropped (anthropic-version ${options.anthropicVersion} does not accept it)`);
      }
    }
    req.body = body;
    return req;
  }
  if (!x.request) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Anthropic`);
  const converted = toMessagesRequest(fittedRequest(x, gateway), {
    model: target.model,
    version: options.anthropicVersion,
    defaultMaxTokens: options.modelMaxTokens[target.model] ?? options.defaultMaxTokens,
    jsonMode: options.jsonMode,
    thinking: options.thinkingModels.some((prefix) => target.model.startsWith(prefix)),
    thinkingBudgets: options.thinkingBudgets,
  });
  for (const warning of converted.warnings) x.warn(warning);
  if (converted.jsonTool) x.set(JSON_TOOL_KEY, converted.jsonTool);
  req.body = converted.body;
  return req;
}

/** The canonical request with its output tokens fitted to the target model (a copy when they change). */
function fittedRequest(x: Exchange, gateway: Gateway): ChatRequest {
  const request = x.request!;
  const asked = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const fitted = fitOutputTokens(asked, gateway.modelInfo.forTarget(x.target!), gateway.config.routing.fitOutputTokens, (m) => x.warn(m), request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens');
  if (fitted === asked) return request;
  return { ...request, max_completion_tokens: fitted, max_tokens: null };
}

/** The Anthropic Messages API as a Switchyard provider type (`type: anthropic`). */
export function anthropic(): Plugin<Record<string, never>> {
  return providerPlugin({ name: PLUGIN, type: PROVIDER_TYPE, adapter: anthropicAdapter, build: buildRequest, models: ANTHROPIC_MODELS });
}

export default anthropic;
