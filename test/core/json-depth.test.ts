import { describe, expect, it } from 'vitest';
import { jsonDepth } from '../../core/src/http/body.js';

/** The nesting as read one character at a time: what jsonDepth must give for any text. */
function reference(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

describe('jsonDepth (the nesting refused past MAX_JSON_DEPTH)', () => {
  it('counts brackets outside strings only, whatever the escapes before a quote', () => {
    const cases: Array<[string, number]> = [
      ['{}', 1],
      ['{"a":[[1],{"b":[]}]}', 4],
      ['{"a":"[[[{{{"}', 1],
      ['{"a":"\\"[[["}', 1],
      ['{"a":"\\\\"}', 1],
      ['{"a":"\\\\\\"[[["}', 1],
      ['{"a":"\\\\\\\\","b":[[]]}', 3],
      ['["x", "y\\\\\\\\\\"]"]', 1],
      ['{"unterminated": "[[[', 1],
      ['"\\', 0],
      ['[[["]]]', 3],
    ];
    for (const [text, depth] of cases) expect(jsonDepth(text), text).toBe(depth);
  });

  it('agrees with a character-by-character reading on random texts', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const PIECES = ['"', '\\', '\\\\', '\\"', '[', ']', '{', '}', 'a', ' ', ':', ','];
    for (let n = 0; n < 5000; n++) {
      const text = Array.from(
        { length: Math.floor(random() * 40) },
        () => PIECES[Math.floor(random() * PIECES.length)],
      ).join('');
      expect(jsonDepth(text), text).toBe(reference(text));
    }
  });
});
