/**
 * The Anthropic Messages wire format, both ways: its types; canonical (OpenAI Chat Completions)
 * request → Messages request and Messages response and stream → canonical, for the providers
 * that speak it (the Anthropic API, Claude on Bedrock and on Vertex AI); Messages request →
 * canonical and canonical answer and stream → Messages, for Anthropic callers
 * (@switchyard/protocol-anthropic). Pure functions.
 */
export type * from './types.js';
export {
  anthropicUsageOf,
  canonicalToAnthropicMessage,
  canonicalUsageOf,
  messageId,
  parseArguments,
  stopReasonOf,
  thinkingBlocks,
} from './inbound.js';
export { anthropicToCanonical } from './to-canonical.js';
export type { CanonicalConversion } from './to-canonical.js';
export { ANTHROPIC_REASONING, isAnthropicReasoning, reasoningBlockOf, thinkingBlockOf } from './reasoning.js';
export {
  BETA_FEATURES,
  MIN_THINKING_BUDGET,
  filterBetas,
  parseBetas,
  withMaxTokens,
  withoutBetaFields,
} from './betas.js';
export type { BetaPolicy } from './betas.js';
export { AnthropicStreamEncoder, anthropicSse } from './encode-stream.js';
export { carriesMadeUpSearch, withAnthropicSearchHistory } from './search-history.js';
export {
  toMessagesRequest,
  acceptsSampling,
  takesOneSamplingField,
  JSON_TOOL,
  NO_SAMPLING_VERSION,
} from './request.js';
export type { ConvertOptions, Converted, JsonMode } from './request.js';
export { fromMessagesResponse, finishReasonOf } from './response.js';
export { anthropicTooLong, classifyAnthropicError } from './errors.js';
export { MessagesStreamDecoder, StreamError, decodeMessagesStream } from './stream.js';
