import type { AliasConfig, RoutingConfig } from '../config/schema.js';
import type { AttemptOutcome } from '../types.js';

/** How one request fails over: `routing` (its defaults filled by the config schema), with its alias's overrides applied. */
export type FailoverPolicy = Readonly<Omit<RoutingConfig, 'failoverOn'> & { failoverOn: ReadonlySet<AttemptOutcome> }>;

/** Failover policies per model name, resolved once per configuration. */
export class FailoverPolicies {
  readonly #default: FailoverPolicy;
  readonly #byAlias = new Map<string, FailoverPolicy>();

  constructor(routing: RoutingConfig, aliases: readonly AliasConfig[] = []) {
    this.#default = toPolicy(routing);
    for (const alias of aliases)
      if (alias.routing) this.#byAlias.set(alias.name, toPolicy({ ...routing, ...alias.routing }));
  }

  /** True when some policy hedges (time to first token is then tracked per target). */
  get hedging(): boolean {
    return this.#default.hedge || [...this.#byAlias.values()].some((p) => p.hedge);
  }

  /** The policy for the model name a caller asked for. */
  for(model: string): FailoverPolicy {
    return this.#byAlias.get(model) ?? this.#default;
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
