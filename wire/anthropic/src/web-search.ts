/**
 * Anthropic's web search server tool (`web_search_20250305`, later `web_search_*`) for upstreams
 * that search their own way: the tool → the canonical Chat `web_search_options`, and the
 * searches an answer reports (`web_search_calls`, see @switchyard/wire-chat) → the blocks
 * Anthropic answers with: `server_tool_use` (name `web_search`, input `{ query }`) and
 * `web_search_tool_result` holding `web_search_result` items; and back, an Anthropic upstream's
 * own search blocks → `web_search_calls`, for callers of other protocols (Responses callers'
 * `web_search_call` items).
 */
import type { ChatRequest } from '@switchyard/core/protocol';
import { urlCitation } from '@switchyard/wire-chat';
import type { UrlCitation, WebSearchCall } from '@switchyard/wire-chat';
import type { AnthropicTool } from './types.js';

type Warn = (message: string) => void;

/** Whether a tool is Anthropic's web search server tool. */
export function isWebSearchTool(tool: AnthropicTool | null | undefined): boolean {
  return typeof tool?.type === 'string' && tool.type.startsWith('web_search_');
}

/** The tool's fields the conversion reads (or knows to be Anthropic's own bookkeeping). */
const READ = new Set(['type', 'name', 'user_location', 'max_uses', 'cache_control', 'defer_loading', 'strict']);

/**
 * The request's web search tool (the first, if several) → Chat `web_search_options`: `user_location` (approximate) kept in Chat's shape,
 * `max_uses` as `max_web_searches`; `allowed_domains`, `blocked_domains` have no Chat equivalent
 * and are named in a warning (the upstream decides where it searches).
 */
export function addWebSearch(request: ChatRequest, tools: AnthropicTool[] | undefined, warn: Warn): void {
  const search = Array.isArray(tools) ? tools.filter(isWebSearchTool) : [];
  if (search.length > 1) warn(`${search.length - 1} more web search tool(s) dropped (one search setting upstream)`);
  if (!search.length) return;
  request.web_search_options = optionsOf(search[0]!, warn);
  const uses = search[0]!.max_uses;
  if (typeof uses === 'number' && Number.isInteger(uses) && uses >= 0) request.max_web_searches = uses;
}

function optionsOf(tool: AnthropicTool, warn: Warn): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const where = tool.user_location as Record<string, unknown> | null | undefined;
  if (where && typeof where === 'object') {
    const approximate: Record<string, unknown> = {};
    for (const key of ['city', 'region', 'country', 'timezone'])
      if (typeof where[key] === 'string') approximate[key] = where[key];
    options.user_location = { type: 'approximate', approximate };
  }
  for (const key of Object.keys(tool))
    if (!READ.has(key) && tool[key] != null)
      warn(
        `server tool ${tool.name} (${String(tool.type)}): ${key} dropped (the upstream's own search has no equivalent)`,
      );
  return options;
}

/** A server_tool_use id for the n-th search of an answer (Anthropic's are `srvtoolu_…`). */
export function searchUseId(messageId: string, n: number): string {
  return `srvtoolu_${messageId.replace(/^msg_/, '')}_${n}`;
}

/**
 * The two blocks Anthropic answers a search with. `encrypted_content`, which Anthropic's
 * reference requires, is Anthropic's own encryption of the page's text, for its model to read
 * back on the next turn: no other upstream has one, so it is sent empty (a result block sent back
 * is read by the gateway for its URL and title only).
 */
export function webSearchBlocks(call: WebSearchCall, id: string): Array<Record<string, unknown>> {
  return [
    { type: 'server_tool_use', id, name: 'web_search', input: { query: call.query } },
    {
      type: 'web_search_tool_result',
      tool_use_id: id,
      content: call.results.map((r) => ({
        type: 'web_search_result',
        url: r.url,
        title: r.title,
        encrypted_content: '',
        page_age: null,
      })),
    },
  ];
}

/**
 * A web search block of an earlier answer, as text of that assistant turn for an upstream that
 * takes no such blocks: the query searched, the pages found (title and URL). Undefined for a
 * block of another server tool.
 */
export function searchHistoryText(block: Record<string, unknown>): string | undefined {
  if (block.type === 'server_tool_use') {
    const query = (block.input as { query?: unknown } | null | undefined)?.query;
    return block.name === 'web_search' && typeof query === 'string' ? `(searched the web for: ${query})` : undefined;
  }
  if (!Array.isArray(block.content)) return undefined; // an error result: nothing was found
  const lines = (block.content as Array<Record<string, unknown>>)
    .filter((r) => r?.type === 'web_search_result' && typeof r.url === 'string')
    .map((r) => `- ${typeof r.title === 'string' ? r.title : r.url}: ${String(r.url)}`);
  return lines.length ? `(search results)\n${lines.join('\n')}` : '(no search results)';
}

/** Whether a block is a web search's: the `server_tool_use` of `web_search`, or its result. */
export function isSearchBlock(block: Record<string, unknown>): boolean {
  return (block.type === 'server_tool_use' && block.name === 'web_search') || block.type === 'web_search_tool_result';
}

/** A `web_search_tool_result` block's pages (none for an error result). */
export function searchResultsOf(block: Record<string, unknown>): WebSearchCall['results'] {
  if (!Array.isArray(block.content)) return [];
  return (block.content as Array<Record<string, unknown>>)
    .filter((r) => r?.type === 'web_search_result' && typeof r.url === 'string')
    .map((r) => ({ url: String(r.url), title: typeof r.title === 'string' ? r.title : String(r.url) }));
}

/** An answer's web searches: each `server_tool_use` of `web_search` (its query) with the pages of its result block. */
export function searchCallsOfBlocks(content: Array<Record<string, unknown>>): WebSearchCall[] {
  const calls = new Map<unknown, WebSearchCall>();
  for (const block of content) {
    if (block.type === 'server_tool_use' && block.name === 'web_search') {
      const query = (block.input as { query?: unknown } | null | undefined)?.query;
      calls.set(block.id, { query: typeof query === 'string' ? query : '', results: [] });
    } else if (block.type === 'web_search_tool_result') {
      calls.get(block.tool_use_id)?.results.push(...searchResultsOf(block));
    }
  }
  return [...calls.values()];
}

/**
 * A text block's citations of search results (`web_search_result_location`) as canonical URL
 * citations of the block's text, `[start, end)` of the message's content; citations of other
 * kinds (documents) are left out.
 */
export function citationsOfBlock(citations: unknown, start: number, end: number): UrlCitation[] {
  if (!Array.isArray(citations)) return [];
  return (citations as Array<Record<string, unknown>>)
    .filter((c) => c?.type === 'web_search_result_location' && typeof c.url === 'string')
    .map((c) => urlCitation(String(c.url), typeof c.title === 'string' ? c.title : undefined, start, end));
}

/**
 * A canonical citation as Anthropic's `web_search_result_location`. `cited_text` is the answer's
 * text it covers (Anthropic quotes the page, whose words other upstreams do not give);
 * `encrypted_index`, Anthropic's own pointer into its encrypted page, is empty.
 */
export function locationOf(citation: UrlCitation, citedText: string): Record<string, unknown> {
  const { url, title } = citation.url_citation;
  return { type: 'web_search_result_location', url, title, cited_text: citedText, encrypted_index: '' };
}

/** An answer's text as Anthropic's text blocks: each span its citations cover a block of its own, with them. */
export function citedTextBlocks(text: string, citations: UrlCitation[]): Array<Record<string, unknown>> {
  if (citations.length === 0) return [{ type: 'text', text }];
  const cuts = new Set([0, text.length]);
  for (const { url_citation: c } of citations)
    for (const at of [c.start_index, c.end_index]) if (at > 0 && at < text.length) cuts.add(at);
  const points = [...cuts].sort((a, b) => a - b);
  const blocks: Array<Record<string, unknown>> = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [from, to] = [points[i]!, points[i + 1]!];
    const span = text.slice(from, to);
    const cover = citations.filter((c) => c.url_citation.start_index <= from && c.url_citation.end_index >= to);
    blocks.push(
      cover.length
        ? { type: 'text', text: span, citations: cover.map((c) => locationOf(c, span)) }
        : { type: 'text', text: span },
    );
  }
  return blocks;
}
