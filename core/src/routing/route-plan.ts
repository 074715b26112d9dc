import type { DiscoveryRule, Target } from '../types.js';

export interface Exclusion {
  readonly target: string;
  /** Name of the plugin that excluded it. */
  readonly by: string;
  readonly reason: string;
  /** The request's own needs or constraints left it out (not the target's health, nor a policy). */
  readonly byRequest?: boolean;
  /**
   * Set when the target is only waiting (a rate-limit cooldown): how long until it may be tried
   * again. When every target left out of a plan waits, the caller gets 429 with Retry-After.
   */
  readonly retryAfterMs?: number;
  /** Headers to answer such a 429 with (e.g. the upstream's `x-ratelimit-*` as last seen). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Why a target is left out: words, or words with what kind of exclusion it is (the request's own, or a wait). */
export type ExclusionNote = string | Omit<Exclusion, 'target' | 'by'>;

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

/** Scores per target id: a record, or a Map turned into one only when read. */
export type Scores = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

/**
 * The attempt plan: the ordered targets left after every selectRoute stage, plus the
 * record of what each plugin did, so an operator can ask why a request went where it went.
 */
export class RoutePlan {
  #targets: Target[] = [];
  /**
   * Ids ever added, kept as a Set once past 16 so add() stays linear with thousands of candidates;
   * below that a scan of `discovered` costs less than a Set per request.
   */
  #added: Set<string> | undefined;
  #discovered: Discovery[] = [];
  readonly exclusions: Exclusion[] = [];
  readonly orderings: Ordering[] = [];

  get targets(): readonly Target[] {
    return this.#targets;
  }

  get size(): number {
    return this.#targets.length;
  }

  /** Every candidate added, in order, with the rule that found it and who added it. */
  get discovered(): Discovery[] {
    return this.#discovered;
  }

  /** Adds candidates (stage DISCOVER); a target id already added is not added again. */
  add(by: string, targets: readonly Target[]): this {
    if (this.#discovered.length === 0 && distinct(targets)) {
      // The first candidates (the resolver's): copied at their size, rather than grown item by item.
      this.#targets = targets.slice();
      this.#discovered = targets.map((target) => ({ target: target.id, rule: target.rule, by }));
      if (targets.length >= 16) this.#added = new Set(this.#discovered.map((d) => d.target));
      return this;
    }
    for (const target of targets) {
      if (this.#wasAdded(target.id)) continue;
      this.#added?.add(target.id);
      this.#targets.push(target);
      this.#discovered.push({ target: target.id, rule: target.rule, by });
    }
    return this;
  }

  /** Removes every target the predicate matches, recording who removed it and why. */
  #wasAdded(id: string): boolean {
    if (this.#added) return this.#added.has(id);
    const discovered = this.#discovered;
    for (let i = 0; i < discovered.length; i++) if (discovered[i]!.target === id) return true;
    if (discovered.length >= 16) this.#added = new Set(discovered.map((d) => d.target));
    return false;
  }

  exclude(
    by: string,
    predicate: (target: Target) => boolean,
    reason: ExclusionNote | ((target: Target) => ExclusionNote),
  ): this {
    let kept: Target[] | undefined;
    const targets = this.#targets;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i]!;
      if (predicate(target)) {
        kept ??= this.#targets.slice(0, i);
        const note = typeof reason === 'function' ? reason(target) : reason;
        this.exclusions.push(
          typeof note === 'string' ? { target: target.id, by, reason: note } : { target: target.id, by, ...note },
        );
      } else {
        kept?.push(target);
      }
    }
    if (kept) this.#targets = kept;
    return this;
  }

  /**
   * Replaces the order (stage ORDER). `order` must be a permutation of some of the current
   * targets. Scores may come as a Map: it becomes a plain record only when read (explain,
   * logs), which keeps ordering hundreds of candidates cheap.
   */
  reorder(by: string, order: readonly Target[], scores: Scores = {}, note?: string): this {
    // Identity first (plugins reorder the plan's own objects); an equal id names the same target.
    const current = new Set(this.#targets);
    let byId: Map<string, Target> | undefined;
    const placed = new Set<Target>();
    const next: Target[] = [];
    for (const t of order) {
      const own = current.has(t) ? t : (byId ??= new Map(this.#targets.map((c) => [c.id, c]))).get(t.id);
      if (own === undefined || placed.has(own)) continue;
      placed.add(own);
      next.push(own);
    }
    if (next.length < this.#targets.length)
      for (const target of this.#targets) if (!placed.has(target)) next.push(target);
    this.#targets = next;
    this.orderings.push(ordering(by, scores, note));
    return this;
  }

  /**
   * reorder() by positions: `indices[k]` is the current position of the target that goes k-th.
   * Positions left out keep their relative order after the given ones. Linear, no hashing:
   * for strategies ranking thousands of candidates.
   */
  permute(by: string, indices: ArrayLike<number>, scores: Scores = {}, note?: string): this {
    const current = this.#targets;
    const seen = new Uint8Array(current.length);
    const next: Target[] = [];
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (i >= 0 && i < current.length && seen[i] === 0) {
        seen[i] = 1;
        next.push(current[i]!);
      }
    }
    if (next.length < current.length)
      for (let i = 0; i < current.length; i++) if (seen[i] === 0) next.push(current[i]!);
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

/** No two targets share an id (checked pairwise up to 16; beyond, the caller adds them one by one). */
function distinct(targets: readonly Target[]): boolean {
  if (targets.length > 16) return false;
  for (let i = 1; i < targets.length; i++)
    for (let j = 0; j < i; j++) if (targets[i]!.id === targets[j]!.id) return false;
  return true;
}

function ordering(by: string, scores: Scores, note: string | undefined): Ordering {
  if (!(scores instanceof Map))
    return note === undefined
      ? { by, scores: scores as Record<string, number> }
      : { by, scores: scores as Record<string, number>, note };
  let record: Record<string, number> | undefined;
  return {
    by,
    get scores(): Readonly<Record<string, number>> {
      return (record ??= Object.fromEntries(scores));
    },
    ...(note === undefined ? {} : { note }),
  };
}
