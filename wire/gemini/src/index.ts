/**
 * The Gemini generateContent wire format: request, response and stream conversions between
 * Switchyard's canonical (OpenAI Chat Completions) shapes and Gemini's, JSON Schema → Gemini
 * Schema, tool-call ids, embeddings and error classification. Pure functions, shared by the
 * providers that speak it (the Gemini API, Vertex AI).
 */
export { toGenerateContent, toContents, imagePart } from './request.js';
export type { Warn } from './request.js';
export { fromGenerateContent, fromEmbedContent, finishReasonOf, usageOf, readParts } from './response.js';
export type { DecodeContext, PartsReading } from './response.js';
export { GeminiStreamDecoder, decodeGeminiStream } from './stream.js';
export { toGeminiSchema, isEmptyObject } from './schema.js';
export type { SchemaConversion } from './schema.js';
export { toEmbedCall } from './embeddings.js';
export type { EmbedCall } from './embeddings.js';
export { classifyGeminiError, geminiTooLong } from './errors.js';
export { toolCallId, splitToolCallId } from './ids.js';
export type * from './types.js';
