/**
 * A hole the eleventh rule-bypass pass closed: an inline PDF is reserved by its pages (the seventh
 * pass), counted from its page objects, its page tree's `/Count` and the leaves of its page tree.
 * A comment is whitespace to a PDF reader anywhere between tokens, but the page tree walk read a
 * reference (`5 0 R`) or an object header (`5 0 obj`) only with plain spaces between its tokens,
 * and took a `]` inside a comment for the end of a `/Kids` array. A PDF of 100 pages whose kids
 * are written `5 0 %\nR` (or whose inner page tree node's header is `4 0 %\nobj`, or whose kids
 * follow a comment holding `]`, or an array object of kids starts with a comment), with its pages untyped (readers need no `/Type` on a leaf) and its
 * `/Count` an indirect reference, was counted as one page: 4,500 tokens reserved, where the upstream
 * reads 100 pages. The walk now reads comments as readers do. Each refusal failed before the fix
 * (200, the PDF sent).
 */
import { pdfPages } from '@switchyard/plugin-models/contract';
import { describe, expect, it } from 'vitest';
import { documentAsk } from '../support/pdf.js';
import { anthropicAt, budgeted, k, messagesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const PAGES = 100;
/** The ways the crafted PDFs write their page tree. */
const HOW = ['reference', 'header', 'bracket', 'array'] as const;
/** An untyped leaf: a page to a reader, though no `/Type /Page` names it. */
const LEAF = '<</Parent 3 0 R /MediaBox [0 0 612 792]>>';

/**
 * A PDF of PAGES pages whose page tree hides them from a reader that takes comments for text.
 * Object 1 is the page count (`/Count 1 0 R`), 2 the catalog, 3 the page tree, then the pages.
 */
function craftedPdf(how: (typeof HOW)[number]): string {
  const first = how === 'header' || how === 'array' ? 5 : 4;
  const numbers = Array.from({ length: PAGES }, (_, i) => first + i);
  const plain = (list: number[]) => list.map((n) => `${n} 0 R`).join(' ');
  let kids: string;
  let object4 = '';
  if (how === 'reference') kids = `[${numbers.map((n, i) => (i === 0 ? `${n} 0 R` : `${n} 0 %\nR`)).join(' ')}]`;
  else if (how === 'bracket') kids = `[${numbers[0]} 0 R %]\n${plain(numbers.slice(1))}]`;
  else if (how === 'header') {
    // One kid, an inner node whose header a comment splits: its kids are the pages.
    kids = '[4 0 R]';
    object4 = `4 0 %\nobj<</Type /Pages /Parent 3 0 R /Count 1 0 R /Kids [${plain(numbers)}]>>endobj\n`;
  } else {
    // The kids in an array object of their own, a comment before its `[`.
    kids = '4 0 R';
    object4 = `4 0 obj %kids\n[${plain(numbers)}]endobj\n`;
  }
  let pdf = `%PDF-1.5\n1 0 obj ${PAGES} endobj\n2 0 obj<</Type /Catalog /Pages 3 0 R>>endobj\n`;
  pdf += `3 0 obj<</Type /Pages /Count 1 0 R /Kids ${kids}>>endobj\n${object4}`;
  for (const n of numbers) pdf += `${n} 0 obj${LEAF}endobj\n`;
  return Buffer.from(`${pdf}trailer<</Root 2 0 R>>\n%%EOF\n`, 'latin1').toString('base64');
}

describe('an inline PDF whose page tree is written with comments between tokens', () => {
  it('is reserved by all its pages: a budget without room for them refuses it before the upstream', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 160_000, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'pdf11', key: k('pdf11'), budget: { usd: 0.3, period: 'day' } }],
      catalog: { m: { pricing: { input: 3, output: 15 }, contextWindow: 1_000_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      // 100 pages: 450,000 tokens reserved ($1.35), past the $0.30 budget. Was 200: one page
      // reserved ($0.015), and the upstream billed 160,000 input tokens ($0.48).
      for (const how of HOW) {
        // Was 1.
        expect({ how, pages: pdfPages(craftedPdf(how)) }).toEqual({ how, pages: PAGES });
        const refused = await spendOn(setup, up, 'pdf11', '/v1/messages', documentAsk(craftedPdf(how)));
        expect({ how, status: refused.status, sent: refused.sent }).toEqual({ how, status: 402, sent: 0 });
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
