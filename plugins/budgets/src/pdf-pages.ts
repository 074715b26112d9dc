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
