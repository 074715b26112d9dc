/**
 * The Anthropic Messages wire format: canonical (OpenAI Chat Completions) request → Messages
 * request, Messages response and stream → canonical. Pure functions, shared by the providers
 * that speak it (the Anthropic API, Claude on Bedrock and on Vertex AI).
 */
export { toMessagesRequest, acceptsSampling, JSON_TOOL, NO_SAMPLING_VERSION } from './request.js';
export type { ConvertOptions, Converted, JsonMode } from './request.js';
export { fromMessagesResponse, finishReasonOf } from './response.js';
export { classifyAnthropicError } from './errors.js';
export { MessagesStreamDecoder, StreamError, decodeMessagesStream } from './stream.js';
