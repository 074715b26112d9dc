/**
 * Grounding with Google Search, read back: a candidate's `groundingMetadata` → the canonical
 * `web_search_calls` (see @switchyard/wire-chat) and the searches billed.
 */
import type { Usage } from '@switchyard/core/protocol';
import type { WebSearchCall } from '@switchyard/wire-chat';
import type { GroundingMetadata } from './types.js';

/**
 * The searches a candidate's grounding reports: one per query (`webSearchQueries`), the pages
 * found (`groundingChunks[].web`: Google's redirect URI, the site as title) under the first, as
 * Gemini does not tell which query found which page. Grounding without queries is one search.
 */
export function searchCallsOf(meta: GroundingMetadata | undefined): WebSearchCall[] {
  if (!meta || typeof meta !== 'object') return [];
  const results = (Array.isArray(meta.groundingChunks) ? meta.groundingChunks : [])
    .map((chunk) => chunk?.web)
    .filter((web): web is { uri: string; title?: string } => typeof web?.uri === 'string')
    .map((web) => ({ url: web.uri, title: web.title ?? web.uri }));
  const queries = (Array.isArray(meta.webSearchQueries) ? meta.webSearchQueries : []).filter(
    (q): q is string => typeof q === 'string',
  );
  if (queries.length === 0) return results.length ? [{ query: '', results }] : [];
  return queries.map((query, i) => ({ query, results: i === 0 ? results : [] }));
}

/**
 * The searches Google bills for an answer: Gemini 3 per search query, earlier models per
 * grounded prompt (one, however many queries it ran).
 */
export function billedSearches(calls: number, model: string): number {
  if (calls === 0) return 0;
  return /^gemini-[3-9]/.test(model) ? calls : 1;
}

/** Usage with the searches billed set (canonical `server_tool_use.web_search_requests`). */
export function withSearches(usage: Usage | undefined, searches: number): Usage | undefined {
  if (!usage || searches === 0) return usage;
  return { ...usage, server_tool_use: { ...usage.server_tool_use, web_search_requests: searches } };
}
