import { exchangeKey } from '@switchyard/core';
import type { Exchange } from '@switchyard/core';
import { requestedSearchesOf } from '@switchyard/plugin-pricing/contract';
import {
  ADVISOR_CALLS_UNCAPPED,
  hostedShell,
  inlinePdfTokens,
  isAdvisorTool,
  promptMediaOf,
  readsToolResults,
} from '@switchyard/plugin-models/contract';
import type { BodyTool } from '@switchyard/plugin-models/contract';

/** What a request's body may be billed that its own text does not show. */
export interface BilledBeyondPrompt {
  /** Input the upstream reads beyond the body (tool results, documents it fetches, PDFs whose pages cannot be counted): up to the context window. */
  readonly unboundedInput: boolean;
  /**
   * An image part names a URL that is neither an image's nor a known document's by its extension:
   * an upstream that reads any file by URL (Gemini's fileData) may find a video or a PDF behind it.
   */
  readonly urlOfUnknownKind: boolean;
  /** Input tokens the inline PDFs are billed by their pages (plugin-models inlinePdfTokens), whatever their size in bytes. */
  readonly pdfTokens: number;
  /** What is billed beside the tokens or at a rate no catalog price has a field for, named for the caller; undefined when nothing. */
  readonly unpricedFee: string | undefined;
}

const BILLED = exchangeKey<BilledBeyondPrompt>('budgets:billed-beyond-prompt');

/** The request's BilledBeyondPrompt, read once per exchange (budgets ask per target). */
export function billedBeyondPrompt(x: Exchange): BilledBeyondPrompt {
  let billed = x.get(BILLED);
  if (!billed) {
    const media = promptMediaOf(x.body);
    const pdfs = inlinePdfTokens(x.body);
    billed = {
      unboundedInput: readsToolResults(x.body) || media.byReference || pdfs.uncounted > 0,
      urlOfUnknownKind: media.unknownKind,
      pdfTokens: pdfs.tokens,
      unpricedFee: unpricedFeeOf(x.body) ?? (media.audio ? 'audio input (billed at its own rate)' : undefined),
    };
    x.set(BILLED, billed);
  }
  return billed;
}

/**
 * Web searches reserved for a web search tool that sets no limit (the APIs set none), and sent to
 * the upstream as its limit (limitSearches): else an answer may search past what was reserved.
 */
export const WEB_SEARCHES_UNCAPPED = 10;

/** The inbound protocol whose web search tools the Responses `max_tool_calls` limits (all built-in tool calls together). */
const RESPONSES = 'openai-responses';

type SearchTool = { type?: unknown; max_uses?: unknown } | null;

/** The body's web search tools: Anthropic `web_search_*`, Responses `web_search`, `web_search_preview*`. */
function searchToolsOf(body: Record<string, unknown>): SearchTool[] {
  if (!Array.isArray(body.tools)) return [];
  return (body.tools as SearchTool[]).filter(
    (tool) => typeof tool?.type === 'string' && (tool.type === 'web_search' || tool.type.startsWith('web_search_')),
  );
}

/** A count a caller set: a whole number, not negative. */
function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * The most web searches the request may run on `model`: a Chat `web_search_options`' one, or a
 * Chat search model's (requestedSearchesOf); Anthropic
 * `web_search_*` tools' `max_uses` each; for the Responses API's web search tools together, its
 * `max_tool_calls` (which bounds every built-in tool call; its tools take no `max_uses`). A limit
 * not set counts WEB_SEARCHES_UNCAPPED, which limitSearches sends.
 */
export function webSearchesAllowed(body: Record<string, unknown>, protocol: string, model: string): number {
  const searches = requestedSearchesOf(body, model);
  const tools = searchToolsOf(body);
  if (tools.length === 0) return searches;
  if (protocol === RESPONSES) return searches + (countOf(body.max_tool_calls) ?? WEB_SEARCHES_UNCAPPED);
  return tools.reduce((sum, tool) => sum + (countOf(tool?.max_uses) ?? WEB_SEARCHES_UNCAPPED), searches);
}

/**
 * Search queries reserved for a web search on a Gemini 3 (or later) model spoken to in Gemini's
 * protocol: Google bills its grounding per query the model runs (earlier models once per grounded
 * prompt: wire-gemini's billedSearches), and the API takes no limit to send. Queries past it are
 * charged as the answer reports them, not reserved.
 */
export const GEMINI_QUERIES_RESERVED = 10;

const BILLED_PER_QUERY = /^gemini-[3-9]/;

/** The web searches reserved for a request on `model` spoken to in `upstream`'s protocol: webSearchesAllowed, at least GEMINI_QUERIES_RESERVED on a Gemini model billed per query. */
export function searchesReserved(x: Exchange, model: string, upstream: string | undefined): number {
  const allowed = webSearchesAllowed(x.body, x.protocol, model);
  if (allowed === 0 || upstream !== 'gemini' || !BILLED_PER_QUERY.test(model)) return allowed;
  return Math.max(allowed, GEMINI_QUERIES_RESERVED);
}

/** Samplings Anthropic's server-side tool loop runs at most, after which it pauses the turn (`stop_reason: pause_turn`). */
export const ANTHROPIC_LOOP_SAMPLINGS = 10;

/**
 * Anthropic server tools whose calls their `max_uses` bounds: the 2025 web search and fetch (later
 * versions filter their results by running code between calls, beyond `max_uses`) and the advisor.
 */
const COUNTED_BY_MAX_USES = /^(?:web_(?:search|fetch)_2025\d{4}$|advisor_)/;

/**
 * How many times an upstream spoken to in `upstream`'s protocol may read the prompt for one
 * request offering hosted tools whose results it reads (readsToolResults of its `tools` and
 * Anthropic's `mcp_servers`; Azure's `data_sources` are read once) or a tool search: once per sampling of its
 * server-side tool loop, each reading the whole transcript with the results so far, each billed.
 * Anthropic's: one more than the calls the tools' `max_uses` allow (as limitSearches and
 * limitAdvisorCalls send them), ANTHROPIC_LOOP_SAMPLINGS at most, and that when a tool has no such
 * bound (code execution, MCP, a tool search, a fetch without `max_uses`); the Responses API's: one more than its
 * `max_tool_calls` (sent as WEB_SEARCHES_UNCAPPED when unset: limitSearches). A Chat search model
 * or Gemini's grounding read their results once. A request converted for the upstream (another
 * protocol's web search, sent over the Responses API or as Anthropic's tool) runs one more
 * sampling than the searches its canonical `max_web_searches` allows (limitSearches sets it).
 */
export function loopSamplings(x: Exchange, upstream: string | undefined): number {
  if (upstream === undefined || upstream === x.protocol) return ownLoopSamplings(x.body, upstream);
  // Converted, the request's one server tool is its web search, sent its limit (max_web_searches).
  if (x.request?.web_search_options == null || (upstream !== RESPONSES && upstream !== 'anthropic')) return 1;
  const searches = countOf(x.request.max_web_searches) ?? WEB_SEARCHES_UNCAPPED;
  return upstream === 'anthropic' ? Math.min(ANTHROPIC_LOOP_SAMPLINGS, 1 + searches) : 1 + searches;
}

/**
 * A hosted tool search (Anthropic's `tool_search_tool_regex_*` / `_bm25_*`, the Responses API's
 * `tool_search`): its results are tool definitions the body holds, but each search is followed by
 * another sampling reading the whole transcript, as any server tool's call is.
 */
const TOOL_SEARCH = /^tool_search(?:$|_tool_)/;

function isToolSearch(tool: BodyTool): boolean {
  return typeof tool?.type === 'string' && TOOL_SEARCH.test(tool.type);
}

/** Whether a body offers tools the upstream runs in a loop of samplings: readsToolResults, or a tool search. */
function loopsServerSide(body: Record<string, unknown>): boolean {
  return (
    readsToolResults({ tools: body.tools, mcp_servers: body.mcp_servers }) ||
    (Array.isArray(body.tools) && (body.tools as BodyTool[]).some(isToolSearch))
  );
}

/** loopSamplings of a body sent in its own protocol. */
function ownLoopSamplings(body: Record<string, unknown>, upstream: string | undefined): number {
  if (!loopsServerSide(body)) return 1;
  if (upstream === RESPONSES) return 1 + (countOf(body.max_tool_calls) ?? WEB_SEARCHES_UNCAPPED);
  if (upstream !== 'anthropic') return 1;
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) return ANTHROPIC_LOOP_SAMPLINGS;
  let calls = 0;
  for (const tool of body.tools as BodyTool[]) {
    if (!readsToolResults({ tools: [tool] }) && !isToolSearch(tool)) continue;
    const type = tool!.type as string;
    const uses = COUNTED_BY_MAX_USES.test(type) ? countOf((tool as { max_uses?: unknown }).max_uses) : undefined;
    if (uses === undefined) return ANTHROPIC_LOOP_SAMPLINGS;
    calls += uses;
  }
  return Math.min(ANTHROPIC_LOOP_SAMPLINGS, 1 + calls);
}

/**
 * Sends the upstream the web searches reserved for tools that set no limit: `max_uses` of each
 * Anthropic web search tool, and a Responses body's `max_tool_calls` when it offers any hosted tool
 * whose results the upstream reads (the caller's body, passed through): every call is a sampling more.
 * A converted request is sent the searches reserved (webSearchesAllowed) as `max_web_searches`.
 */
export function limitSearches(x: Exchange): void {
  limitOwnSearches(x);
  const request = x.request;
  if (request?.web_search_options != null && countOf(request.max_web_searches) === undefined)
    request.max_web_searches = webSearchesAllowed(x.body, x.protocol, '');
}

function limitOwnSearches(x: Exchange): void {
  const tools = searchToolsOf(x.body);
  if (x.protocol === RESPONSES) {
    if (countOf(x.body.max_tool_calls) !== undefined || !loopsServerSide({ tools: x.body.tools })) return;
    x.body.max_tool_calls = WEB_SEARCHES_UNCAPPED;
    if (tools.length === 0) {
      x.warn(
        `hosted tool calls limited to ${WEB_SEARCHES_UNCAPPED}, what the budget reserves for a request that sets no max_tool_calls`,
      );
      return;
    }
  } else {
    if (tools.length === 0) return;
    if (tools.every((tool) => countOf(tool?.max_uses) !== undefined)) return;
    x.body.tools = (x.body.tools as SearchTool[]).map((tool) =>
      tools.includes(tool) && countOf(tool?.max_uses) === undefined
        ? { ...tool, max_uses: WEB_SEARCHES_UNCAPPED }
        : tool,
    );
  }
  x.warn(
    `web searches limited to ${WEB_SEARCHES_UNCAPPED}, what the budget reserves for a search tool that sets no limit`,
  );
}

/**
 * Sends the upstream the advisor calls reserved for an Anthropic advisor tool that sets no
 * `max_uses` (ADVISOR_CALLS_UNCAPPED, the caller's body, passed through): else an answer may
 * consult it past what was reserved.
 */
export function limitAdvisorCalls(x: Exchange): void {
  if (!Array.isArray(x.body.tools)) return;
  const tools = x.body.tools as unknown[];
  const open = (tool: unknown): boolean =>
    isAdvisorTool(tool) && countOf((tool as { max_uses?: unknown }).max_uses) === undefined;
  if (!tools.some(open)) return;
  x.body.tools = tools.map((tool) => (open(tool) ? { ...(tool as object), max_uses: ADVISOR_CALLS_UNCAPPED } : tool));
  x.warn(
    `advisor calls limited to ${ADVISOR_CALLS_UNCAPPED}, what the budget reserves for an advisor tool that sets no max_uses`,
  );
}

/** Hosted tools billed per call or per container beside the tokens, which no catalog price has a field for. */
const UNPRICED_TOOLS = new Set(['code_interpreter', 'file_search', 'image_generation']);

/** What the request asks that is billed beyond its tokens and cannot be priced: a hosted tool, or audio output. */
function unpricedFeeOf(body: Record<string, unknown>): string | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as BodyTool[]) : [];
  for (const tool of tools) {
    const type = tool?.type;
    if (typeof type !== 'string') continue;
    if (UNPRICED_TOOLS.has(type) || type.startsWith('code_execution') || hostedShell(tool))
      return `${type} tool (billed beside the tokens)`;
  }
  const audio = Array.isArray(body.modalities) && body.modalities.includes('audio');
  return audio || (body.audio !== undefined && body.audio !== null)
    ? 'audio output (billed at its own rate)'
    : undefined;
}
