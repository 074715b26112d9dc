import type { ObjectStream } from './pdf-object-streams.js';
import { ARRAY_ITEMS, GAP, HEADER, REFERENCE, pdfName, pdfPattern } from './pdf-syntax.js';

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
 * redefine one), each object once.
 */
export function pageTreeLeaves(text: string, streams: readonly ObjectStream[]): number {
  const objects = objectsOf(text, streams);
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
    if (nodes.length === 0) leaves++;
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
 * catalog), or an array (a node's kids by reference) are kept: memory follows the tree, not the file.
 */
function objectsOf(text: string, streams: readonly ObjectStream[]): Map<number, string[]> {
  const objects = new Map<number, string[]>();
  const define = (number: number, body: string) => {
    if (!KEPT.test(body)) return;
    const definitions = objects.get(number);
    if (definitions) definitions.push(body);
    else objects.set(number, [body]);
  };
  let previous: { number: number; at: number } | undefined;
  for (const match of text.matchAll(HEADER)) {
    if (previous) define(previous.number, text.slice(previous.at, match.index));
    previous = { number: Number(match[1]), at: match.index + match[0].length };
  }
  if (previous) define(previous.number, text.slice(previous.at));
  for (const { text: packed, first } of streams) {
    const pairs = packed.slice(0, first).match(/\d+/g) ?? [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const end = i + 3 < pairs.length ? first + Number(pairs[i + 3]) : packed.length;
      define(Number(pairs[i]), packed.slice(first + Number(pairs[i + 1]), end));
    }
  }
  return objects;
}
