import { describe, expect, it } from 'vitest';
import { serializesTo } from '../../core/src/upstream/same-json.js';

const bytesOf = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

const SAMPLES: unknown[] = [
  {},
  [],
  { model: 'gpt-4o', stream: true, temperature: 0.2, max_tokens: 128, stop: null },
  {
    messages: [
      { role: 'system', content: 'Answer in "two" sentences.\nNo more.\t\\ end' },
      { role: 'user', content: 'Grüße, ça va? 東京 → 🚆 and \u0001\u001f\u007f' },
    ],
    n: -0,
    big: 1e21,
    small: 5e-7,
    neg: -12.5,
  },
  { 2: 'b', 1: 'a', z: [1, 'two', true, false, null, [{}], { deep: { deeper: [] } }] },
  { skipped: undefined, fn: () => 1, kept: 'yes', list: [undefined, () => 1, Symbol('s')] },
  { inf: Number.POSITIVE_INFINITY, nan: Number.NaN },
  { 'key "quoted"\n': 'v', ключ: 'значение' },
];

describe('serializesTo (the caller bytes sent upstream when the body did not change)', () => {
  it('is true exactly for the bytes JSON.stringify gives', () => {
    for (const sample of SAMPLES) expect(serializesTo(sample, bytesOf(sample))).toBe(true);
  });

  it('is false for other bytes that parse to the same value: spacing, key order, escapes, number forms', () => {
    const value = { a: 1, b: 'x/y', c: [1, 2], d: 'é' };
    for (const text of [
      '{"a": 1,"b":"x/y","c":[1,2],"d":"é"}',
      '{"b":"x/y","a":1,"c":[1,2],"d":"é"}',
      '{"a":1,"b":"x\\/y","c":[1,2],"d":"é"}',
      '{"a":1.0,"b":"x/y","c":[1,2],"d":"é"}',
      '{"a":1,"b":"x/y","c":[1,2],"d":"\\u00e9"}',
      '{"a":1,"b":"x/y","c":[1,2],"d":"é"} ',
      '{"a":1,"b":"x/y","c":[1,2]}',
    ])
      expect(serializesTo(value, Buffer.from(text)), text).toBe(false);
  });

  it('is false once the value changed: a field added, removed or edited, deep or not', () => {
    const original = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true };
    const bytes = bytesOf(original);
    expect(serializesTo({ ...original, model: 'n' }, bytes)).toBe(false);
    expect(serializesTo({ ...original, prompt_cache_key: 'k' }, bytes)).toBe(false);
    expect(serializesTo({ model: 'm', messages: original.messages }, bytes)).toBe(false);
    expect(serializesTo({ ...original, messages: [{ role: 'user', content: 'hi!' }] }, bytes)).toBe(false);
    expect(serializesTo({ ...original, stream: false }, bytes)).toBe(false);
  });

  it('answers false for what it does not model: toJSON, non-plain objects, lone surrogates, very deep values', () => {
    const date = { at: new Date(0) };
    expect(serializesTo(date, bytesOf(date))).toBe(false);
    const custom = { toJSON: () => 'x' };
    expect(serializesTo(custom, bytesOf(custom))).toBe(false);
    const lone = { text: 'a\ud800b' };
    expect(serializesTo(lone, bytesOf(lone))).toBe(false);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(serializesTo(deep, bytesOf(deep))).toBe(false);
  });

  it('agrees with JSON.stringify on random values, and refuses every other byte sequence tried', () => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const CHARS = ['a', 'Z', ' ', '"', '\\', '\n', '\u0000', '\u001b', 'é', '€', '東', '😀', '/', '\u2028'];
    const text = (): string =>
      Array.from({ length: Math.floor(random() * 6) }, () => CHARS[Math.floor(random() * CHARS.length)]).join('');
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 3 ? 4 : 6));
      if (kind === 0) return text();
      if (kind === 1) return [0, -1, 2.5, 1e-7, 123456789012, Number.NaN][Math.floor(random() * 6)];
      if (kind === 2) return [true, false, null, undefined][Math.floor(random() * 4)];
      if (kind === 3) return Math.floor(random() * 1000);
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const object: Record<string, unknown> = {};
      for (let k = Math.floor(random() * 4); k > 0; k--) object[text() || String(k)] = value(depth + 1);
      return object;
    };
    for (let n = 0; n < 2000; n++) {
      const v = { body: value(0) };
      const bytes = bytesOf(v);
      expect(serializesTo(v, bytes)).toBe(true);
      const at = Math.floor(random() * bytes.length);
      const changed = Buffer.from(bytes);
      changed[at] = (changed[at]! + 1 + Math.floor(random() * 254)) % 256;
      expect(serializesTo(v, changed)).toBe(false);
      expect(serializesTo(v, bytes.subarray(0, at))).toBe(false);
    }
  });

  it('compares long plain strings (a prompt) as exactly as short ones', () => {
    const prompt = 'Which rail yard should the 14:05 freight from Basel use? '.repeat(40);
    const value = { model: 'm', messages: [{ role: 'user', content: prompt }] };
    const bytes = bytesOf(value);
    expect(serializesTo(value, bytes)).toBe(true);
    // One byte of the prompt changed, at its start, middle or end, or its closing quote.
    const start = bytes.indexOf(prompt);
    for (const at of [start, start + 700, start + prompt.length - 1, start + prompt.length]) {
      const changed = Buffer.from(bytes);
      changed[at] = 0x58;
      expect(serializesTo(value, changed), `byte ${at}`).toBe(false);
    }
    // The prompt's bytes present, but later than where the value's string starts.
    const later = { model: 'm', messages: [{ role: 'user', content: `x${prompt}` }] };
    expect(serializesTo(value, bytesOf(later))).toBe(false);
    // Another string of the same length where the prompt is expected, the prompt itself after it.
    const twice = { a: prompt, b: prompt };
    const swapped = { a: prompt.replace('Basel', 'Bern!'), b: prompt };
    expect(serializesTo(twice, bytesOf(swapped))).toBe(false);
    // A longer string in the bytes, starting with the prompt.
    const longer = { model: 'm', messages: [{ role: 'user', content: `${prompt}x` }] };
    expect(serializesTo(value, bytesOf(longer))).toBe(false);
    expect(serializesTo(longer, bytes)).toBe(false);
    // Long strings JSON.stringify escapes or encodes in several bytes take the character loop, as before.
    for (const content of [`${prompt}"`, `${prompt}\\`, `${prompt}\n`, `${prompt}é`, `${prompt}\u007f`]) {
      const other = { content };
      expect(serializesTo(other, bytesOf(other)), JSON.stringify(content.slice(-2))).toBe(true);
    }
  });
});
