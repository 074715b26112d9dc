import { SwitchyardError } from '@switchyard/core';
import { instanceHeaderCache, providerPlugin } from '@switchyard/wire-provider';
import { builtInModels, targetOutputTokens } from '@switchyard/plugin-models/contract';
import type { Exchange, Gateway, Plugin, ProviderInstance, UpstreamRequest } from '@switchyard/core';
import {
  acceptsSampling,
  filterBetas,
  parseBetas,
  toMessagesRequest,
  withMaxTokens,
  withoutBetaFields,
  withAnthropicSearchHistory,
} from '@switchyard/wire-anthropic';
import type { BetaPolicy } from '@switchyard/wire-anthropic';
import { anthropicAdapter, COUNT_TOKENS, instanceHeaders, JSON_TOOL_KEY } from './adapter.js';
import { optionsOf } from './instance-fields.js';
import { ANTHROPIC_MODELS } from './models.js';

export const PLUGIN = 'provider-anthropic';
export { ANTHROPIC_MODELS } from './models.js';
export const PROVIDER_TYPE = 'anthropic';
export { anthropicAdapter, classifyError, COUNT_TOKENS, instanceHeaders, JSON_TOOL_KEY } from './adapter.js';
export { DEFAULT_VERSION, instanceFields } from './instance-fields.js';
export type { AnthropicInstanceOptions } from './instance-fields.js';
// The conversions live in @switchyard/wire-anthropic (shared with Bedrock and Vertex AI); re-exported unchanged.
export {
  toMessagesRequest,
  acceptsSampling,
  JSON_TOOL,
  NO_SAMPLING_VERSION,
  fromMessagesResponse,
  finishReasonOf,
  MessagesStreamDecoder,
} from '@switchyard/wire-anthropic';
export type { ConvertOptions, Converted, JsonMode } from '@switchyard/wire-anthropic';

/** Sampling fields an API version may refuse, for pass-through bodies. */
const SAMPLING = ['temperature', 'top_p', 'top_k'] as const;
/** The query Anthropic's SDKs add for beta features (`POST /v1/messages?beta=true`). */
const BETA_QUERY = /[?&]beta=true(?:&|$)/;

const baseHeaders = instanceHeaderCache((instance) => ({
  'content-type': 'application/json',
  ...instanceHeaders(instance),
}));
const betaPolicies = new WeakMap<ProviderInstance, BetaPolicy>();

function betaPolicy(instance: ProviderInstance): BetaPolicy {
  let policy = betaPolicies.get(instance);
  if (!policy) {
    const o = optionsOf(instance);
    betaPolicies.set(instance, (policy = { accepted: o.acceptedBetas, refused: o.refusedBetas }));
  }
  return policy;
}

/**
 * The instance's headers (built once, copied here), plus the caller's anthropic-beta values the
 * instance takes; the others are dropped with a warning.
 */
function headersFor(
  instance: ProviderInstance,
  x: Exchange,
): { headers: Record<string, string>; kept: string[]; dropped: string[] } {
  const headers = baseHeaders(instance);
  const { kept, dropped } = filterBetas(parseBetas(x.headers['anthropic-beta']), betaPolicy(instance));
  for (const beta of dropped) x.warn(`anthropic-beta ${beta} dropped (${instance.name} does not take it)`);
  if (kept.length)
    headers['anthropic-beta'] = headers['anthropic-beta']
      ? `${headers['anthropic-beta']},${kept.join(',')}`
      : kept.join(',');
  return { headers, kept, dropped };
}

/**
 * Anthropic callers pass through: model changed; sampling fields the version refuses, fields of
 * betas the instance does not take dropped; max_tokens fitted to the model (thinking budget
 * below it); `?beta=true` kept. Others are converted. count_tokens goes to the counting endpoint.
 */
function buildRequest(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const target = x.target!;
  const options = optionsOf(target.instance);
  const counting = x.operation === COUNT_TOKENS;
  const { headers, kept, dropped } = headersFor(target.instance, x);
  req.url = `${target.instance.baseUrl}${options.messagesPath}${counting ? '/count_tokens' : ''}`;
  req.headers = headers;
  if (req.stream) req.headers.accept = 'text/event-stream';
  const warn = (m: string): void => x.warn(m);
  if (x.protocol === 'anthropic') {
    if (BETA_QUERY.test(x.url)) req.url += '?beta=true';
    let body: Record<string, unknown> = { ...x.body, model: target.model };
    if (!acceptsSampling(options.anthropicVersion)) {
      for (const key of SAMPLING) {
        if (body[key] === undefined) continue;
        delete body[key];
        warn(`${key} dropped (anthropic-version ${options.anthropicVersion} does not accept it)`);
      }
    }
    body = withoutBetaFields(body, kept, dropped, warn);
    body = withAnthropicSearchHistory(body, warn);
    if (!counting && typeof body.max_tokens === 'number')
      body = withMaxTokens(body, targetOutputTokens(gateway, x, body.max_tokens)!, warn);
    req.body = body;
    return req;
  }
  if (!x.request || counting)
    throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Anthropic`);
  const converted = toMessagesRequest(x.request, {
    model: target.model,
    version: options.anthropicVersion,
    defaultMaxTokens: options.modelMaxTokens[target.model] ?? options.defaultMaxTokens,
    jsonMode: options.jsonMode,
    thinking: options.thinkingModels.some((prefix) => target.model.startsWith(prefix)),
    thinkingBudgets: options.thinkingBudgets,
  });
  for (const warning of converted.warnings) warn(warning);
  if (converted.jsonTool) x.set(JSON_TOOL_KEY, converted.jsonTool);
  const field = x.request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
  req.body = withMaxTokens(converted.body, targetOutputTokens(gateway, x, converted.body.max_tokens, field)!, warn);
  return req;
}

/** The Anthropic Messages API as a Switchyard provider type (`type: anthropic`). */
export function anthropic(): Plugin<Record<string, never>> {
  return providerPlugin({
    name: PLUGIN,
    type: PROVIDER_TYPE,
    adapter: anthropicAdapter,
    build: buildRequest,
    contributes: [builtInModels(ANTHROPIC_MODELS)],
  });
}

export default anthropic;
