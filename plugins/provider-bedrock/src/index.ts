import { ConvertStage, definePlugin, Type } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { bedrockAdapter } from './adapter.js';
import { bedrockAuth } from './auth.js';
import { configError, instanceProblems } from './checks.js';
import { builtInModels } from '@switchyard/plugin-models/contract';
import { BEDROCK_MODELS } from './models.js';
import { buildBedrockRequest } from './request.js';

export const PLUGIN = 'provider-bedrock';
export const PROVIDER_TYPE = 'bedrock';
/** After every ADJUST tap: the signature covers the final body. */
export const SIGN_STAGE = ConvertStage.ADJUST + 1000;
export {
  bedrockAdapter,
  classifyBedrockError,
  isAnthropicModel,
  protocolFor,
  CONVERSE,
  MODEL_PREFIXES,
} from './adapter.js';
export { bedrockAuth } from './auth.js';
export { instanceProblems } from './checks.js';
export { toConverse, JSON_TOOL } from './converse-request.js';
export {
  fromConverse,
  ConverseStreamDecoder,
  decodeConverseStream,
  finishReasonOf,
  usageOf,
} from './converse-response.js';
export type * from './converse-types.js';
export { readEventStream } from './eventstream.js';
export { DEFAULT_ANTHROPIC_VERSION, instanceFields } from './instance-fields.js';
export type { BedrockInstanceOptions } from './instance-fields.js';
export { BEDROCK_MODELS } from './models.js';
export { buildBedrockRequest } from './request.js';
export { credentialChain, regionOf, signRequest, signerFor } from './signing.js';

/** AWS Bedrock Runtime (Converse, ConverseStream, InvokeModel for Claude) as provider type `bedrock`: SigV4-signed, or with a Bedrock API key. */
export function bedrock(): Plugin<Record<string, never>> {
  const authorize = bedrockAuth();
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    providers: [{ type: PROVIDER_TYPE, adapter: bedrockAdapter }],
    contributes: [builtInModels(BEDROCK_MODELS)],
    apply(gateway) {
      const problems = gateway.instances.flatMap((instance, i) =>
        instance.type === PROVIDER_TYPE ? instanceProblems(instance, i) : [],
      );
      if (problems.length) throw configError(problems, gateway.source);
      const hook = gateway.hooks.convertRequest.for(PROVIDER_TYPE);
      hook.tap({ name: PLUGIN, stage: ConvertStage.BUILD }, (req, x) => buildBedrockRequest(req, x, gateway));
      hook.tapPromise({ name: PLUGIN, stage: SIGN_STAGE }, async (req, x) => {
        await authorize(req, x.target!.instance);
        return req;
      });
    },
  });
}

export default bedrock;
