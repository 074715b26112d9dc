/**
 * The breaker state machine, one per key (an instance, or instance × model). Knows nothing of
 * Koa, tapable or the gateway: time comes from an injected clock, randomness from an injected
 * source, and transitions go out through a callback.
 *
 *   closed ──(failureThreshold consecutive failures, or failureRatio over the window)──▶ open
 *   open ──(openMs elapsed, jittered and growing with each opening; or a passing health probe)──▶ half_open
 *   half_open ──(successThreshold successes)──▶ closed
 *   half_open ──(any failure)──▶ open (longer)
 *
 * Apart from the state, an operator may eject a key: it is refused whatever its state until
 * restored; its counts and state go on as before.
 */

export type BreakerState = 'closed' | 'open' | 'half_open';
/** The outcomes the table learns from (core's AttemptOutcome). */
export type Outcome = 'success' | 'failure' | 'business_error' | 'rate_limited' | 'cancelled';

export interface BreakerSettings {
  failureThreshold: number;
  failureRatio: number;
  minRequests: number;
  windowMs: number;
  openMs: number;
  maxOpenMs: number;
  openGrowth: number;
  jitter: number;
  halfOpenProbes: number;
  successThreshold: number;
  rateLimitCooldownMs: number;
  maxCooldownMs: number;
}

export interface Transition {
  readonly key: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly reason: string;
  readonly at: number;
  /** For openings: how long the circuit stays open. */
  readonly openMs?: number;
  /** For openings: the how-many-th opening since it last closed. */
  readonly openings: number;
}

/** A breaker's state as other replicas see it through the store. */
export interface SharedState {
  readonly state: BreakerState;
  readonly openUntil: number;
  readonly openings: number;
  readonly reason: string;
  readonly at: number;
  /** Why an operator ejected it; absent when it is not ejected. */
  readonly ejected?: string;
}

export interface BreakerSnapshot {
  readonly key: string;
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  readonly windowRequests: number;
  readonly windowFailures: number;
  readonly openings: number;
  readonly reason?: string;
  /** Epoch ms when an open circuit may be probed. */
  readonly openUntil?: number;
  /** Epoch ms until which a rate-limited instance is parked. */
  readonly parkedUntil?: number;
  readonly probesInFlight: number;
  /** Set while an operator has ejected it: why and since when (epoch ms). */
  readonly ejected?: { readonly reason: string; readonly at: number };
}

export type Admission =
  | { readonly ok: true; readonly probe: boolean }
  | {
      readonly ok: false;
      readonly reason: string;
      /** Parked after a 429: how long until the instance may be tried again. */
      readonly retryAfterMs?: number;
      /** Parked after a 429: the upstream's rate-limit headers, as last seen. */
      readonly headers?: Readonly<Record<string, string>>;
    };

export interface TableDeps {
  now?: () => number;
  random?: () => number;
  onTransition?: (transition: Transition) => void;
  /** Most breakers attempt results create (MAX_BREAKERS). */
  maxBreakers?: number;
}

/**
 * Most breakers attempt results create. With `perModel` a breaker's key holds the model name,
 * and a prefix-claimed or globbed model is a caller's choice: past this many, a new key's
 * results are judged on a record that is not kept. Operators' ejections, health checks and
 * other replicas' transitions are always kept.
 */
export const MAX_BREAKERS = 10_000;

const BUCKETS = 10;
const ADMITTED: Admission = Object.freeze({ ok: true, probe: false });
const PROBE: Admission = Object.freeze({ ok: true, probe: true });

/** One breaker's state; a table's records can be handed to the next table (a config reload). */
export class Breaker {
  state: BreakerState = 'closed';
  consecutive = 0;
  openings = 0;
  openUntil = 0;
  parkedUntil = 0;
  parkedWhy = '';
  /** The rate-limit headers of the 429 that parked it. */
  parkedHeaders: Readonly<Record<string, string>> | undefined = undefined;
  reason = '';
  /** Why an operator ejected it; empty when it is not ejected. */
  ejected = '';
  ejectedAt = 0;
  successes = 0;
  changedAt = 0;
  /** Expiry times of the probe leases handed out while half-open. */
  leases: number[] = [];
  readonly epochs = new Array<number>(BUCKETS).fill(-1);
  readonly ok = new Array<number>(BUCKETS).fill(0);
  readonly failed = new Array<number>(BUCKETS).fill(0);
}

/** Every breaker of a gateway, created on first use. */
export class BreakerTable {
  readonly #settings: BreakerSettings;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #onTransition: (transition: Transition) => void;
  readonly #breakers: Map<string, Breaker>;
  readonly #max: number;

  /** `breakers`: the records to work on, e.g. those of the table a reload replaces. */
  constructor(settings: BreakerSettings, deps: TableDeps = {}, breakers = new Map<string, Breaker>()) {
    this.#breakers = breakers;
    this.#settings = settings;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#onTransition = deps.onTransition ?? (() => undefined);
    this.#max = deps.maxBreakers ?? MAX_BREAKERS;
  }

  /** Whether a request may go to `key` now. Half-open: hands out a probe lease for `leaseMs`, if one is free. */
  admit(key: string, leaseMs: number): Admission {
    const b = this.#breakers.get(key);
    if (!b) return ADMITTED;
    if (b.ejected) return { ok: false, reason: `ejected (${b.ejected})` };
    const now = this.#now();
    if (b.parkedUntil > now) return parked(b, now);
    if (b.state === 'closed') return ADMITTED;
    if (b.state === 'open') {
      if (now < b.openUntil)
        return { ok: false, reason: `circuit open (${b.reason}; next probe in ${seconds(b.openUntil - now)})` };
      this.#move(b, key, 'half_open', 'open period elapsed');
    }
    b.leases = b.leases.filter((expiry) => expiry > now);
    if (b.leases.length >= this.#settings.halfOpenProbes)
      return { ok: false, reason: 'circuit half-open (probe in flight)' };
    b.leases.push(now + leaseMs);
    return PROBE;
  }

  /** What admit() would answer now, changing nothing and taking no lease (for dry runs). */
  peek(key: string): Admission {
    const b = this.#breakers.get(key);
    if (!b) return ADMITTED;
    if (b.ejected) return { ok: false, reason: `ejected (${b.ejected})` };
    const now = this.#now();
    if (b.parkedUntil > now) return parked(b, now);
    if (b.state === 'closed') return ADMITTED;
    if (b.state === 'open' && now < b.openUntil)
      return { ok: false, reason: `circuit open (${b.reason}; next probe in ${seconds(b.openUntil - now)})` };
    if (b.state === 'half_open' && b.leases.filter((expiry) => expiry > now).length >= this.#settings.halfOpenProbes)
      return { ok: false, reason: 'circuit half-open (probe in flight)' };
    return PROBE;
  }

  /** Learns from one attempt's outcome. `retryAfterMs` is the upstream's Retry-After and `headers` its rate-limit headers, for rate_limited. */
  record(key: string, outcome: Outcome, retryAfterMs?: number, headers?: Readonly<Record<string, string>>): void {
    // Business errors and cancellations say nothing about the instance's health: they create no breaker.
    const b =
      this.#breakers.get(key) ??
      (outcome === 'business_error' || outcome === 'cancelled' ? undefined : this.#create(key));
    if (!b) return;
    const now = this.#now();
    if (b.state === 'half_open') b.leases.shift();
    switch (outcome) {
      case 'success':
        b.consecutive = 0;
        this.#count(b, now, false);
        if (b.state === 'half_open' && ++b.successes >= this.#settings.successThreshold)
          this.#close(b, key, `${b.successes} successful probe(s)`);
        return;
      case 'failure':
        this.#count(b, now, true);
        b.consecutive++;
        if (b.state === 'half_open') return this.#open(b, key, 'probe failed');
        if (b.state === 'open') return;
        if (b.consecutive >= this.#settings.failureThreshold)
          return this.#open(b, key, `${b.consecutive} consecutive failures`);
        this.#checkRatio(b, key, now);
        return;
      case 'rate_limited': {
        const wait = Math.min(this.#settings.maxCooldownMs, retryAfterMs ?? this.#settings.rateLimitCooldownMs);
        b.parkedUntil = Math.max(b.parkedUntil, now + wait);
        b.parkedHeaders = headers;
        b.parkedWhy =
          retryAfterMs === undefined
            ? `upstream 429, cooldown ${seconds(wait)}`
            : `upstream 429, Retry-After ${seconds(retryAfterMs)}`;
        return;
      }
      default:
        // Business errors and cancellations say nothing about the instance's health.
        return;
    }
  }

  /** Gives back a probe lease that was never used (the request ended elsewhere). */
  release(key: string): void {
    this.#breakers.get(key)?.leases.shift();
  }

  /** A failing health probe: opens the circuit (a half-open one reopens, longer). */
  forceOpen(key: string, reason: string): void {
    const b = this.#get(key);
    if (b.state !== 'open' || this.#now() >= b.openUntil) this.#open(b, key, reason);
  }

  /** A passing health probe: an open circuit goes half-open at once. */
  probePassed(key: string): void {
    const b = this.#breakers.get(key);
    if (b?.state === 'open') this.#move(b, key, 'half_open', 'health check passed');
  }

  /** An operator takes `key` out of routing, whatever its state, until restore(). */
  eject(key: string, reason: string): void {
    const b = this.#get(key);
    b.ejected = reason;
    b.ejectedAt = this.#now();
    b.changedAt = b.ejectedAt;
  }

  /** Lifts an ejection; returns whether `key` was ejected. The circuit's state is left as it was. */
  restore(key: string): boolean {
    const b = this.#breakers.get(key);
    if (!b?.ejected) return false;
    b.ejected = '';
    b.ejectedAt = 0;
    b.changedAt = this.#now();
    return true;
  }

  /** Why `key` is ejected, or undefined while it is not. */
  ejection(key: string): string | undefined {
    return this.#breakers.get(key)?.ejected || undefined;
  }

  /** The state as of now (an elapsed open period reads as half_open). */
  state(key: string): BreakerState {
    const b = this.#breakers.get(key);
    if (!b) return 'closed';
    return b.state === 'open' && this.#now() >= b.openUntil ? 'half_open' : b.state;
  }

  keys(): string[] {
    return [...this.#breakers.keys()];
  }

  /** Drops every breaker whose key `keep` refuses (instances a reload removed). */
  forget(keep: (key: string) => boolean): void {
    for (const key of this.#breakers.keys()) if (!keep(key)) this.#breakers.delete(key);
  }

  snapshot(key: string): BreakerSnapshot {
    const b = this.#breakers.get(key) ?? new Breaker();
    const now = this.#now();
    let requests = 0;
    let failures = 0;
    const epoch = Math.floor(now / this.#bucketMs());
    for (let i = 0; i < BUCKETS; i++) {
      if (b.epochs[i]! > epoch - BUCKETS) {
        requests += b.ok[i]! + b.failed[i]!;
        failures += b.failed[i]!;
      }
    }
    return {
      key,
      state: this.state(key),
      consecutiveFailures: b.consecutive,
      windowRequests: requests,
      windowFailures: failures,
      openings: b.openings,
      ...(b.reason ? { reason: b.reason } : {}),
      ...(b.state === 'open' ? { openUntil: b.openUntil } : {}),
      ...(b.parkedUntil > now ? { parkedUntil: b.parkedUntil } : {}),
      probesInFlight: b.leases.filter((expiry) => expiry > now).length,
      ...(b.ejected ? { ejected: { reason: b.ejected, at: b.ejectedAt } } : {}),
    };
  }

  /** What other replicas should see; undefined for a breaker never touched. */
  shared(key: string): SharedState | undefined {
    const b = this.#breakers.get(key);
    return b
      ? {
          state: b.state,
          openUntil: b.openUntil,
          openings: b.openings,
          reason: b.reason,
          at: b.changedAt,
          ...(b.ejected ? { ejected: b.ejected } : {}),
        }
      : undefined;
  }

  /** Adopts another replica's newer transition or ejection; returns whether anything changed. */
  adopt(key: string, remote: SharedState): boolean {
    const b = this.#get(key);
    const ejected = remote.ejected ?? '';
    if (remote.at <= b.changedAt || (remote.state === b.state && ejected === b.ejected)) return false;
    if (ejected !== b.ejected) {
      b.ejected = ejected;
      b.ejectedAt = ejected ? remote.at : 0;
    }
    b.changedAt = remote.at;
    if (remote.state === b.state) return true;
    b.state = remote.state;
    b.openUntil = remote.openUntil;
    b.openings = remote.openings;
    b.reason = remote.reason;
    b.consecutive = 0;
    b.successes = 0;
    b.leases = [];
    return true;
  }

  /** A new breaker for an attempt result, kept while the table holds fewer than its most. */
  #create(key: string): Breaker {
    const b = new Breaker();
    if (this.#breakers.size < this.#max) this.#breakers.set(key, b);
    return b;
  }

  #get(key: string): Breaker {
    let b = this.#breakers.get(key);
    if (!b) {
      b = new Breaker();
      this.#breakers.set(key, b);
    }
    return b;
  }

  #bucketMs(): number {
    return Math.max(1, this.#settings.windowMs / BUCKETS);
  }

  #count(b: Breaker, now: number, failed: boolean): void {
    const epoch = Math.floor(now / this.#bucketMs());
    const i = epoch % BUCKETS;
    if (b.epochs[i] !== epoch) {
      b.epochs[i] = epoch;
      b.ok[i] = 0;
      b.failed[i] = 0;
    }
    if (failed) b.failed[i]!++;
    else b.ok[i]!++;
  }

  #checkRatio(b: Breaker, key: string, now: number): void {
    const { minRequests, failureRatio, windowMs } = this.#settings;
    if (failureRatio >= 1 || failureRatio <= 0) return;
    const epoch = Math.floor(now / this.#bucketMs());
    let requests = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      if (b.epochs[i]! > epoch - BUCKETS) {
        requests += b.ok[i]! + b.failed[i]!;
        failures += b.failed[i]!;
      }
    }
    if (requests >= minRequests && failures / requests >= failureRatio) {
      this.#open(b, key, `${failures} of the last ${requests} requests failed within ${seconds(windowMs)}`);
    }
  }

  #open(b: Breaker, key: string, reason: string): void {
    const s = this.#settings;
    b.openings++;
    const grown = Math.min(s.maxOpenMs, s.openMs * s.openGrowth ** (b.openings - 1));
    const openMs = Math.round(Math.min(s.maxOpenMs, grown * (1 + s.jitter * (this.#random() * 2 - 1))));
    b.openUntil = this.#now() + openMs;
    b.reason = reason;
    b.successes = 0;
    b.leases = [];
    this.#move(b, key, 'open', reason, openMs);
  }

  #close(b: Breaker, key: string, reason: string): void {
    b.openings = 0;
    b.consecutive = 0;
    b.successes = 0;
    b.reason = '';
    b.leases = [];
    b.epochs.fill(-1);
    this.#move(b, key, 'closed', reason);
  }

  #move(b: Breaker, key: string, to: BreakerState, reason: string, openMs?: number): void {
    const from = b.state;
    b.state = to;
    b.changedAt = this.#now();
    if (to === 'half_open') {
      b.successes = 0;
      b.leases = [];
    }
    this.#onTransition({
      key,
      from,
      to,
      reason,
      at: b.changedAt,
      openings: b.openings,
      ...(openMs === undefined ? {} : { openMs }),
    });
  }
}

function parked(b: Breaker, now: number): Admission {
  const left = b.parkedUntil - now;
  return {
    ok: false,
    reason: `rate limited (${b.parkedWhy}; ${seconds(left)} left)`,
    retryAfterMs: left,
    ...(b.parkedHeaders ? { headers: b.parkedHeaders } : {}),
  };
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.ceil(ms / 1000)} s` : `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
