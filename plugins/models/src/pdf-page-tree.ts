import type { ObjectStream } from './pdf-object-streams.js';
import { ARRAY_ITEMS, GAP, REFERENCE, pdfName, pdfPattern } from './pdf-syntax.js';
import type { Header } from './pdf-syntax.js';

const ROOT = pdfPattern([pdfName('Root'), GAP, REFERENCE], 'g');
const PAGES = pdfPattern([pdfName('Pages'), GAP, REFERENCE]);
const KIDS = pdfPattern([pdfName('Kids'), GAP, `(?:${ARRAY_ITEMS}|${REFERENCE})`]);
const REFERENCES = new RegExp(REFERENCE, 'g');
const ARRAY = new RegExp(String.raw`^[^[]*${ARRAY_ITEMS}`);
const KEPT = pdfPattern([`(?:${pdfName('Kids')}|${pdfName('Pages')}|^${GAP}\\[)`]);

/**
 * The pages of a PDF's page tree, walked from its catalog (each `/Root` a trailer names) as a
 * reader walks it: every node without `/Kids` is a page, whatever its `/Type` says (a kid that
 * is defined nowhere counts too). Every definition of an object counts (an incremental update may
 * redefine one): a number with a definition without `/Kids` is a page, and the kids of each of its
 * definitions with `/Kids` are walked; each object once.
 */
export function pageTreeLeaves(text: string, headers: readonly Header[], streams: readonly ObjectStream[]): number {
  const { objects, plain } = objectsOf(text, headers, streams);
  const seen = new Set<number>();
  const pending: number[] = [];
  for (const [, root] of text.matchAll(ROOT))
    for (const catalog of objects.get(Number(root)) ?? []) {
      const pages = PAGES.exec(catalog);
      if (pages) pending.push(Number(pages[1]));
    }
  let leaves = 0;
  while (pending.length > 0) {
    const number = pending.pop()!;
    if (seen.has(number)) continue;
    seen.add(number);
    const nodes = objects.get(number)?.filter((body) => KIDS.test(body)) ?? [];
    if (nodes.length === 0 || plain.has(number)) leaves++;
    for (const node of nodes) {
      const kids = KIDS.exec(node)!;
      // Direct, or an array object (each of its definitions).
      const lists = kids[1] !== undefined ? [kids[1]] : (objects.get(Number(kids[2])) ?? []);
      for (const list of lists)
        for (const [, kid] of (ARRAY.exec(list)?.[1] ?? list).matchAll(REFERENCES)) pending.push(Number(kid));
    }
  }
  return leaves;
}

/**
 * Every definition of each object that may be in the page tree's walk, by number: in the file
 * (header to next header) and in its object streams. Only those naming `/Kids` or `/Pages` (a
 * catalog), or an array (a node's kids by reference) are kept: memory follows the tree, not the
 * file; `plain` has the numbers with a definition without `/Kids`. A header that may be in a
 * comment (headersOf) both ends the object before it and does not: each reading is a definition.
 */
function objectsOf(
  text: string,
  headers: readonly Header[],
  streams: readonly ObjectStream[],
): { objects: Map<number, string[]>; plain: Set<number> } {
  const objects = new Map<number, string[]>();
  const plain = new Set<number>();
  const define = (number: number, body: string) => {
    if (!KIDS.test(body)) plain.add(number);
    if (!KEPT.test(body)) return;
    const definitions = objects.get(number);
    if (definitions) definitions.push(body);
    else objects.set(number, [body]);
  };
  headers.forEach((header, i) => {
    const next = headers[i + 1];
    define(header.number, text.slice(header.end, next?.at ?? text.length));
    if (header.commented || !next?.commented) return;
    // Read past the headers in comments, to the next one that is not.
    let j = i + 1;
    while (j < headers.length && headers[j]!.commented) j++;
    define(header.number, text.slice(header.end, headers[j]?.at ?? text.length));
  });
  for (const { text: packed, first } of streams) {
    const pairs = packed.slice(0, first).match(/\d+/g) ?? [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const end = i + 3 < pairs.length ? first + Number(pairs[i + 3]) : packed.length;
      define(Number(pairs[i]), packed.slice(first + Number(pairs[i + 1]), end));
    }
  }
  return { objects, plain };
}
