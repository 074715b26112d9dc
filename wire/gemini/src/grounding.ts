/**
 * Grounding with Google Search, read back: a candidate's `groundingMetadata` → the canonical
 * `web_search_calls` (see @switchyard/wire-chat) and the searches billed.
 */
import type { Usage } from '@switchyard/core/protocol';
import { urlCitation } from '@switchyard/wire-chat';
import type { UrlCitation, WebSearchCall } from '@switchyard/wire-chat';
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
 * The citations a candidate's grounding makes (`groundingSupports`: a segment of the text, the
 * pages that support it) as canonical URL citations of `text`, the candidate's whole text: one
 * per page of a segment. Gemini counts a segment's offsets in UTF-8 bytes (a start of 0 left out).
 */
export function citationsOfGrounding(meta: GroundingMetadata | undefined, text: string): UrlCitation[] {
  const supports = meta?.groundingSupports;
  if (!Array.isArray(supports) || supports.length === 0) return [];
  const chunks = Array.isArray(meta!.groundingChunks) ? meta!.groundingChunks : [];
  const bytes = Buffer.from(text);
  const at = (offset: unknown): number =>
    typeof offset === 'number' && offset > 0 ? bytes.subarray(0, offset).toString().length : 0;
  const out: UrlCitation[] = [];
  for (const support of supports) {
    const start = at(support?.segment?.startIndex);
    const end = at(support?.segment?.endIndex);
    if (end <= start) continue;
    for (const i of support.groundingChunkIndices ?? []) {
      const web = chunks[i]?.web;
      if (typeof web?.uri === 'string') out.push(urlCitation(web.uri, web.title, start, end));
    }
  }
  return out;
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
