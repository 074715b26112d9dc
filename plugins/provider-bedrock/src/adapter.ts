import { defaultClassifyError, exchangeKey } from '@switchyard/core';
import type { Exchange, ProviderAdapter, ProviderInstance, Target, UpstreamErrorInfo } from '@switchyard/core';
import type { AnthropicMessage } from '@switchyard/wire-anthropic';
import { decodeMessagesStream, fromMessagesResponse } from '@switchyard/wire-anthropic';
import { decodeConverseStream, fromConverse } from './converse-response.js';
import type { DecodeContext } from './converse-response.js';
import type { ConverseResponse } from './converse-types.js';
import { readEventStream } from './eventstream.js';
import type { CredentialOptions } from './signing.js';

/** The Converse wire protocol: what every Bedrock attempt speaks except Claude for Anthropic callers. */
export const CONVERSE = 'bedrock-converse';
/** The anthropic_version InvokeModel wants in a Claude body. */
export const DEFAULT_ANTHROPIC_VERSION = 'bedrock-2023-05-31';
/** The forced JSON tool of this exchange's Converse request, when response_format used one. */
export const JSON_TOOL_KEY = exchangeKey<string>('provider-bedrock:json-tool');

/** Instance fields a `type: bedrock` provider entry may add to the common ones. */
export const instanceProperties = {
  region: { type: 'string', minLength: 1, description: 'AWS region (signing scope); default: the one in a bedrock-runtime.<region>.amazonaws.com baseUrl.' },
  accessKeyId: { type: 'string', minLength: 1, description: 'AWS access key id; with secretAccessKey, used instead of the environment and shared profiles.' },
  secretAccessKey: { type: 'string', minLength: 1, description: 'AWS secret access key.' },
  sessionToken: { type: 'string', minLength: 1, description: 'AWS session token, for temporary credentials.' },
  profile: { type: 'string', minLength: 1, description: 'Shared config/credentials profile; default: the environment, then AWS_PROFILE (or default) from ~/.aws.' },
  anthropicVersion: { type: 'string', default: DEFAULT_ANTHROPIC_VERSION, description: 'anthropic_version of InvokeModel bodies for Claude (Anthropic callers).' },
} as const;

export interface BedrockInstanceOptions extends CredentialOptions {
  region?: string;
  anthropicVersion: string;
}

export function optionsOf(instance: ProviderInstance): BedrockInstanceOptions {
  const o = instance.options as Partial<BedrockInstanceOptions>;
  return { ...o, anthropicVersion: o.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION };
}

/** Claude model ids, inference profiles (`us.anthropic.…`) and ARNs naming one. */
export function isAnthropicModel(model: string): boolean {
  return /(^|[./])anthropic\./.test(model);
}

/** Claude speaks Anthropic Messages (InvokeModel) to Anthropic callers, so they keep every field; all else is Converse. */
export function protocolFor(target: Target, inbound: string): string {
  return inbound === 'anthropic' && isAnthropicModel(target.model) ? 'anthropic' : CONVERSE;
}

const invokes = (x: Exchange): boolean => protocolFor(x.target!, x.protocol) === 'anthropic';

function context(x: Exchange): DecodeContext {
  return { id: `chatcmpl-${x.id}`, model: x.target?.model ?? x.model, jsonTool: x.get(JSON_TOOL_KEY), warn: (m) => x.warn(m) };
}

/**
 * Bedrock errors: `{"message"}` with the type in `x-amzn-ErrorType`. 429 (ThrottlingException,
 * ModelNotReadyException) → rate limited; 5xx, 408 (ModelTimeoutException), 424
 * (ModelErrorException) → failure; 401 and 403 (AccessDenied — model access not granted, a
 * refused signature or token) → failure: the gateway's own credential or account is at fault,
 * another instance may serve, and the caller must not read it as their own 403. Any other 4xx
 * (ValidationException, ResourceNotFound, ServiceQuotaExceeded) → business error with the message.
 */
export function classifyBedrockError(status: number, body: string): UpstreamErrorInfo {
  const info = defaultClassifyError(status, body);
  if (status === 403 || status === 424) info.outcome = 'failure';
  if (info.outcome === 'business_error' && !info.type) info.type = 'invalid_request_error';
  return info;
}

export const bedrockAdapter: ProviderAdapter = {
  protocol: CONVERSE,
  protocolFor,
  operations: ['chat'],
  instanceProperties,
  readEvents: (body) => readEventStream(body),
  decodeResponse: (body, x) =>
    invokes(x) ? fromMessagesResponse(body as AnthropicMessage, undefined, (m) => x.warn(m)) : fromConverse(body as ConverseResponse, context(x)),
  decodeStream: (events, x) => (invokes(x) ? decodeMessagesStream(events) : decodeConverseStream(events, context(x))),
  classifyError: classifyBedrockError,
};
