/**
 * Helpers the chat wire conversions share, for plugins and wire libraries (core runs none of
 * them): mapped streams, a decoded stream's opening held until its first content, upstream
 * stream events read (Chat Completions chunks, unreadable data and cuts as upstream failures),
 * OpenAI's errors read (a prompt too long for the model recognised), a pass-through answer's
 * usage read from its bytes, reasoning blocks dropped for an upstream that takes none back, a
 * stored completion replayed as chunks.
 */
export { mapStream } from './map-stream.js';
export { OpeningHold } from './opening-hold.js';
export type { StreamMapping } from './map-stream.js';
export { usageCarrier, usageSlice } from './usage-slice.js';
export {
  fitReasoningFields,
  hasReasoningFields,
  samplesWithoutReasoning,
  withoutReasoningBlocks,
} from './reasoning.js';
export { completionChunks } from './completion-chunks.js';
export { withoutLiveSearch } from './live-search.js';
export { decodeChatChunks, parseStreamEvent, upstreamStreamFailure } from './upstream-events.js';
export { classifyOpenAIError, openAITooLong, withTooLong } from './too-long.js';
/** Core's, re-exported for the stream decoders that throw it. */
export { promptTooLongError } from '@switchyard/core/provider';
export {
  ANNOTATIONS,
  citationsOf,
  fitWebSearch,
  searchesThroughChat,
  urlCitation,
  WEB_SEARCH_CALLS,
  webSearchCallsOf,
} from './web-search.js';
export type { UrlCitation, WebSearchCall } from './web-search.js';
