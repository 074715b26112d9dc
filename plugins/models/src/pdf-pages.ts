import { objectStreams } from './pdf-object-streams.js';
import { pageTreeLeaves } from './pdf-page-tree.js';
import { GAP, headersOf, pdfName, pdfPattern } from './pdf-syntax.js';

/**
 * Input tokens reserved per page of an inline PDF. Upstreams bill a PDF by its pages, not its
 * bytes: Anthropic reads each page as text (1,500 to 3,000 tokens) and as an image (some 1,600
 * for a letter page), Gemini 258 tokens a page. A PDF of blank pages is a few dozen bytes a page.
 */
export const PDF_PAGE_TOKENS = 4_500;

/** A PDF's data URL, media type parameters (`;name=report.pdf`) included: Gemini and Bedrock read it whole all the same. */
const DATA_URL = /^data:application\/pdf(?:;[^,]*)?;base64,/i;
/** A page object's `/Type /Page`, and a page tree node's `/Type /Pages` and `/Count`, as a reader reads them. */
const PAGE = pdfPattern([pdfName('Type'), GAP, pdfName('Page')], 'g');
const PAGE_TREE_NODE = pdfPattern([pdfName('Type'), GAP, pdfName('Pages')], 'g');
const COUNT = pdfPattern([pdfName('Count'), GAP, String.raw`(\d+)`]);

/** The base64 of a PDF given inline: a `data:application/pdf[;parameters];base64,` URL's payload; else undefined. */
export function pdfDataUrl(value: unknown): string | undefined {
  return typeof value === 'string' && DATA_URL.test(value) ? value.slice(value.indexOf(',') + 1) : undefined;
}

/**
 * The pages of a PDF given as base64: the most of its page objects (`/Type /Page`), the largest
 * page tree `/Count` and the leaves of its page tree (pageTreeLeaves), read in the file and in its
 * object streams (inflated, objectStreams); undefined when none is found, or an object stream
 * cannot be read (encrypted, broken, past the inflate cap), where pages may hide.
 */
export function pdfPages(base64: string): number | undefined {
  const pdf = Buffer.from(base64, 'base64');
  const text = pdf.toString('latin1');
  const headers = headersOf(text);
  const streams = objectStreams(pdf, text, headers);
  if (streams === undefined) return undefined;
  const packed = streams.map((stream) => stream.text).join('\n');
  const pages = Math.max(pagesIn(text), pagesIn(packed), pageTreeLeaves(text, headers, streams));
  return pages > 0 ? pages : undefined;
}

/** The more of page objects and the largest page tree `/Count` in a PDF's text. */
function pagesIn(text: string): number {
  if (text === '') return 0;
  return Math.max(text.match(PAGE)?.length ?? 0, largestPageTreeCount(text));
}

/**
 * The largest `/Count` beside a page tree node's `/Type /Pages`, between the same dictionary
 * delimiters (`/Count` of an outline counts no pages). Each stretch of text is read once.
 */
function largestPageTreeCount(text: string): number {
  let largest = 0;
  let end = 0;
  for (const match of text.matchAll(PAGE_TREE_NODE)) {
    if (match.index < end) continue;
    let start = match.index;
    while (start > end && text[start - 1] !== '<' && text[start - 1] !== '>') start--;
    end = match.index;
    while (end < text.length && text[end] !== '<' && text[end] !== '>') end++;
    const count = COUNT.exec(text.slice(start, end));
    if (count) largest = Math.max(largest, Number(count[1]));
  }
  return largest;
}

const MAX_DEPTH = 64;

/**
 * The base64 of every PDF a request body gives inline, where an upstream reads one: an Anthropic
 * `document` with a base64 PDF source, or a `data:application/pdf;base64,` URL (a Chat `file` or
 * image part, a Responses `input_file`).
 */
export function inlinePdfs(body: Record<string, unknown>): string[] {
  const pdfs: string[] = [];
  const walk = (value: unknown, depth: number): void => {
    const url = pdfDataUrl(value);
    if (url !== undefined) pdfs.push(url);
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
    const document = pdfDocumentOf(value as Record<string, unknown>);
    if (document !== undefined) pdfs.push(document);
    for (const item of Array.isArray(value) ? value : Object.values(value)) walk(item, depth + 1);
  };
  walk(body.messages, 0);
  walk(body.input, 0);
  walk(body.system, 0);
  return pdfs;
}

/** The base64 of an Anthropic `document` holding a PDF inline. */
function pdfDocumentOf(node: Record<string, unknown>): string | undefined {
  if (node.type !== 'document') return undefined;
  const source = node.source as { type?: unknown; media_type?: unknown; data?: unknown } | null | undefined;
  return source?.type === 'base64' && source.media_type === 'application/pdf' && typeof source.data === 'string'
    ? source.data
    : undefined;
}

/**
 * Input tokens the inline PDFs of a body are billed by their pages (PDF_PAGE_TOKENS each), and how
 * many PDFs have pages that cannot be counted (pdfPages), computed once per body.
 */
export function inlinePdfTokens(body: Record<string, unknown>): { tokens: number; uncounted: number } {
  let known = counted.get(body);
  if (!known) {
    known = { tokens: 0, uncounted: 0 };
    for (const pages of inlinePdfs(body).map(pdfPages))
      if (pages === undefined) known.uncounted++;
      else known.tokens += pages * PDF_PAGE_TOKENS;
    counted.set(body, known);
  }
  return known;
}

const counted = new WeakMap<object, { tokens: number; uncounted: number }>();
