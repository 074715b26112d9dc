import { defaultClassifyError } from '@switchyard/core/provider';
import { exchangeKey } from '@switchyard/core';
import type { Exchange, Target } from '@switchyard/core';
import type { ProviderAdapter, UpstreamErrorInfo } from '@switchyard/core/provider';
import type { AnthropicMessage } from '@switchyard/wire-anthropic';
import { decodeMessagesStream, fromMessagesResponse } from '@switchyard/wire-anthropic';
import { withTooLong } from '@switchyard/wire-chat';
import { decodeConverseStream, fromConverse } from './converse-response.js';
import type { DecodeContext } from './converse-response.js';
import type { ConverseResponse } from './converse-types.js';
import { readEventStream } from './eventstream.js';
import { instanceFields } from './instance-fields.js';
import { bedrockTooLong } from './too-long.js';

/** The Converse wire protocol: what every Bedrock attempt speaks except Claude for Anthropic callers. */
export const CONVERSE = 'bedrock-converse';
/** The forced JSON tool of this exchange's Converse request, when response_format used one. */
export const JSON_TOOL_KEY = exchangeKey<string>('provider-bedrock:json-tool');

/** The instance fields' JSON Schema properties, as core checks them. */

/**
 * Model-id prefixes an instance without `models` serves: Bedrock's providers (`anthropic.…`,
 * `amazon.…`, …) and the cross-region inference profiles (`us.anthropic.…`, `global.…`).
 */
export const MODEL_PREFIXES = [
  'anthropic.',
  'amazon.',
  'meta.',
  'mistral.',
  'cohere.',
  'ai21.',
  'deepseek.',
  'qwen.',
  'openai.',
  'writer.',
  'us.',
  'eu.',
  'apac.',
  'jp.',
  'au.',
  'us-gov.',
  'global.',
];

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
  return {
    id: `chatcmpl-${x.id}`,
    model: x.target?.model ?? x.model,
    jsonTool: x.get(JSON_TOOL_KEY),
    warn: (m) => x.warn(m),
  };
}

/**
 * Bedrock errors: `{"message"}` with the type in `x-amzn-ErrorType`. 429 (ThrottlingException,
 * ModelNotReadyException) → rate limited; 5xx, 408 (ModelTimeoutException), 424
 * (ModelErrorException) → failure; 401 and 403 (AccessDenied — model access not granted, a
 * refused signature or token) → failure: the gateway's own credential or account is at fault,
 * another instance may serve, and the caller must not read it as their own 403. Any other 4xx
 * (ValidationException, ResourceNotFound, ServiceQuotaExceeded) → business error with the message;
 * "Input is too long for requested model." (Converse), or Claude's own "prompt is too long" through
 * InvokeModel, is a prompt too long for the model (`tooLong`).
 */
export function classifyBedrockError(status: number, body: string): UpstreamErrorInfo {
  const info = defaultClassifyError(status, body);
  if (status === 403 || status === 424) info.outcome = 'failure';
  if (info.outcome === 'business_error' && !info.type) info.type = 'invalid_request_error';
  return withTooLong(info, bedrockTooLong);
}

export const bedrockAdapter: ProviderAdapter = {
  protocol: CONVERSE,
  protocolFor,
  operations: ['chat'],
  modelPrefixes: MODEL_PREFIXES,
  instanceSchema: instanceFields,
  readEvents: (body) => readEventStream(body),
  decodeResponse: (body, x) =>
    invokes(x)
      ? fromMessagesResponse(body as AnthropicMessage, undefined, (m) => x.warn(m))
      : fromConverse(body as ConverseResponse, context(x)),
  decodeStream: (events, x) => (invokes(x) ? decodeMessagesStream(events) : decodeConverseStream(events, context(x))),
  classifyError: classifyBedrockError,
};
