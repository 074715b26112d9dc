/**
 * Web search history an Anthropic upstream can take. When another upstream searched for an
 * Anthropic caller, Switchyard answered with `server_tool_use` + `web_search_tool_result` blocks
 * and `web_search_result_location` citations whose `encrypted_content` / `encrypted_index` are
 * empty (web-search.ts): only Anthropic makes those, and reads them back on the next turn. A
 * client sends that history back; bound for an Anthropic upstream (failover, another model), the
 * made-up fields would be refused, so those searches go as text of their turn instead (the query,
 * the pages found, the pages cited) and the citations are left off the text they covered.
 * Anthropic's own blocks (non-empty encrypted fields) are sent untouched.
 */
import { searchHistoryText } from './web-search.js';

type Json = Record<string, unknown>;
type Warn = (message: string) => void;

/** A search result or citation Anthropic did not make: its encrypted field empty or missing. */
function unsigned(value: unknown): boolean {
  return typeof value !== 'string' || value === '';
}

/** A `web_search_tool_result` with a result Anthropic did not make (an error result has none). */
function isMadeUpResult(block: Json): boolean {
  if (block.type !== 'web_search_tool_result' || !Array.isArray(block.content)) return false;
  const results = block.content as Json[];
  for (let i = 0; i < results.length; i++)
    if (results[i]?.type === 'web_search_result' && unsigned(results[i]!.encrypted_content)) return true;
  return false;
}

function isMadeUpCitation(citation: Json | null | undefined): boolean {
  return citation?.type === 'web_search_result_location' && unsigned(citation.encrypted_index);
}

/** A text block citing a search result Anthropic did not make. */
function hasMadeUpCitation(block: Json): boolean {
  if (block.type !== 'text' || !Array.isArray(block.citations)) return false;
  const citations = block.citations as Json[];
  for (let i = 0; i < citations.length; i++) if (isMadeUpCitation(citations[i])) return true;
  return false;
}

/**
 * Whether a Messages body's history holds search blocks or citations Switchyard made. A scan of
 * the assistant turns that allocates nothing, for every request passed through.
 */
export function carriesMadeUpSearch(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  for (let m = 0; m < messages.length; m++) {
    const message = messages[m] as Json | null;
    if (message?.role !== 'assistant' || !Array.isArray(message.content)) continue;
    const blocks = message.content as Json[];
    for (let b = 0; b < blocks.length; b++) {
      const block = blocks[b];
      if (block && (isMadeUpResult(block) || hasMadeUpCitation(block))) return true;
    }
  }
  return false;
}

/**
 * A Messages body whose history an Anthropic upstream takes: each search Switchyard made (its
 * `server_tool_use` and result) as text blocks at its place, each made-up citation left off its
 * text with the pages it cited named after it (once per turn, unless the turn's results named
 * them). The body itself when it holds none.
 */
export function withAnthropicSearchHistory<T extends Json>(body: T, warn: Warn): T {
  if (!carriesMadeUpSearch(body.messages)) return body;
  warn(
    'web searches another upstream ran sent as text (Anthropic takes back only search results and citations it made)',
  );
  const messages = (body.messages as Json[]).map((message) =>
    message?.role === 'assistant' && Array.isArray(message.content)
      ? { ...message, content: turnContent(message.content as Json[]) }
      : message,
  );
  return { ...body, messages };
}

function turnContent(blocks: Json[]): Json[] {
  const madeUp = new Set<unknown>();
  for (const block of blocks) if (isMadeUpResult(block)) madeUp.add(block.tool_use_id);
  const named = new Set<string>();
  const out: Json[] = [];
  for (const block of blocks) {
    if (isMadeUpResult(block) || (block.type === 'server_tool_use' && madeUp.has(block.id))) {
      const text = searchHistoryText(block);
      if (text) out.push({ type: 'text', text });
      if (block.type === 'web_search_tool_result') for (const url of urlsOf(block.content)) named.add(url);
    } else if (hasMadeUpCitation(block)) {
      out.push(...uncited(block, named));
    } else out.push(block);
  }
  return out;
}

function urlsOf(results: unknown): string[] {
  return (results as Json[]).flatMap((r) => (typeof r?.url === 'string' ? [r.url] : []));
}

/** A text block without its made-up citations, and a text naming the pages they cited that the turn has not named yet. */
function uncited(block: Json, named: Set<string>): Json[] {
  const citations = block.citations as Json[];
  const kept = citations.filter((c) => !isMadeUpCitation(c));
  const { citations: _dropped, ...rest } = block;
  const text: Json = kept.length ? { ...rest, citations: kept } : rest;
  const lines: string[] = [];
  for (const c of citations) {
    if (!isMadeUpCitation(c) || typeof c.url !== 'string' || named.has(c.url)) continue;
    named.add(c.url);
    lines.push(`- ${typeof c.title === 'string' && c.title ? c.title : c.url}: ${c.url}`);
  }
  return lines.length ? [text, { type: 'text', text: `(cited)\n${lines.join('\n')}` }] : [text];
}
