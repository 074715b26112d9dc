const USAGE_KEY = Buffer.from('"usage"');
const [SPACE, TAB, LF, CR, COLON, OPEN, CLOSE, QUOTE, BACKSLASH] = [
  0x20, 0x09, 0x0a, 0x0d, 0x3a, 0x7b, 0x7d, 0x22, 0x5c,
];

/**
 * The body's top-level `{"usage": {...}}` alone, parsed from its own bytes, or undefined when
 * it cannot be found that way (the caller then parses the whole body).
 *
 * Pass-through answers are forwarded as received; only their usage is needed (metrics, cost,
 * limits). OpenAI and Anthropic both put `usage` after the content, so the last `"usage"` key
 * is the top-level one: inside a JSON string its quotes would be escaped (`\"usage\"`), so the
 * raw sequence `"usage"` followed by `:` only occurs as a key. Parsing that object instead of
 * the whole answer saves a full JSON.parse per request on long answers.
 */
export function usageSlice(bytes: Buffer): { usage: unknown } | undefined {
  const key = bytes.lastIndexOf(USAGE_KEY);
  if (key < 0) return undefined;
  let i = skipSpace(bytes, key + USAGE_KEY.length);
  if (bytes[i] !== COLON) return undefined;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] !== OPEN) return undefined;
  const end = matchingBrace(bytes, i);
  if (end < 0) return undefined;
  let usage: unknown;
  try {
    usage = JSON.parse(bytes.toString('utf8', i, end + 1));
  } catch {
    return undefined;
  }
  // A nested object that merely has a "usage" key (an upstream ordering its keys oddly) is not taken for it.
  return looksLikeUsage(usage) ? { usage } : undefined;
}

function looksLikeUsage(value: unknown): boolean {
  const u = value as Record<string, unknown> | null;
  return (
    typeof u === 'object' &&
    u !== null &&
    (typeof u.prompt_tokens === 'number' || typeof u.input_tokens === 'number' || typeof u.output_tokens === 'number')
  );
}

function skipSpace(bytes: Buffer, i: number): number {
  while (i < bytes.length && (bytes[i] === SPACE || bytes[i] === TAB || bytes[i] === LF || bytes[i] === CR)) i++;
  return i;
}

/** Index of the `}` closing the object that opens at `start`, strings skipped; -1 if none. */
function matchingBrace(bytes: Buffer, start: number): number {
  let depth = 0;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) {
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
    } else if (b === OPEN) depth++;
    else if (b === CLOSE && --depth === 0) return i;
  }
  return -1;
}

/** What a pass-through answer's usage is read from: its usage slice, else the whole parsed body (undefined if not JSON). */
export function usageCarrier(bytes: Buffer): unknown {
  const slice = usageSlice(bytes);
  if (slice) return slice;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
