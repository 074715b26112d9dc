import type { RoutingConfig, RoutingOverrides } from '../config/schema.js';
import { exchangeKey } from '../exchange.js';
import type { AttemptOutcome } from '../types.js';

/** How one request fails over: `routing` (its defaults filled by the config schema), with the request's overrides applied. */
export type FailoverPolicy = Readonly<Omit<RoutingConfig, 'failoverOn'> & { failoverOn: ReadonlySet<AttemptOutcome> }>;

/**
 * Routing settings for this request only, over the config's `routing`: a selectRoute tap sets
 * them (e.g. the models plugin, for an alias with its own `routing`). Set the same object for
 * every request it applies to: the merged policy is kept per object.
 */
export const ROUTING_OVERRIDES = exchangeKey<RoutingOverrides>('routing-overrides');

/** Failover policies: the config's `routing`, and each overrides object merged over it once. */
export class FailoverPolicies {
  readonly #routing: RoutingConfig;
  readonly #default: FailoverPolicy;
  readonly #merged = new WeakMap<RoutingOverrides, FailoverPolicy>();
  #hedging: boolean;

  constructor(routing: RoutingConfig) {
    this.#routing = routing;
    this.#default = toPolicy(routing);
    this.#hedging = this.#default.hedge;
  }

  /**
   * True once some policy hedges: `routing.hedge`, or overrides that turn it on, from the first
   * request they applied to. Until then no time to first token is tracked.
   */
  get hedging(): boolean {
    return this.#hedging;
  }

  /** The policy for a request with these overrides (ROUTING_OVERRIDES), the default without. */
  for(overrides: RoutingOverrides | undefined): FailoverPolicy {
    if (overrides === undefined) return this.#default;
    let policy = this.#merged.get(overrides);
    if (!policy) {
      policy = toPolicy({ ...this.#routing, ...overrides });
      this.#merged.set(overrides, policy);
      if (policy.hedge) this.#hedging = true;
    }
    return policy;
  }
}

/**
 * The pause before retrying the same target: full jitter over an exponential ceiling
 * (`backoffMs · 2^(retry-1)`, at most `backoffMaxMs`). `retry` is 1 for the first retry.
 */
export function backoffDelay(
  policy: Pick<FailoverPolicy, 'backoffMs' | 'backoffMaxMs'>,
  retry: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling * random());
}

/** Retry-After (seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function toPolicy(routing: RoutingConfig): FailoverPolicy {
  return Object.freeze({ ...routing, failoverOn: new Set<AttemptOutcome>(routing.failoverOn) });
}
