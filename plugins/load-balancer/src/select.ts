/**
 * Ordering of candidates: priority tiers (lowest number first), then an algorithm inside each
 * tier. Pure: knows nothing of Koa or tapable; time and randomness are injected.
 */

export type Algorithm = 'weighted' | 'round-robin' | 'least-busy' | 'p2c';

/** What the balancer needs of a target (core's Target satisfies it). */
export interface Candidate {
  readonly id: string;
  readonly instance: { readonly name: string; readonly priority: number; readonly weight: number };
  /** How discovery found it; an alias's targets keep the order the alias lists them in. */
  readonly rule?: string;
}

export interface Ordered<T extends Candidate> {
  readonly targets: T[];
  /** `targets[k]` is the input's `indices[k]`-th target: a plan can take the order by positions (no hashing). */
  readonly indices: number[];
  /** Per target id: the figure the algorithm ranked by (lower goes first). */
  readonly scores: Map<string, number>;
}

interface Stats {
  inFlight: number;
  /** Peak-EWMA latency in ms; 0 before the first sample. */
  ewmaMs: number;
  lastAt: number;
}

export interface BalancerDeps {
  now?: () => number;
  random?: () => number;
  /** Most round-robin turns kept (MAX_ROTATIONS). */
  maxRotations?: number;
}

/**
 * Most round-robin turns kept, one per tier of target ids: a model an instance claims by prefix
 * or glob is a caller's choice, and so is the tier it makes. Past this many the oldest turn is
 * forgotten (its tier starts over at its first target).
 */
export const MAX_ROTATIONS = 10_000;

/** A failure counts as at least this slow, so a fast-failing instance never looks attractive. */
const FAILURE_FLOOR_MS = 1000;

/** Per-instance load figures and the ordering algorithms that read them. */
export class Balancer {
  readonly #algorithm: Algorithm;
  readonly #decayMs: number;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #stats = new Map<string, Stats>();
  readonly #rotation = new Map<string, number>();
  readonly #maxRotations: number;

  constructor(algorithm: Algorithm, decayMs: number, deps: BalancerDeps = {}) {
    this.#algorithm = algorithm;
    this.#decayMs = decayMs;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#maxRotations = deps.maxRotations ?? MAX_ROTATIONS;
  }

  get algorithm(): Algorithm {
    return this.#algorithm;
  }

  /** How many round-robin turns are kept (never more than MAX_ROTATIONS). */
  get rotations(): number {
    return this.#rotation.size;
  }

  /**
   * Tiers by priority, each ordered by the algorithm; the first target is the pick. An alias's
   * targets are tiers of their own, in the alias's order: the operator already ranked them.
   * With `peek`, round-robin shows the next turn without taking it (dry runs).
   */
  order<T extends Candidate>(targets: readonly T[], peek = false): Ordered<T> {
    const scores = new Map<string, number>();
    if (targets.length <= 1) return { targets: [...targets], indices: targets.map((_, i) => i), scores };
    const tiers = new Map<number, number[]>();
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      const rank = t.rule === 'alias' ? i : t.instance.priority;
      const tier = tiers.get(rank);
      if (tier) tier.push(i);
      else tiers.set(rank, [i]);
    }
    let indices: number[];
    if (tiers.size === 1) indices = this.#orderTier(targets, tiers.values().next().value!, scores, peek);
    else {
      indices = [];
      for (const priority of [...tiers.keys()].sort((a, b) => a - b))
        indices.push(...this.#orderTier(targets, tiers.get(priority)!, scores, peek));
    }
    return { targets: indices.map((i) => targets[i]!), indices, scores };
  }

  /** An attempt to `instance` started. */
  started(instance: string): void {
    this.#get(instance).inFlight++;
  }

  /** An attempt to `instance` ended; `latencyMs` feeds the peak-EWMA (failures count as slow). */
  finished(instance: string, latencyMs: number | undefined, failed: boolean): void {
    const s = this.#get(instance);
    s.inFlight = Math.max(0, s.inFlight - 1);
    if (latencyMs === undefined) return;
    this.#observe(s, failed ? Math.max(latencyMs, 2 * s.ewmaMs, FAILURE_FLOOR_MS) : latencyMs);
  }

  inFlight(instance: string): number {
    return this.#stats.get(instance)?.inFlight ?? 0;
  }

  /** The current peak-EWMA latency (decayed to now). */
  latency(instance: string): number {
    const s = this.#stats.get(instance);
    return s ? s.ewmaMs * Math.exp(-(this.#now() - s.lastAt) / this.#decayMs) : 0;
  }

  /** p2c's cost: latency × (in-flight + 1); 1 ms added so in-flight counts before any sample. */
  cost(instance: string): number {
    return (this.latency(instance) + 1) * (this.inFlight(instance) + 1);
  }

  instances(): string[] {
    return [...this.#stats.keys()];
  }

  #observe(s: Stats, sample: number): void {
    const now = this.#now();
    // Peak EWMA: a slower sample is taken at once, faster ones are blended in with time decay.
    if (sample > s.ewmaMs) s.ewmaMs = sample;
    else {
      const w = Math.exp(-(now - s.lastAt) / this.#decayMs);
      s.ewmaMs = s.ewmaMs * w + sample * (1 - w);
    }
    s.lastAt = now;
  }

  #get(instance: string): Stats {
    let s = this.#stats.get(instance);
    if (!s) {
      s = { inFlight: 0, ewmaMs: 0, lastAt: this.#now() };
      this.#stats.set(instance, s);
    }
    return s;
  }

  /** The positions (into `all`) of one tier's targets, in the algorithm's order; scores set by target id. */
  #orderTier<T extends Candidate>(
    all: readonly T[],
    tier: number[],
    scores: Map<string, number>,
    peek: boolean,
  ): number[] {
    if (tier.length === 1) {
      scores.set(all[tier[0]!]!.id, 0);
      return tier;
    }
    switch (this.#algorithm) {
      case 'weighted':
        return this.#weighted(all, tier, scores);
      case 'round-robin':
        return this.#roundRobin(all, tier, scores, peek);
      case 'least-busy':
        return this.#leastBusy(all, tier, scores);
      case 'p2c':
        return this.#powerOfTwoChoices(all, tier, scores);
    }
  }

  #weighted<T extends Candidate>(all: readonly T[], tier: number[], scores: Map<string, number>): number[] {
    const n = tier.length;
    // Exponential race: key = -ln(u) / weight; ascending order is a weighted random permutation.
    // Keys in a typed array and an index sort: no object per candidate (tiers can hold hundreds of tag-selected targets).
    const keys = new Float64Array(n);
    const order = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      const weight = at(all, tier, k).instance.weight;
      keys[k] = weight > 0 ? -Math.log(1 - this.#random()) / weight : Number.POSITIVE_INFINITY;
      order[k] = k;
    }
    order.sort((a, b) => keys[a]! - keys[b]!);
    for (let k = 0; k < n; k++) {
      scores.set(at(all, tier, order[k]!).id, round(keys[order[k]!]!));
      order[k] = tier[order[k]!]!;
    }
    return order;
  }

  #roundRobin<T extends Candidate>(
    all: readonly T[],
    tier: number[],
    scores: Map<string, number>,
    peek: boolean,
  ): number[] {
    const ring = tier.map((i) => all[i]!.id).join('\n');
    const turn = this.#rotation.get(ring);
    if (!peek) {
      if (turn === undefined && this.#rotation.size >= this.#maxRotations)
        this.#rotation.delete(this.#rotation.keys().next().value!);
      this.#rotation.set(ring, ((turn ?? 0) + 1) % tier.length);
    }
    const start = turn ?? 0;
    const out = [...tier.slice(start), ...tier.slice(0, start)];
    out.forEach((i, k) => scores.set(all[i]!.id, k));
    return out;
  }

  #leastBusy<T extends Candidate>(all: readonly T[], tier: number[], scores: Map<string, number>): number[] {
    const n = tier.length;
    // Fewest attempts in flight per unit of weight; ties (an idle tier) in weighted random order, so load splits by weight.
    const load = new Float64Array(n);
    const race = new Float64Array(n);
    const order = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      const { weight, name } = at(all, tier, k).instance;
      load[k] = weight > 0 ? this.inFlight(name) / weight : Number.POSITIVE_INFINITY;
      race[k] = weight > 0 ? -Math.log(1 - this.#random()) / weight : Number.POSITIVE_INFINITY;
      order[k] = k;
    }
    order.sort((a, b) => compare(load[a]!, load[b]!) || compare(race[a]!, race[b]!));
    return order.map((k) => {
      scores.set(at(all, tier, k).id, round(load[k]!));
      return tier[k]!;
    });
  }

  #powerOfTwoChoices<T extends Candidate>(all: readonly T[], tier: number[], scores: Map<string, number>): number[] {
    const n = tier.length;
    const costs = tier.map((i) => this.cost(all[i]!.instance.name));
    const i = Math.floor(this.#random() * n);
    let j = Math.floor(this.#random() * (n - 1));
    if (j >= i) j++;
    const pick = costs[i]! <= costs[j]! ? i : j;
    const rest = costs.map((_, k) => k).filter((k) => k !== pick);
    rest.sort((x, y) => costs[x]! - costs[y]!);
    tier.forEach((index, k) => scores.set(all[index]!.id, round(costs[k]!)));
    return [pick, ...rest].map((k) => tier[k]!);
  }
}

/** The `k`-th target of a tier (`tier` holds positions into `all`). */
function at<T extends Candidate>(all: readonly T[], tier: number[], k: number): T {
  return all[tier[k]!]!;
}

/** Ascending, infinities equal to each other. */
function compare(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
