/** Whitespace between tokens of a PDF, comments included (a comment, to its end of line, is whitespace to a reader). */
export const GAP = String.raw`(?:\s|%[^\r\n]*[\r\n])*`;

/** Whitespace between two tokens that a reader reads apart: at least one space, or a comment. */
export const SPACE = String.raw`(?:\s|%[^\r\n]*[\r\n])+`;

/** An object's header (`12 0 obj`, its number captured), a token of its own; comments may stand between its tokens. */
export const HEADER = new RegExp(String.raw`(?<![^\s>\]])(\d+)${SPACE}\d+${SPACE}obj(?![^\s<[(/%])`, 'g');

/** An indirect reference (`12 0 R`, its number captured); comments may stand between its tokens. */
export const REFERENCE = String.raw`(\d+)${SPACE}\d+${SPACE}R`;

/**
 * The inside of an array, captured: to its `]`, a comment (to its end of line) read as whitespace,
 * so that a `]` in a comment does not end it.
 */
export const ARRAY_ITEMS = String.raw`\[((?:[^\]%]|%[^\r\n]*(?:[\r\n]|$))*)\]`;

/**
 * The source of a pattern matching the PDF name `/word` as a reader reads it: any of its characters
 * may be written as a `#xx` escape (`/P#61ge` is `/Page`), and the name ends where a name does (at
 * whitespace or a delimiter: `/Page#73` is `/Pages`, not `/Page`).
 */
export function pdfName(word: string): string {
  let source = String.raw`\/`;
  for (const char of word) {
    const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
    const escaped = [...hex]
      .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit))
      .join('');
    source += `(?:${char}|#${escaped})`;
  }
  return `${source}(?![^\\s()<>[\\]{}/%])`;
}

/** A RegExp of `parts` joined, each a pdfName() source, GAP or plain pattern text. */
export function pdfPattern(parts: readonly string[], flags = ''): RegExp {
  return new RegExp(parts.join(''), flags);
}

/** An object header (HEADER) of a PDF's text: its number, where it starts and ends, and whether it may be in a comment. */
export interface Header {
  readonly number: number;
  readonly at: number;
  readonly end: number;
  /**
   * A `%` stands before it on its line: to a reader it is in a comment, no header, unless that
   * `%` is in a string (`(100%)`), which is not told apart here: callers read both ways.
   */
  readonly commented: boolean;
}

/** Every object header of a PDF's text, in order; the text is read once. */
export function headersOf(text: string): Header[] {
  const headers: Header[] = [];
  const marks = /[\r\n%]/g;
  let mark = marks.exec(text);
  let commented = false;
  for (const match of text.matchAll(HEADER)) {
    while (mark !== null && mark.index < match.index) {
      commented = mark[0] === '%';
      mark = marks.exec(text);
    }
    headers.push({ number: Number(match[1]), at: match.index, end: match.index + match[0].length, commented });
  }
  return headers;
}
