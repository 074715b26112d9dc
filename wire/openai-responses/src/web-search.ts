/**
 * The hosted web search's calls, both ways: a response's `web_search_call` items and the
 * `url_citation` annotations of its text → the canonical `web_search_calls` (see
 * @switchyard/wire-chat), for callers whose protocol shows searches (Anthropic's blocks); and the
 * searches another upstream ran (Anthropic's, Gemini's) → `web_search_call` items for Responses callers.
 */
import { urlCitation } from '@switchyard/wire-chat';
import type { UrlCitation, WebSearchCall } from '@switchyard/wire-chat';
import { newId } from './ids.js';
import type { ResponsesItem } from './types.js';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = Record<string, any>;

/**
 * One search per `web_search_call` whose action is a search (its `query`, else its first of
 * `queries`), with the pages its `action.sources` name (a source has no title: a citation of it
 * gives one); the pages the text cites and no search named go under the first, as the API does
 * not say which search found them.
 */
export function searchCallsOfOutput(output: unknown): WebSearchCall[] {
  if (!Array.isArray(output)) return [];
  const calls: WebSearchCall[] = [];
  const seen = new Map<string, WebSearchCall['results'][number]>();
  const cited: WebSearchCall['results'] = [];
  for (const item of output as Any[]) {
    if (item?.type === 'web_search_call') {
      const action = (item.action ?? {}) as Any;
      if (action.type !== undefined && action.type !== 'search') continue;
      const query = typeof action.query === 'string' ? action.query : (action.queries?.[0] ?? '');
      const results = (Array.isArray(action.sources) ? (action.sources as Any[]) : [])
        .filter((s) => typeof s?.url === 'string' && !seen.has(s.url))
        .map((s) => {
          const result = { url: String(s.url), title: String(s.title ?? s.url) };
          seen.set(result.url, result);
          return result;
        });
      calls.push({ query: String(query), results });
    } else if (item?.type === 'message') {
      for (const part of (item.content ?? []) as Any[])
        for (const note of (part?.annotations ?? []) as Any[])
          if (note?.type === 'url_citation' && typeof note.url === 'string') cite(note, seen, cited);
    }
  }
  if (cited.length && calls.length === 0) return [{ query: '', results: cited }];
  if (cited.length) calls[0]!.results.push(...cited);
  return calls;
}

/** A `url_citation`: its title for a page a search named, else a page of its own. */
function cite(note: Any, seen: Map<string, WebSearchCall['results'][number]>, cited: WebSearchCall['results']): void {
  const title = typeof note.title === 'string' && note.title ? note.title : undefined;
  const known = seen.get(note.url);
  if (known) {
    if (title && known.title === known.url) known.title = title;
    return;
  }
  const result = { url: String(note.url), title: title ?? String(note.url) };
  seen.set(result.url, result);
  cited.push(result);
}

/** What `include` names to have a search's pages in its action. */
export const SEARCH_SOURCES = 'web_search_call.action.sources';

/**
 * A search another upstream ran, as the Responses API reports one: a completed `web_search_call`
 * whose action is a search for its query, with the pages found as `sources` when the request's
 * `include` asks for them.
 */
export function searchItem(call: WebSearchCall, include: readonly string[] | null | undefined): ResponsesItem {
  const action: Record<string, unknown> = { type: 'search', query: call.query };
  if (include?.includes(SEARCH_SOURCES)) action.sources = call.results.map((r) => ({ type: 'url', url: r.url }));
  return { id: newId('ws'), type: 'web_search_call', status: 'completed', action };
}

/** An `output_text` annotation, if a `url_citation`, as a canonical citation: its span moved by `offset`, where its part starts in the content. */
export function citationOfAnnotation(note: unknown, offset: number): UrlCitation | undefined {
  const n = note as Any | null | undefined;
  if (n?.type !== 'url_citation' || typeof n.url !== 'string') return undefined;
  const start = typeof n.start_index === 'number' ? n.start_index : 0;
  const end = typeof n.end_index === 'number' ? n.end_index : start;
  return urlCitation(n.url, typeof n.title === 'string' ? n.title : undefined, start + offset, end + offset);
}

/** A canonical citation as an `output_text` annotation of a part starting at `offset` in the content. */
export function annotationOf(citation: UrlCitation, offset = 0): Any {
  const { url, title, start_index, end_index } = citation.url_citation;
  return { type: 'url_citation', start_index: start_index - offset, end_index: end_index - offset, url, title };
}
