import { ConvertStage, definePlugin, Type } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { instanceHeaderCache } from '@switchyard/wire-provider';
import { vertexAdapter } from './adapter.js';
import { vertexTokens } from './auth.js';
import { configError, instanceProblems } from './checks.js';
import { builtInModels } from '@switchyard/plugin-models/contract';
import { VERTEX_MODELS } from './models.js';
import { buildVertexRequest } from './request.js';

export const PLUGIN = 'provider-vertex';
export const PROVIDER_TYPE = 'vertex';
/** After every ADJUST tap, so no later tap sees the bearer token. */
export const AUTH_STAGE = ConvertStage.ADJUST + 1000;
export { vertexAdapter, classifyVertexError, isClaude, modelUrl, protocolFor, MODEL_PREFIXES } from './adapter.js';
export { clientFor, fetchToken, loadKey, vertexTokens, GOOGLE_TOKEN_URL } from './auth.js';
export { instanceProblems } from './checks.js';
export { CLOUD_PLATFORM_SCOPE, DEFAULT_ANTHROPIC_VERSION, instanceFields } from './instance-fields.js';
export type { VertexInstanceOptions } from './instance-fields.js';
export { VERTEX_MODELS } from './models.js';
export { buildVertexRequest } from './request.js';

/** Set in code only. */
export interface VertexSettings {
  /** The clock token expiry is judged by (tests). @default Date.now */
  now?: () => number;
}

const baseHeaders = instanceHeaderCache((instance) => ({ ...instance.headers, 'content-type': 'application/json' }));

/** Google Vertex AI (Gemini and Claude models) as provider type `vertex`, with OAuth tokens from a service account. */
export function vertex(settings: VertexSettings = {}): Plugin<Record<string, never>> {
  const token = vertexTokens(settings.now);
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    providers: [{ type: PROVIDER_TYPE, adapter: vertexAdapter }],
    contributes: [builtInModels(VERTEX_MODELS)],
    apply(gateway) {
      const problems = gateway.instances.flatMap((instance, i) =>
        instance.type === PROVIDER_TYPE ? instanceProblems(instance, i) : [],
      );
      if (problems.length) throw configError(problems, gateway.source);
      const hook = gateway.hooks.convertRequest.for(PROVIDER_TYPE);
      hook.tap({ name: PLUGIN, stage: ConvertStage.BUILD }, (req, x) => {
        req.headers = baseHeaders(x.target!.instance);
        if (req.stream) req.headers.accept = 'text/event-stream';
        return buildVertexRequest(req, x, gateway);
      });
      hook.tapPromise({ name: PLUGIN, stage: AUTH_STAGE }, async (req, x) => {
        req.headers.authorization = `Bearer ${await token(x.target!.instance)}`;
        return req;
      });
    },
  });
}

export default vertex;
