import type { Target } from '@switchyard/core';
import type { TagQuery } from './tags.js';

/** One step of a selection: a tag and how many targets carry it, in the order evaluated. */
export interface SelectionStep {
  readonly tag: string;
  readonly carriers: number;
  readonly exclude?: true;
}

export interface Selection {
  readonly targets: Target[];
  /** Include tags from the most selective (fewest carriers) up, then the exclusions. */
  readonly steps: readonly SelectionStep[];
}

/**
 * Served targets and their tags, with one bitset per tag: a query ANDs the include sets from
 * the most selective up (stopping as soon as nothing is left) and clears the exclude sets.
 * Built off the request path (at start and when the served models change); a selection
 * allocates one word array and the result.
 */
export class TagIndex {
  readonly #targets: readonly Target[];
  readonly #tags: ReadonlyArray<ReadonlySet<string>>;
  readonly #bits = new Map<string, Uint32Array>();
  readonly #counts = new Map<string, number>();
  readonly #positions = new Map<string, number>();
  readonly #words: number;

  /** `targets` in preference order (the order selections keep); `tagsOf(i)` the tags of targets[i]. */
  constructor(targets: readonly Target[], tagsOf: (target: Target) => Iterable<string>) {
    this.#targets = targets;
    this.#words = Math.ceil(targets.length / 32);
    this.#tags = targets.map((target, i) => {
      this.#positions.set(target.id, i);
      const tags = new Set(tagsOf(target));
      for (const tag of tags) {
        let bits = this.#bits.get(tag);
        if (!bits) this.#bits.set(tag, (bits = new Uint32Array(this.#words)));
        bits[i >>> 5]! |= 1 << (i & 31);
        this.#counts.set(tag, (this.#counts.get(tag) ?? 0) + 1);
      }
      return tags;
    });
  }

  get size(): number {
    return this.#targets.length;
  }

  /** How many targets carry `tag`. */
  carriers(tag: string): number {
    return this.#counts.get(tag) ?? 0;
  }

  /** The tags of a served target, or undefined for a target this index does not hold. */
  tagsOf(targetId: string): ReadonlySet<string> | undefined {
    const i = this.#positions.get(targetId);
    return i === undefined ? undefined : this.#tags[i];
  }

  /** Every target carrying all include tags and none of the exclude tags, in index order. */
  select(query: TagQuery): Selection {
    const include = [...new Set(query.include)].sort((a, b) => this.carriers(a) - this.carriers(b));
    const steps: SelectionStep[] = include.map((tag) => ({ tag, carriers: this.carriers(tag) }));
    for (const tag of new Set(query.exclude)) steps.push({ tag, carriers: this.carriers(tag), exclude: true });
    if (include.length === 0 || this.carriers(include[0]!) === 0) return { targets: [], steps };
    const acc = Uint32Array.from(this.#bits.get(include[0]!)!);
    let any = true;
    for (let t = 1; t < include.length && any; t++) any = and(acc, this.#bits.get(include[t]!));
    for (const tag of query.exclude) {
      const bits = this.#bits.get(tag);
      if (bits) for (let w = 0; w < acc.length; w++) acc[w]! &= ~bits[w]!;
    }
    const targets: Target[] = [];
    for (let w = 0; w < acc.length; w++) {
      let word = acc[w]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        targets.push(this.#targets[(w << 5) | bit]!);
        word &= word - 1;
      }
    }
    return { targets, steps };
  }
}

/** acc &= bits; false once acc is empty. */
function and(acc: Uint32Array, bits: Uint32Array | undefined): boolean {
  if (!bits) {
    acc.fill(0);
    return false;
  }
  let any = 0;
  for (let w = 0; w < acc.length; w++) any |= acc[w]! &= bits[w]!;
  return any !== 0;
}
