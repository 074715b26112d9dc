import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { countTokens as CountTokens } from 'gpt-tokenizer';
import { LRUCache } from 'lru-cache';

const require = createRequire(import.meta.url);
let countTokens: typeof CountTokens | undefined;

/**
 * gpt-tokenizer's o200k tables cost about 65 MiB of memory and 150 ms to load: they are loaded
 * on first use (or by preload() when the gateway has Anthropic targets), so a gateway that never
 * prompt-caches an Anthropic request never pays for them.
 */
function tokenizer(): typeof CountTokens {
  return (countTokens ??= (require('gpt-tokenizer') as { countTokens: typeof CountTokens }).countTokens);
}

/** Shorter texts are tokenized directly: hashing them would cost about as much. */
const MEMO_MIN_CHARS = 256;

/**
 * Token estimates from a real BPE tokenizer (gpt-tokenizer, o200k_base). Claude's tokenizer is
 * not public; o200k counts are close enough to decide whether a prefix reaches a minimum.
 * Counts of long texts are memoized by content hash in a bounded LRU, so a system prompt seen
 * again costs one hash, not a tokenization.
 */
export class TokenCounter {
  readonly #entries: number;
  /** Created by the first long text: an LRU of `max` entries allocates its tables (~0.2 MB for 10,000) at once. */
  #memo: LRUCache<string, number> | undefined;
  #tokenized = 0;

  constructor(entries: number) {
    this.#entries = entries;
  }

  count(text: string): number {
    if (text.length === 0) return 0;
    if (text.length < MEMO_MIN_CHARS) return this.#tokenize(text);
    const key = hash('sha256', text, 'base64url');
    const memo = (this.#memo ??= new LRUCache<string, number>({ max: this.#entries }));
    const known = memo.get(key);
    if (known !== undefined) return known;
    const n = this.#tokenize(text);
    memo.set(key, n);
    return n;
  }

  /** True once this process loaded the tokenizer tables. */
  static get loaded(): boolean {
    return countTokens !== undefined;
  }

  /** Loads the tokenizer now rather than on the first count. */
  preload(): void {
    tokenizer();
  }

  /** Texts actually tokenized so far (memo misses and short texts), for tests and benchmarks. */
  get tokenized(): number {
    return this.#tokenized;
  }

  #tokenize(text: string): number {
    this.#tokenized++;
    return tokenizer()(text);
  }
}
