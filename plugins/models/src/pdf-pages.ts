/**
 * Input tokens reserved per page of an inline PDF. Upstreams bill a PDF by its pages, not its
 * bytes: Anthropic reads each page as text (1,500 to 3,000 tokens) and as an image (some 1,600
 * for a letter page), Gemini 258 tokens a page. A PDF of blank pages is a few dozen bytes a page.
 */
export const PDF_PAGE_TOKENS = 4_500;

const DATA_URL = /^data:application\/pdf;base64,/i;
const PAGE = /\/Type\s*\/Page\b/g;

/** The base64 of a PDF given inline: a `data:application/pdf;base64,` URL's payload; else undefined. */
export function pdfDataUrl(value: unknown): string | undefined {
  return typeof value === 'string' && DATA_URL.test(value) ? value.slice(value.indexOf(',') + 1) : undefined;
}

/**
 * The pages of a PDF given as base64, counted from its page objects; undefined when they cannot be
 * counted that way (none found, or objects packed in compressed object streams, where pages hide).
 */
export function pdfPages(base64: string): number | undefined {
  const text = Buffer.from(base64, 'base64').toString('latin1');
  if (text.includes('/ObjStm')) return undefined;
  const pages = text.match(PAGE)?.length ?? 0;
  return pages > 0 ? pages : undefined;
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
