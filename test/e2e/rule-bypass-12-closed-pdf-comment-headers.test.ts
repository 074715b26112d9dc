/**
 * A hole the twelfth rule-bypass pass closed: an inline PDF is reserved by its pages, counted from
 * its page objects, its page tree's `/Count` and the leaves of its page tree (the seventh and
 * eleventh passes). An object runs from its header (`3 0 obj`) to the next, and a header was read
 * anywhere — inside a comment too, which is whitespace to a reader. A comment `% 9 0 obj` inside a
 * page tree node's dictionary, before its `/Kids`, split the node there: to the walk it had no
 * kids, one page. Likewise a comment header inside an object stream's dictionary hid the stream
 * (its pages with it). A PDF of 100 untyped pages whose `/Count` is an indirect reference was
 * counted as one page: 4,500 tokens reserved where the upstream reads 100 pages. Headers in
 * comments no longer split objects (where a `%` may be a string's, both readings are walked and the
 * larger count is kept). Each refusal failed before the fix (200, the PDF sent).
 */
import { deflateSync } from 'node:zlib';
import { pdfPages } from '@switchyard/plugin-models/contract';
import { describe, expect, it } from 'vitest';
import { documentAsk } from '../support/pdf.js';
import { anthropicAt, budgeted, k, messagesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const PAGES = 100;
/** An untyped leaf: a page to a reader, though no `/Type /Page` names it. */
const LEAF = '<</Parent 3 0 R /MediaBox [0 0 612 792]>>';
const numbers = Array.from({ length: PAGES }, (_, i) => 10 + i);
const kids = numbers.map((n) => `${n} 0 R`).join(' ');

/** The page tree node's kids after a comment holding a header: the node split before them. */
function inNode(): string {
  let pdf = `%PDF-1.5\n1 0 obj ${PAGES} endobj\n2 0 obj<</Type /Catalog /Pages 3 0 R>>endobj\n`;
  pdf += `3 0 obj<</Type /Pages /Count 1 0 R % 9 0 obj\n/Kids [${kids}]>>endobj\n`;
  for (const n of numbers) pdf += `${n} 0 obj${LEAF}endobj\n`;
  return Buffer.from(`${pdf}trailer<</Root 2 0 R>>\n%%EOF\n`, 'latin1').toString('base64');
}

/**
 * The page tree in an object stream (its root node and the pages) whose dictionary has a comment
 * holding a header after `/N` and `/First`: the stream unread, the root node defined nowhere.
 */
function inObjectStream(): string {
  const objects: Array<[number, string]> = [
    [3, `<</Type /Pages /Count 1 0 R /Kids [${kids}]>>`],
    ...numbers.map((n): [number, string] => [n, LEAF]),
  ];
  let offset = 0;
  const pairs = objects.map(([n, body]) => {
    const pair = `${n} ${offset}`;
    offset += body.length + 1;
    return pair;
  });
  const head = `${pairs.join(' ')}\n`;
  const packed = deflateSync(Buffer.from(head + objects.map(([, body]) => body).join('\n'), 'latin1'));
  const pdf = `%PDF-1.5\n1 0 obj ${PAGES} endobj\n2 0 obj<</Type /Catalog /Pages 3 0 R>>endobj\n`;
  const dictionary = `/Type /ObjStm /Filter /FlateDecode /N ${objects.length} /First ${head.length} /Length ${packed.length}`;
  const head4 = Buffer.from(`4 0 obj<<${dictionary} % 9 0 obj\n>>stream\n`, 'latin1');
  const tail = Buffer.from(`\nendstream\nendobj\ntrailer<</Root 2 0 R>>\n%%EOF\n`, 'latin1');
  return Buffer.concat([Buffer.from(pdf, 'latin1'), head4, packed, tail]).toString('base64');
}

const CRAFTED: Array<[string, () => string]> = [
  ['a header in a comment inside a page tree node', inNode],
  ["a header in a comment inside an object stream's dictionary", inObjectStream],
];

describe('an inline PDF with an object header inside a comment', () => {
  it('is reserved by all its pages: a budget without room for them refuses it before the upstream', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 160_000, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'pdf12', key: k('pdf12'), budget: { usd: 0.3, period: 'day' } }],
      catalog: { m: { pricing: { input: 3, output: 15 }, contextWindow: 1_000_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      // 100 pages: 450,000 tokens reserved ($1.35), past the $0.30 budget. Was 200: one page reserved.
      for (const [how, craft] of CRAFTED) {
        // Was 1. The node split by the comment, read both ways, may count as a page of its own too.
        const pages = pdfPages(craft())!;
        expect({ how, pages: Math.min(pages, PAGES), atMostOneMore: pages <= PAGES + 1 }).toEqual({
          how,
          pages: PAGES,
          atMostOneMore: true,
        });
        const refused = await spendOn(setup, up, 'pdf12', '/v1/messages', documentAsk(craft()));
        expect({ how, status: refused.status, sent: refused.sent }).toEqual({ how, status: 402, sent: 0 });
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
