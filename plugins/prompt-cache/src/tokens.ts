import { hash } from 'node:crypto';
import { countTokens } from 'gpt-tokenizer';
import { LRUCache } from 'lru-cache';

/** Shorter texts are tokenized directly: hashing them would cost about as much. */
const MEMO_MIN_CHARS = 256;

/**
 * Token estimates from a real BPE tokenizer (gpt-tokenizer, o200k_base). Claude's tokenizer is
 * not public; o200k counts are close enough to decide whether a prefix reaches a minimum.
 * Counts of long texts are memoized by content hash in a bounded LRU, so a system prompt seen
 * again costs one hash, not a tokenization.
 */
export class TokenCounter {
  readonly #memo: LRUCache<string, number>;
  #tokenized = 0;

  constructor(entries: number) {
    this.#memo = new LRUCache<string, number>({ max: entries });
  }

  count(text: string): number {
    if (text.length === 0) return 0;
    if (text.length < MEMO_MIN_CHARS) return this.#tokenize(text);
    const key = hash('sha256', text, 'base64url');
    const known = this.#memo.get(key);
    if (known !== undefined) return known;
    const n = this.#tokenize(text);
    this.#memo.set(key, n);
    return n;
  }

  /** Texts actually tokenized so far (memo misses and short texts), for tests and benchmarks. */
  get tokenized(): number {
    return this.#tokenized;
  }

  #tokenize(text: string): number {
    this.#tokenized++;
    return countTokens(text);
  }
}
