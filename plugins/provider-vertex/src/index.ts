import { ConvertStage, instanceHeaderCache, SwitchyardError } from '@switchyard/core';
import type { Exchange, Plugin, ProviderInstance, UpstreamRequest } from '@switchyard/core';
import { optionsOf, vertexAdapter } from './adapter.js';
import { clientFor, fetchToken, loadKey } from './auth.js';
import { buildVertexRequest } from './request.js';
import { TokenCache } from './token-cache.js';

export const PLUGIN = 'provider-vertex';
export const PROVIDER_TYPE = 'vertex';
/** After every ADJUST tap, so no later tap sees the bearer token. */
export const AUTH_STAGE = ConvertStage.ADJUST + 1000;
export { vertexAdapter, classifyVertexError, instanceProperties, isClaude, modelUrl, protocolFor, DEFAULT_ANTHROPIC_VERSION } from './adapter.js';
export type { VertexInstanceOptions } from './adapter.js';
export { buildVertexRequest } from './request.js';
export { clientFor, fetchToken, loadKey, GOOGLE_TOKEN_URL } from './auth.js';
export { TokenCache } from './token-cache.js';
export type { AccessToken } from './token-cache.js';

export interface VertexPluginOptions {
  /** The clock token expiry is judged by (tests). @default Date.now */
  now?: () => number;
}

const baseHeaders = instanceHeaderCache((instance) => ({ ...instance.headers, 'content-type': 'application/json' }));

/** Google Vertex AI (Gemini and Claude models) as provider type `vertex`, with OAuth tokens from a service account. */
export function vertex(plugin: VertexPluginOptions = {}): Plugin<Record<string, never>> {
  return {
    name: PLUGIN,
    schema: { type: 'object', additionalProperties: false, properties: {} },
    apply(gateway) {
      const tokens = new Map<ProviderInstance, TokenCache>();
      for (const [i, instance] of gateway.instances.entries()) {
        if (instance.type !== PROVIDER_TYPE) continue;
        const o = optionsOf(instance);
        if (!o.project || !o.location) throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', `providers[${i}]: a vertex instance needs project and location`);
        if (o.credentials && o.keyFile) throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', `providers[${i}]: credentials or keyFile, not both`);
        let client: ReturnType<typeof clientFor> | undefined;
        // The key is read at the first request, so that a missing file is that request's error, not a refused start.
        const fetch = () => fetchToken((client ??= ((k) => clientFor(k.key, k.from, o.scopes))(loadKey(o))));
        tokens.set(instance, new TokenCache(fetch, o.tokenRefreshMs, plugin.now));
      }
      gateway.providers.define(PROVIDER_TYPE, vertexAdapter);
      const hook = gateway.hooks.convertRequest.for(PROVIDER_TYPE);
      hook.tap({ name: PLUGIN, stage: ConvertStage.BUILD }, (req: UpstreamRequest, x: Exchange) => {
        req.headers = baseHeaders(x.target!.instance);
        if (req.stream) req.headers.accept = 'text/event-stream';
        return buildVertexRequest(req, x, gateway);
      });
      hook.tapPromise({ name: PLUGIN, stage: AUTH_STAGE }, async (req, x) => {
        req.headers.authorization = `Bearer ${await tokens.get(x.target!.instance)!.get()}`;
        return req;
      });
    },
  };
}

export default vertex;
