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
    const present = new Set(this.#targets.map((t) => t.id));
    for (const target of targets) {
      if (present.has(target.id)) continue;
      present.add(target.id);
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

  /**
   * Replaces the order (stage ORDER). `order` must be a permutation of some of the current
   * targets. Scores may come as a Map: it becomes a plain record only when read (explain,
   * logs), which keeps ordering hundreds of candidates cheap.
   */
  reorder(by: string, order: readonly Target[], scores: Readonly<Record<string, number>> | ReadonlyMap<string, number> = {}, note?: string): this {
    const pending = new Set<string>();
    for (const target of this.#targets) pending.add(target.id);
    const next: Target[] = [];
    for (const target of order) if (pending.delete(target.id)) next.push(target);
    if (pending.size > 0) for (const target of this.#targets) if (pending.has(target.id)) next.push(target);
    this.#targets = next;
    this.orderings.push(ordering(by, scores, note));
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

function ordering(by: string, scores: Readonly<Record<string, number>> | ReadonlyMap<string, number>, note: string | undefined): Ordering {
  if (!(scores instanceof Map)) return note === undefined ? { by, scores: scores as Record<string, number> } : { by, scores: scores as Record<string, number>, note };
  let record: Record<string, number> | undefined;
  return {
    by,
    get scores(): Readonly<Record<string, number>> {
      return (record ??= Object.fromEntries(scores));
    },
    ...(note === undefined ? {} : { note }),
  };
}
