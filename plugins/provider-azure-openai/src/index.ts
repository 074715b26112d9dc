import { ConvertStage, isLoopback, RouteStage, SwitchyardError, targetOutputTokens, withoutReasoningBlocks } from '@switchyard/core';
import type { ChatRequest, Exchange, Gateway, Plugin, ProviderInstance, UpstreamRequest } from '@switchyard/core';
import { azureAdapter, azureUrl, deploymentOf, optionsOf } from './adapter.js';
import { deploymentTargets } from './deployments.js';
import { entraTokenSource } from './entra.js';
import { TokenCache } from './token-cache.js';

export const PLUGIN = 'provider-azure-openai';
export const PROVIDER_TYPE = 'azure-openai';
/** After every ADJUST tap, so no later tap sees the credential. */
export const AUTH_STAGE = ConvertStage.ADJUST + 1000;
export { azureAdapter, azureUrl, classifyAzureError, deploymentOf, instanceProperties } from './adapter.js';
export type { AzureInstanceOptions } from './adapter.js';
export { describeFilter, outputFilterWarning, promptFilterMessage } from './content-filter.js';
export { deploymentTargets } from './deployments.js';
export { entraTokenSource, COGNITIVE_SERVICES_SCOPE, DEFAULT_AUTHORITY_HOST } from './entra.js';
export { TokenCache } from './token-cache.js';

export interface AzureOpenAIPluginOptions {
  /** The clock Entra token expiry is judged by (tests). @default Date.now */
  now?: () => number;
}

/** A chat body for the deployment: output tokens fitted to the model, no reasoning blocks (Chat Completions takes none back). */
function chatBody(body: ChatRequest, x: Exchange, gateway: Gateway): ChatRequest {
  for (const field of ['max_completion_tokens', 'max_tokens'] as const) {
    const asked = body[field];
    if (typeof asked === 'number') body[field] = targetOutputTokens(gateway, x, asked, field);
  }
  if (Array.isArray(body.messages)) body.messages = withoutReasoningBlocks(body.messages, (m) => x.warn(m), 'Azure OpenAI Chat Completions');
  return body;
}

/** OpenAI wire format: the caller's body with the deployment as model; Azure's URL and api-version. */
function build(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const target = x.target!;
  const source = x.operation === 'chat' ? x.request : x.body;
  if (!source) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Azure OpenAI`);
  const deployment = deploymentOf(target.instance, target.model);
  req.url = azureUrl(target.instance, deployment, x.operation === 'embeddings' ? 'embeddings' : 'chat/completions');
  req.headers = { ...target.instance.headers, 'content-type': 'application/json' };
  if (req.stream) req.headers.accept = 'text/event-stream';
  const body = { ...source, model: deployment };
  req.body = x.operation === 'chat' ? chatBody(body as ChatRequest, x, gateway) : body;
  return req;
}

/** Azure OpenAI as provider type `azure-openai`: deployments, api-version, api-key or Entra ID tokens. */
export function azureOpenAI(plugin: AzureOpenAIPluginOptions = {}): Plugin<Record<string, never>> {
  return {
    name: PLUGIN,
    schema: { type: 'object', additionalProperties: false, properties: {} },
    apply(gateway) {
      const tokens = new Map<ProviderInstance, TokenCache>();
      for (const [i, instance] of gateway.instances.entries()) {
        if (instance.type !== PROVIDER_TYPE) continue;
        const { tenantId, clientId, clientSecret, authorityHost, tokenRefreshMs } = optionsOf(instance);
        const entra = [tenantId, clientId, clientSecret].filter(Boolean).length;
        if (entra > 0 && entra < 3) throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', `providers[${i}]: tenantId, clientId and clientSecret go together`);
        const authority = new URL(authorityHost);
        if (authority.protocol !== 'https:' && !isLoopback(authority.hostname)) {
          throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', `providers[${i}].authorityHost: must be https (plain http only on loopback, for local test servers)`);
        }
        if (entra === 3) tokens.set(instance, new TokenCache(entraTokenSource({ tenantId: tenantId!, clientId: clientId!, clientSecret: clientSecret!, authorityHost }), tokenRefreshMs, plugin.now));
        else if (!instance.apiKey) throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', `providers[${i}]: an azure-openai instance needs apiKey, or tenantId, clientId and clientSecret`);
      }
      const credentials = async (instance: ProviderInstance): Promise<Record<string, string>> => {
        const cache = tokens.get(instance);
        return cache ? { authorization: `Bearer ${await cache.get()}` } : { 'api-key': instance.apiKey! };
      };
      gateway.providers.define(PROVIDER_TYPE, azureAdapter(credentials));
      const hook = gateway.hooks.convertRequest.for(PROVIDER_TYPE);
      hook.tap({ name: PLUGIN, stage: ConvertStage.BUILD }, (req, x) => build(req, x, gateway));
      hook.tapPromise({ name: PLUGIN, stage: AUTH_STAGE }, async (req, x) => {
        Object.assign(req.headers, await credentials(x.target!.instance));
        return req;
      });
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.DISCOVER }, (plan, x) => {
        const found = deploymentTargets(gateway.instances, PROVIDER_TYPE, plan, x.model);
        return found.length ? plan.add(PLUGIN, found) : plan;
      });
    },
  };
}

export default azureOpenAI;
