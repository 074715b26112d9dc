import { ConvertStage, isLoopback, RouteStage, SwitchyardError } from '@switchyard/core';
import type { Exchange, Plugin, ProviderInstance, UpstreamRequest } from '@switchyard/core';
import { isSealed } from '@switchyard/wire-openai-responses';
import { azureAdapter, azureUrl, deploymentOf, optionsOf, protocolFor } from './adapter.js';
import { deploymentTargets } from './deployments.js';
import { entraTokenSource } from './entra.js';
import { TokenCache } from './token-cache.js';

export const PLUGIN = 'provider-azure-openai';
export const PROVIDER_TYPE = 'azure-openai';
/** After every ADJUST tap, so no later tap sees the credential. */
export const AUTH_STAGE = ConvertStage.ADJUST + 1000;
export { azureAdapter, azureUrl, classifyAzureError, deploymentOf, instanceProperties, protocolFor, servesResponses } from './adapter.js';
export type { AzureInstanceOptions } from './adapter.js';
export { describeFilter, outputFilterWarning, promptFilterMessage } from './content-filter.js';
export { deploymentTargets } from './deployments.js';
export { entraTokenSource, COGNITIVE_SERVICES_SCOPE, DEFAULT_AUTHORITY_HOST } from './entra.js';
export { TokenCache } from './token-cache.js';

export interface AzureOpenAIPluginOptions {
  /** The clock Entra token expiry is judged by (tests). @default Date.now */
  now?: () => number;
}

/** OpenAI wire format: the caller's body with the deployment as model; Azure's URL and api-version. */
function build(req: UpstreamRequest, x: Exchange): UpstreamRequest {
  const target = x.target!;
  const source = x.operation === 'chat' ? x.request : x.body;
  if (!source) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Azure OpenAI`);
  const deployment = deploymentOf(target.instance, target.model);
  req.headers = { ...target.instance.headers, 'content-type': 'application/json' };
  if (req.stream) req.headers.accept = 'text/event-stream';
  if (x.operation === 'chat' && protocolFor(target, x.protocol) === 'openai-responses') {
    // A Responses caller's body, as sent but for the deployment and reasoning another provider made (unreadable here).
    req.url = azureUrl(target.instance, deployment, 'responses');
    const input = Array.isArray(x.body.input) ? (x.body.input as Array<{ type?: string; encrypted_content?: unknown }>).filter((i) => !(i.type === 'reasoning' && isSealed(i.encrypted_content))) : x.body.input;
    req.body = { ...x.body, model: deployment, ...(input === undefined ? {} : { input }) };
    return req;
  }
  req.url = azureUrl(target.instance, deployment, x.operation === 'embeddings' ? 'embeddings' : 'chat/completions');
  req.body = { ...source, model: deployment };
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
      hook.tap({ name: PLUGIN, stage: ConvertStage.BUILD }, build);
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
