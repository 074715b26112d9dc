import { ConvertStage, instanceHeaderCache, SwitchyardError, targetOutputTokens, withoutReasoningBlocks } from '@switchyard/core';
import type { Exchange, Gateway, Plugin, ProviderInstance, UpstreamRequest } from '@switchyard/core';
import { withMaxTokens } from '@switchyard/wire-anthropic';
import type { SignatureV4 } from '@smithy/signature-v4';
import { bedrockAdapter, JSON_TOOL_KEY, optionsOf, protocolFor } from './adapter.js';
import { toConverse } from './converse-request.js';
import { credentialChain, regionOf, signerFor, signRequest } from './signing.js';

export const PLUGIN = 'provider-bedrock';
export const PROVIDER_TYPE = 'bedrock';
/** After every ADJUST tap: the signature covers the final body. */
export const SIGN_STAGE = ConvertStage.ADJUST + 1000;
export { bedrockAdapter, classifyBedrockError, instanceProperties, isAnthropicModel, protocolFor, CONVERSE, DEFAULT_ANTHROPIC_VERSION } from './adapter.js';
export type { BedrockInstanceOptions } from './adapter.js';
export { toConverse, JSON_TOOL } from './converse-request.js';
export { fromConverse, ConverseStreamDecoder, decodeConverseStream, finishReasonOf, usageOf } from './converse-response.js';
export { readEventStream } from './eventstream.js';
export { credentialChain, regionOf, signRequest, signerFor } from './signing.js';
export type * from './converse-types.js';

const baseHeaders = instanceHeaderCache((instance) => ({ ...instance.headers, 'content-type': 'application/json' }));

/** BUILD: Claude for Anthropic callers → InvokeModel with the caller's body; everything else → Converse. Output tokens fitted to the model. */
function build(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const warn = (m: string): void => x.warn(m);
  const target = x.target!;
  const base = `${target.instance.baseUrl}/model/${encodeURIComponent(target.model)}`;
  req.headers = baseHeaders(target.instance);
  req.headers.accept = req.stream ? 'application/vnd.amazon.eventstream' : 'application/json';
  if (protocolFor(target, x.protocol) === 'anthropic') {
    const { model: _model, stream: _stream, ...rest } = x.body as Record<string, unknown>;
    const body: Record<string, unknown> = { ...rest, anthropic_version: optionsOf(target.instance).anthropicVersion };
    const beta = x.headers['anthropic-beta'];
    const betas = (Array.isArray(beta) ? beta.join(',') : beta ?? '').split(',').map((b) => b.trim()).filter(Boolean);
    if (betas.length && body.anthropic_beta === undefined) body.anthropic_beta = betas;
    req.url = `${base}/${req.stream ? 'invoke-with-response-stream' : 'invoke'}`;
    req.body = typeof body.max_tokens === 'number' ? withMaxTokens(body, targetOutputTokens(gateway, x, body.max_tokens)!, warn) : body;
    return req;
  }
  if (!x.request) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Bedrock`);
  const converted = toConverse({ ...x.request, messages: withoutReasoningBlocks(x.request.messages, warn, 'Bedrock Converse') }, warn);
  const inference = converted.body.inferenceConfig;
  if (inference?.maxTokens !== undefined) inference.maxTokens = targetOutputTokens(gateway, x, inference.maxTokens, x.request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens');
  if (converted.jsonTool) x.set(JSON_TOOL_KEY, converted.jsonTool);
  req.url = `${base}/${req.stream ? 'converse-stream' : 'converse'}`;
  req.body = converted.body;
  return req;
}

/** AWS Bedrock Runtime (Converse, ConverseStream, InvokeModel for Claude) as provider type `bedrock`: SigV4-signed, or with a Bedrock API key. */
export function bedrock(): Plugin<Record<string, never>> {
  return {
    name: PLUGIN,
    schema: { type: 'object', additionalProperties: false, properties: {} },
    apply(gateway) {
      const signers = new Map<ProviderInstance, SignatureV4>();
      for (const [i, instance] of gateway.instances.entries()) {
        if (instance.type !== PROVIDER_TYPE) continue;
        const o = optionsOf(instance);
        if (instance.apiKey) continue; // a Bedrock API key is sent as a bearer token: nothing to sign
        const region = regionOf(instance.baseUrl, o.region);
        if (!region) throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', `providers[${i}].region: required unless baseUrl is https://bedrock-runtime.<region>.amazonaws.com`);
        if (!o.accessKeyId !== !o.secretAccessKey) throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', `providers[${i}]: accessKeyId and secretAccessKey go together`);
        signers.set(instance, signerFor(region, credentialChain(o)));
      }
      gateway.providers.define(PROVIDER_TYPE, bedrockAdapter);
      const hook = gateway.hooks.convertRequest.for(PROVIDER_TYPE);
      hook.tap({ name: PLUGIN, stage: ConvertStage.BUILD }, (req, x) => build(req, x, gateway));
      hook.tapPromise({ name: PLUGIN, stage: SIGN_STAGE }, async (req, x) => {
        const { instance } = x.target!;
        if (instance.apiKey) req.headers.authorization = `Bearer ${instance.apiKey}`;
        else await signRequest(req, signers.get(instance)!);
        return req;
      });
    },
  };
}

export default bedrock;
