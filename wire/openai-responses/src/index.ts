/**
 * The OpenAI Responses API wire format, both ways: its types; Responses request → canonical (Chat
 * Completions) request and canonical answer and stream → Responses response object and events,
 * for Responses callers served by other upstreams (@switchyard/protocol-responses); Responses
 * response and stream → canonical, for the providers that speak it (OpenAI, Azure OpenAI).
 * Reasoning from other providers travels in `encrypted_content` (see envelope.ts). Pure functions.
 */
export type * from './types.js';
export {
  responsesToCanonical,
  inputItems,
  customToolNames,
  customToolInput,
  reasoningBlock,
  wantsSummary,
} from './request.js';
export type { ResponsesConversion } from './request.js';
export {
  toResponseObject,
  fromResponseObject,
  baseResponse,
  finishResponse,
  visibleResponse,
  visibleItem,
  reasoningItem,
  callItem,
  finishReasonOf,
  ENCRYPTED_REASONING,
} from './response.js';
export type { ResponseContext } from './response.js';
export { ResponsesStreamEncoder, responsesSse } from './encode-stream.js';
export { ResponsesStreamDecoder, decodeResponsesStream } from './decode-stream.js';
export { sealReasoning, openReasoning, isSealed, withoutSealedReasoning } from './envelope.js';
export { fitResponsesFields } from './model-fields.js';
export { responsesUsageOf, canonicalUsageOf, canonicalUsageOfBody } from './usage.js';
export { newId } from './ids.js';
export { CONTINUATION, UPSTREAM_RESPONSE } from './keys.js';
export type { Continuation } from './keys.js';
export { chatToResponses } from './from-chat.js';
export { searchCallsOfOutput, searchItem, SEARCH_SOURCES } from './web-search.js';
