import { inflateSync } from 'node:zlib';
import { GAP, pdfName, pdfPattern } from './pdf-syntax.js';
import type { Header } from './pdf-syntax.js';

/** Inflated bytes allowed per PDF: this many times its own size, and never more than INFLATE_CAP. */
const INFLATE_RATIO = 64;
const INFLATE_CAP = 16 * 1024 * 1024;
/** Object streams read per PDF, at most (a writer packs some 100 objects in each): each is one inflate call. */
const MAX_OBJECT_STREAMS = 4096;

/** A stream dictionary's end and the `stream` keyword, with the end of line after it (CR alone too, or none: readers take it). */
const STREAM = pdfPattern(['>>', GAP, String.raw`stream(?:[ \t\f\0]*(?:\r\n|\r|\n))?`], 'g');
/** A direct (not indirect) `/Length`. */
const LENGTH = pdfPattern([pdfName('Length'), GAP, String.raw`(\d+)(?![\d.]|\s+\d+\s+R)`]);
const FILTER = pdfPattern([pdfName('Filter')]);
/** A filter of FlateDecode alone, as a name or a one-name array. */
const FLATE = pdfName('FlateDecode');
const FLATE_ONLY = pdfPattern([pdfName('Filter'), GAP, `(?:${FLATE}|\\[${GAP}${FLATE}${GAP}\\])`]);
const DECODE_PARMS = pdfPattern([pdfName('DecodeParms')]);
const OBJECT_STREAM_TYPE = pdfPattern([pdfName('Type'), GAP, pdfName('ObjStm')]);
const N = pdfPattern([pdfName('N')]);
const FIRST = pdfPattern([pdfName('First'), GAP, String.raw`(\d*)`]);
const ENCRYPT = pdfPattern([pdfName('Encrypt')]);

/** An object stream, inflated: its text and where its first object starts (`/First`). */
export interface ObjectStream {
  readonly text: string;
  readonly first: number;
}

/**
 * Every object stream of a PDF, inflated (its text `latin1`: its bytes as they are), none when it
 * has none; undefined when one cannot be read: encrypted, a filter other than
 * FlateDecode alone or with decode parameters, broken data, more than MAX_OBJECT_STREAMS, or more
 * inflated bytes than min(INFLATE_RATIO × the PDF's size, INFLATE_CAP), so that a PDF bomb costs
 * no more than that.
 *
 * An object stream is told by its dictionary: `/Type /ObjStm`, or the `/N` and `/First` a reader
 * needs to read one (readers find it by the cross-reference, whatever its `/Type` says).
 */
export function objectStreams(pdf: Buffer, text: string, headers: readonly Header[]): ObjectStream[] | undefined {
  let budget = Math.min(INFLATE_CAP, INFLATE_RATIO * pdf.length);
  const inflated: ObjectStream[] = [];
  const encrypted = ENCRYPT.test(text);
  const endstream = endstreamFinder(text);
  // Each stretch of text is read once: a dictionary is sought after the previous `stream` only.
  let read = 0;
  let next = 0;
  for (const match of text.matchAll(STREAM)) {
    // The dictionary from the last header before `stream`, and from the last that is not in a comment.
    let last = read;
    let uncommented = read;
    for (; next < headers.length && headers[next]!.at < match.index; next++) {
      const header = headers[next]!;
      if (header.at < read) continue;
      last = header.at;
      if (!header.commented) uncommented = header.at;
    }
    read = match.index + match[0].length;
    const read1 = text.slice(uncommented, match.index);
    const dictionary = isObjectStream(read1) ? read1 : text.slice(last, match.index);
    if (!isObjectStream(dictionary)) continue;
    if (encrypted || inflated.length === MAX_OBJECT_STREAMS) return undefined;
    const length = LENGTH.exec(dictionary);
    const end = length && read + Number(length[1]) <= pdf.length ? read + Number(length[1]) : endstream(read);
    const data = pdf.subarray(read, end < 0 ? pdf.length : end);
    const filtered = FILTER.test(dictionary);
    if (DECODE_PARMS.test(dictionary) || (filtered && !FLATE_ONLY.test(dictionary))) return undefined;
    if (data.length > budget && !filtered) return undefined;
    let plain: Buffer;
    try {
      plain = filtered ? inflateSync(data, { maxOutputLength: Math.max(1, budget) }) : data;
    } catch {
      return undefined; // broken, or past the budget
    }
    budget -= plain.length;
    inflated.push({ text: plain.toString('latin1'), first: Number(FIRST.exec(dictionary)?.[1] || 0) });
  }
  return inflated;
}

function isObjectStream(dictionary: string): boolean {
  return OBJECT_STREAM_TYPE.test(dictionary) || (N.test(dictionary) && FIRST.test(dictionary));
}

/** The first `endstream` at or after a position, for positions asked in increasing order: the text is searched once. */
function endstreamFinder(text: string): (from: number) => number {
  let found = -2;
  return (from) => {
    if (found !== -1 && found < from) found = text.indexOf('endstream', from);
    return found;
  };
}
