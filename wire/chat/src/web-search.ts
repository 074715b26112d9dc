/**
 * The web searches an upstream ran for an answer (Gemini's grounding with Google Search, …), as
 * a canonical message or delta carries them for callers whose protocol shows searches (Anthropic
 * `server_tool_use` + `web_search_tool_result` blocks): `web_search_calls`, beside the Chat
 * shape's own fields. The request side is Chat's own `web_search_options`.
 */
export interface WebSearchCall {
  /** What was searched for. */
  query: string;
  /** The pages found (or cited): an upstream that does not tell which query found which page lists them all under the first. */
  results: Array<{ url: string; title: string }>;
}

/** The canonical message or delta field that carries WebSearchCall entries. */
export const WEB_SEARCH_CALLS = 'web_search_calls';

/** A message's or delta's web searches ([] when it carries none). */
export function webSearchCallsOf(carrier: Record<string, unknown> | undefined): WebSearchCall[] {
  const calls = carrier?.[WEB_SEARCH_CALLS];
  return Array.isArray(calls) ? (calls as WebSearchCall[]) : [];
}

/** OpenAI's Chat Completions search models (`gpt-4o-search-preview`, `gpt-5-search-api`, …): the only ones taking `web_search_options`. */
const SEARCH_MODEL = /(^|[-/])search([-_]|$)/;

/** Whether a model searches through Chat Completions (one of OpenAI's search models). */
export function searchesThroughChat(model: string): boolean {
  return SEARCH_MODEL.test(model);
}

/**
 * A request converted from another protocol (an Anthropic caller's web search tool became
 * `web_search_options`) for a Chat Completions model that does not search: the option is
 * dropped, named in a warning, as the API refuses it ("Web search options not supported with
 * this model") where the caller asked for a search the upstream may do without. A Chat caller's
 * own body is its to send (`converted` false).
 */
export function fitWebSearch(
  body: Record<string, unknown>,
  model: string,
  converted: boolean,
  warn: (m: string) => void,
): void {
  if (!converted || body.web_search_options == null || SEARCH_MODEL.test(model)) return;
  delete body.web_search_options;
  warn(`web search dropped (${model} does not search through Chat Completions; its search models do)`);
}

/**
 * A citation of a page in an answer's text, in Chat's shape (`message.annotations`, the canonical
 * carrier): the cited span as `start_index` / `end_index` into the message's `content` (string
 * indices, end exclusive). A delta's annotations index into the content streamed so far.
 */
export interface UrlCitation {
  type: 'url_citation';
  url_citation: { url: string; title: string; start_index: number; end_index: number };
}

/** The canonical message or delta field that carries UrlCitation entries. */
export const ANNOTATIONS = 'annotations';

/** A message's or delta's URL citations ([] when it carries none). */
export function citationsOf(carrier: Record<string, unknown> | undefined): UrlCitation[] {
  const notes = carrier?.[ANNOTATIONS];
  if (!Array.isArray(notes) || notes.length === 0) return [];
  return (notes as UrlCitation[]).filter((n) => n?.type === 'url_citation' && typeof n.url_citation?.url === 'string');
}

/** A URL citation of `content[start, end)`. */
export function urlCitation(url: string, title: string | undefined, start: number, end: number): UrlCitation {
  return { type: 'url_citation', url_citation: { url, title: title ?? url, start_index: start, end_index: end } };
}
