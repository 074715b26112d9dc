import { exchangeKey } from '@switchyard/core';
import type { Exchange } from '@switchyard/core';
import { requestedSearchesOf } from '@switchyard/plugin-pricing/contract';
import { hostedShell, inlinePdfTokens, promptMediaOf, readsToolResults } from '@switchyard/plugin-models/contract';
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

/** Web searches assumed for a web search server tool without `max_uses` (the API sets no limit). */
const WEB_SEARCHES_UNCAPPED = 10;

/**
 * The most web searches the request may run: its server tools' (Anthropic `web_search_*`, their
 * `max_uses`; Responses `web_search`, `web_search_preview*`) and a Chat `web_search_options`' one.
 */
export function webSearchesAllowed(body: Record<string, unknown>): number {
  let searches = requestedSearchesOf(body);
  if (!Array.isArray(body.tools)) return searches;
  for (const tool of body.tools as Array<{ type?: unknown; max_uses?: unknown }>) {
    if (typeof tool?.type !== 'string' || !(tool.type === 'web_search' || tool.type.startsWith('web_search_')))
      continue;
    searches += typeof tool.max_uses === 'number' && tool.max_uses >= 0 ? tool.max_uses : WEB_SEARCHES_UNCAPPED;
  }
  return searches;
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
