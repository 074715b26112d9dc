/** Deeper values are not compared (JSON.stringify serializes them as it always did). */
const MAX_DEPTH = 160;
const NO = -1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const HEX = '0123456789abcdef';
/** Text JSON.stringify writes as it is, one byte a character: printable ASCII but `"` and `\`. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** From this length on, a plain string is compared by Buffer#indexOf: below it, the native call costs more than the loop. */
const NATIVE_FROM = 32;
/** JSON.stringify's two-character escapes, by character code. */
const SHORT_ESCAPES: Record<number, number> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };

/**
 * Whether `JSON.stringify(value)` would give exactly `bytes` (as UTF-8), found by walking both
 * rather than building the string: when a request body goes upstream unchanged, the caller's
 * own bytes can be sent instead of serializing it again. Conservative: anything it does not
 * model exactly (a `toJSON`, a non-plain object, a lone surrogate, a value nested deeper than
 * 160) answers false, and the body is serialized as before.
 */
export function serializesTo(value: unknown, bytes: Buffer): boolean {
  return match(value, bytes, 0, 0) === bytes.length;
}

/** Where `value`'s serialization ends in `b` if it starts at `i`, else NO. */
function match(value: unknown, b: Buffer, i: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      return matchString(value, b, i);
    case 'number':
      return matchAscii(Number.isFinite(value) ? String(value) : 'null', b, i);
    case 'boolean':
      return matchAscii(value ? 'true' : 'false', b, i);
    case 'object':
      if (value === null) return matchAscii('null', b, i);
      if (depth >= MAX_DEPTH) return NO;
      if (Array.isArray(value)) return matchArray(value, b, i, depth);
      return matchObject(value as Record<string, unknown>, b, i, depth);
    default:
      return NO;
  }
}

function matchArray(array: readonly unknown[], b: Buffer, i: number, depth: number): number {
  if (b[i++] !== 0x5b) return NO;
  for (let k = 0; k < array.length; k++) {
    if (k > 0 && b[i++] !== COMMA) return NO;
    const item = array[k];
    // Items JSON cannot hold are written as null.
    i = omitted(item) ? matchAscii('null', b, i) : match(item, b, i, depth + 1);
    if (i === NO) return NO;
  }
  return b[i] === 0x5d ? i + 1 : NO;
}

function matchObject(object: Record<string, unknown>, b: Buffer, i: number, depth: number): number {
  const proto = Object.getPrototypeOf(object) as unknown;
  if ((proto !== Object.prototype && proto !== null) || typeof object.toJSON === 'function') return NO;
  if (b[i++] !== 0x7b) return NO;
  let first = true;
  // for-in: own keys in JSON.stringify's order, without an array of them (an inherited enumerable key mismatches: NO).
  for (const key in object) {
    const item = object[key];
    if (omitted(item)) continue;
    if (!first && b[i++] !== COMMA) return NO;
    first = false;
    i = matchString(key, b, i);
    if (i === NO || b[i++] !== COLON) return NO;
    i = match(item, b, i, depth + 1);
    if (i === NO) return NO;
  }
  return b[i] === 0x7d ? i + 1 : NO;
}

/** Values JSON.stringify leaves out of objects (and writes as null in arrays). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function matchAscii(text: string, b: Buffer, i: number): number {
  if (i + text.length > b.length) return NO;
  for (let k = 0; k < text.length; k++) if (b[i + k] !== text.charCodeAt(k)) return NO;
  return i + text.length;
}

/** A string as JSON.stringify quotes and escapes it, in UTF-8. */
function matchString(text: string, b: Buffer, i: number): number {
  if (b[i++] !== QUOTE) return NO;
  const n = text.length;
  // Long prose (a prompt): its bytes are the text's own; indexOf from i finds it at i or nowhere sooner.
  if (n >= NATIVE_FROM && PLAIN.test(text))
    return b[i + n] === QUOTE && b.indexOf(text, i, 'latin1') === i ? i + n + 1 : NO;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x20 && c < 0x80 && c !== QUOTE && c !== BACKSLASH) {
      if (b[i++] !== c) return NO;
    } else if (c < 0x80) {
      i = matchEscape(c, b, i);
    } else if (c < 0x800) {
      if (b[i] !== (0xc0 | (c >> 6)) || b[i + 1] !== (0x80 | (c & 0x3f))) return NO;
      i += 2;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const low = text.charCodeAt(k + 1);
      // A lone surrogate is escaped (\udxxx) by JSON.stringify: not modelled.
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return NO;
      const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
      if (
        b[i] !== (0xf0 | (point >> 18)) ||
        b[i + 1] !== (0x80 | ((point >> 12) & 0x3f)) ||
        b[i + 2] !== (0x80 | ((point >> 6) & 0x3f)) ||
        b[i + 3] !== (0x80 | (point & 0x3f))
      )
        return NO;
      i += 4;
      k++;
    } else {
      if (b[i] !== (0xe0 | (c >> 12)) || b[i + 1] !== (0x80 | ((c >> 6) & 0x3f)) || b[i + 2] !== (0x80 | (c & 0x3f)))
        return NO;
      i += 3;
    }
    if (i === NO) return NO;
  }
  return b[i] === QUOTE ? i + 1 : NO;
}

/** `\"`, `\\`, `\n`…, or `\u00xx` for the other control characters, as JSON.stringify writes them. */
function matchEscape(c: number, b: Buffer, i: number): number {
  if (b[i] !== BACKSLASH) return NO;
  if (c === QUOTE || c === BACKSLASH) return b[i + 1] === c ? i + 2 : NO;
  const short = SHORT_ESCAPES[c];
  if (short !== undefined) return b[i + 1] === short ? i + 2 : NO;
  return b[i + 1] === 0x75 &&
    b[i + 2] === 0x30 &&
    b[i + 3] === 0x30 &&
    b[i + 4] === HEX.charCodeAt(c >> 4) &&
    b[i + 5] === HEX.charCodeAt(c & 0x0f)
    ? i + 6
    : NO;
}
