import { ConvertStage, definePlugin, Type } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { azureAdapter } from './adapter.js';
import { configError, instanceProblems } from './checks.js';
import { azureCredentials } from './credentials.js';
import { deploymentModels } from './deployments.js';
import { buildAzureRequest } from './request.js';

export const PLUGIN = 'provider-azure-openai';
export const PROVIDER_TYPE = 'azure-openai';
/** After every ADJUST tap, so no later tap sees the credential. */
export const AUTH_STAGE = ConvertStage.ADJUST + 1000;
export { azureAdapter, azureUrl, classifyAzureError, protocolFor, servesResponses } from './adapter.js';
export { instanceProblems } from './checks.js';
export { describeFilter, outputFilterWarning, promptFilterMessage } from './content-filter.js';
export { azureCredentials } from './credentials.js';
export { deploymentModels, deploymentOf } from './deployments.js';
export { entraTokenSource, COGNITIVE_SERVICES_SCOPE } from './entra.js';
export { DEFAULT_AUTHORITY_HOST, instanceFields } from './instance-fields.js';
export type { AzureInstanceOptions } from './instance-fields.js';
export { buildAzureRequest } from './request.js';

/** Set in code only. */
export interface AzureOpenAISettings {
  /** The clock Entra token expiry is judged by (tests). @default Date.now */
  now?: () => number;
}

/**
 * Azure OpenAI as provider type `azure-openai`: deployments (whose keys an instance without
 * `models` serves), api-version, api-key or Microsoft Entra ID tokens.
 */
export function azureOpenAI(settings: AzureOpenAISettings = {}): Plugin<Record<string, never>> {
  const credentials = azureCredentials(settings.now);
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    providers: [{ type: PROVIDER_TYPE, adapter: azureAdapter(credentials) }],
    // An instance's deployments are the names it serves: the models plugin, registered first, resolves them.
    needs: [MODEL_ROUTES],
    apply(gateway) {
      const problems = gateway.instances.flatMap((instance, i) =>
        instance.type === PROVIDER_TYPE ? instanceProblems(instance, i) : [],
      );
      if (problems.length) throw configError(problems, gateway.source);
      const routes = gateway.need(MODEL_ROUTES);
      for (const instance of gateway.instances) {
        const served = instance.type === PROVIDER_TYPE ? deploymentModels(instance) : undefined;
        if (served) routes.serve(instance.name, served);
      }
      const hook = gateway.hooks.convertRequest.for(PROVIDER_TYPE);
      hook.tap({ name: PLUGIN, stage: ConvertStage.BUILD }, (req, x) => buildAzureRequest(req, x, gateway));
      hook.tapPromise({ name: PLUGIN, stage: AUTH_STAGE }, async (req, x) => {
        Object.assign(req.headers, await credentials(x.target!.instance));
        return req;
      });
    },
  });
}

export default azureOpenAI;
