import type { DiscoveryRule, Target } from '../types.js';

export interface Exclusion {
  readonly target: string;
  /** Name of the plugin that excluded it. */
  readonly by: string;
  readonly reason: string;
}

export interface Ordering {
  readonly by: string;
  /** Score per target id, as the plugin computed it (lower or higher is the plugin's to say). */
  readonly scores: Readonly<Record<string, number>>;
  readonly note?: string;
}

export interface Discovery {
  readonly target: string;
  readonly rule: DiscoveryRule;
  readonly by: string;
}

/**
 * The attempt plan: the ordered targets left after every selectRoute stage, plus the
 * record of what each plugin did, so an operator can ask why a request went where it went.
 */
export class RoutePlan {
  #targets: Target[] = [];
  readonly discovered: Discovery[] = [];
  readonly exclusions: Exclusion[] = [];
  readonly orderings: Ordering[] = [];

  get targets(): readonly Target[] {
    return this.#targets;
  }

  get size(): number {
    return this.#targets.length;
  }

  /** Adds candidates (stage DISCOVER); a target already present is not added twice. */
  add(by: string, targets: readonly Target[]): this {
    for (const target of targets) {
      if (this.#targets.some((t) => t.id === target.id)) continue;
      this.#targets.push(target);
      this.discovered.push({ target: target.id, rule: target.rule, by });
    }
    return this;
  }

  /** Removes every target the predicate matches, recording who removed it and why. */
  exclude(by: string, predicate: (target: Target) => boolean, reason: string | ((target: Target) => string)): this {
    let kept: Target[] | undefined;
    this.#targets.forEach((target, i) => {
      if (predicate(target)) {
        kept ??= this.#targets.slice(0, i);
        this.exclusions.push({ target: target.id, by, reason: typeof reason === 'string' ? reason : reason(target) });
      } else {
        kept?.push(target);
      }
    });
    if (kept) this.#targets = kept;
    return this;
  }

  /** Replaces the order (stage ORDER). `order` must be a permutation of some of the current targets. */
  reorder(by: string, order: readonly Target[], scores: Record<string, number> = {}, note?: string): this {
    const current = new Set(this.#targets.map((t) => t.id));
    const next = order.filter((t) => current.has(t.id));
    const placed = new Set(next.map((t) => t.id));
    for (const target of this.#targets) if (!placed.has(target.id)) next.push(target);
    this.#targets = next;
    this.orderings.push(note === undefined ? { by, scores } : { by, scores, note });
    return this;
  }

  /** A plain-object record of the plan for logs and explain endpoints. */
  toJSON(): {
    targets: string[];
    discovered: Discovery[];
    exclusions: Exclusion[];
    orderings: Ordering[];
  } {
    return {
      targets: this.#targets.map((t) => t.id),
      discovered: this.discovered,
      exclusions: this.exclusions,
      orderings: this.orderings,
    };
  }
}
