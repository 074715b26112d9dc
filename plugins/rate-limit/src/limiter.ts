import { randomUUID } from 'node:crypto';
import { NOTHING, Reply, SwitchyardError, exchangeKey, retryAdvice, unansweredAfterSending } from '@switchyard/core';
import type { AttemptResult, Exchange, Gateway, Logger } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { sendOutputLimit } from '@switchyard/plugin-models/contract';
import type { Counters, Move, MoveId, Slot } from './counters.js';
import {
  chargesFor,
  estimateTokens,
  formatDuration,
  rateLimitHeaders,
  scopesFor,
  setRateLimitHeaders,
} from './limits.js';
import type { Charge, KeyLimits, Reading, Reservation } from './limits.js';
import type { RateLimitOptions } from './schema.js';
import type { StoreHealth } from './store-health.js';
import { LIMITER_UNAVAILABLE, RATE_LIMITED } from './errors.js';

const PLUGIN = 'rate-limit';

/** What admission charged, settled once when the request finishes. */
interface Admission {
  /** The admission's ticket (MoveId), when it has charges to settle. */
  readonly ticket: string | undefined;
  readonly charges: readonly Charge[];
  /** When each charge's window ends (epoch ms): nothing is given back to a window that has ended. A concurrency slot's moves on with each renewal. */
  readonly windowEnds: number[];
  /** The request's whole estimate (estimateTokens' `tokens`): what an answer without usage, or an attempt cut off, counts. */
  readonly reserved: number;
  used: number | undefined;
  served: boolean;
  /** Attempts the upstream may have billed without saying what (unansweredAfterSending): each keeps a reservation. */
  unanswered: number;
  settled: boolean;
}

const ADMISSION = exchangeKey<Admission>('rate-limit:admission');
/** Dimensions a request's settlement moves: tokens to its usage, its concurrency slot back. */
const SETTLED: ReadonlySet<string> = new Set(['tokens', 'daily', 'concurrent']);
/** Moves the store failed are sent again this often, until it takes them. */
const RESEND_EVERY_MS = 1000;
/** Moves kept to send again at most; beyond, the oldest are dropped (logged). */
const MAX_RESENDS = 10_000;
const RESERVED = exchangeKey<Reservation>('rate-limit:reserved');
const ANONYMOUS = 'anonymous';

/** Admission, instance filtering, accounting and settlement; one per gateway. */
export class Limiter {
  /** Moves to send again: admissions that timed out (to take back) and settlements the store failed. */
  #resends: Array<{ moves: readonly Move[]; id: MoveId }> = [];
  #resendTimer: NodeJS.Timeout | undefined;
  /** Admissions holding concurrency slots, of requests still running here: their leases are renewed. */
  readonly #leased = new Set<Admission>();
  #nextRenewal = 0;

  constructor(
    private readonly options: RateLimitOptions,
    private readonly counters: Counters,
    private readonly health: StoreHealth,
    private readonly logger: Logger,
    /** The models a requested name resolves to (an alias's targets), for key × model limits; undefined without name resolution. */
    private readonly reached: (model: string) => readonly string[] | undefined = () => undefined,
    /** A model's context window (plugin-models' table), for input the upstream may read up to it (estimateTokens). */
    private readonly windowOf: (model: string) => number | undefined = () => undefined,
    /** A model's output limit (plugin-models' table), for a request that sets none (estimateTokens). */
    private readonly outputLimitOf: (model: string) => number | undefined = () => undefined,
    /** Whether a target the request's model resolves to reads any file by URL (estimateTokens). */
    private readonly readsAnyUrl: (x: Exchange) => boolean = () => false,
    /** The model a dated or versioned name is a snapshot of (plugin-models' table), for key × model limits. */
    private readonly familyOf: (model: string) => string | undefined = () => undefined,
    /** Epoch ms now (the counters' clock). */
    private readonly now: () => number = Date.now,
  ) {}

  /** beforeRoute: a request no limit applies to passes at once (NOTHING), without a promise of its own. */
  admit(x: Exchange): Promise<Reply | undefined> {
    const caller = x.caller?.name ?? ANONYMOUS;
    const fromCaller = asLimits(x.caller?.metadata?.limits);
    const configured = own(this.options.keys, caller);
    const scopes = scopesFor(
      caller,
      x.model,
      configured,
      fromCaller,
      this.options.defaults,
      this.reached,
      this.familyOf,
    );
    return scopes.length === 0 ? NOTHING : this.#admit(x, caller, scopes);
  }

  async #admit(x: Exchange, caller: string, scopes: ReturnType<typeof scopesFor>): Promise<Reply | undefined> {
    this.renewLeases();
    const reservation = this.#reservation(x);
    const charges = chargesFor(scopes, reservation);
    if (charges.length === 0) return undefined;
    // Only charges that are settled need a ticket: a request count ends with its minute.
    const ticket = charges.some((c) => SETTLED.has(c.dimension)) ? `admit:${randomUUID()}` : undefined;
    const giveBack = charges.map((c) => ({ dimension: c.dimension, scope: c.scope, points: -c.points }));
    let readings: Reading[];
    try {
      readings = await this.counters.move(charges, ticket ? { id: ticket } : undefined);
      this.health.ok();
    } catch (err) {
      // A slow store may have counted it all the same: taken back if so (a concurrency slot is held until its lease ends).
      if (ticket) this.#resend(giveBack, { id: ticket, undo: true });
      return this.#storeFailed(err, x);
    }
    const requests = first(charges, readings, 'requests');
    const tokens = first(charges, readings, 'tokens');
    if (!charges.some((c, i) => readings[i]!.used > c.limit)) {
      const now = this.now();
      const admission: Admission = {
        ticket,
        charges,
        windowEnds: readings.map((r) => now + r.resetMs),
        reserved: reservation.tokens,
        used: undefined,
        served: false,
        unanswered: 0,
        settled: false,
      };
      x.set(ADMISSION, admission);
      if (ticket && charges.some((c) => c.dimension === 'concurrent')) this.#leased.add(admission);
      setRateLimitHeaders((name, value) => x.setResponseHeader(name, value), requests, tokens);
      if (
        reservation.sendOutput !== undefined &&
        charges.some((c) => c.dimension === 'tokens' || c.dimension === 'daily')
      )
        sendOutputLimit(x, reservation.sendOutput, 'the rate limit');
      return undefined;
    }
    // Refused requests do not count: take back everything this one added.
    const back = ticket ? { id: ticket, undo: true } : undefined;
    await this.counters.move(giveBack, back).catch(() => back && this.#resend(giveBack, back));
    const refused = charges.flatMap((c, i) =>
      readings[i]!.used > c.limit ? [{ charge: c, reading: readings[i]! }] : [],
    );
    // A request over a limit on its own is refused whenever it comes: no wait is worth advising.
    const retryAfterMs = refused.some((r) => r.charge.points > r.charge.limit)
      ? undefined
      : Math.max(...refused.map((r) => (r.charge.dimension === 'concurrent' ? 1000 : r.reading.resetMs)));
    const why = refused.map((r) => describe(r.charge)).join('; ');
    this.logger.info({ plugin: PLUGIN, caller, model: x.model, requestId: x.id, refused: why }, 'rate limited');
    const when = retryAfterMs === undefined ? '' : `; retry in ${formatDuration(retryAfterMs)}`;
    return Reply.error(
      new SwitchyardError(RATE_LIMITED, `rate limit exceeded for this gateway key: ${why}${when}`, {
        publicCode: 'rate_limit_exceeded',
        headers: { ...retryAdvice(retryAfterMs), ...rateLimitHeaders(requests, tokens) },
      }),
    );
  }

  /** FILTER: drops instances at their cap so the next candidate serves instead of a 429. */
  async filter(plan: RoutePlan, _x: Exchange): Promise<RoutePlan> {
    const capped = new Map<string, string>();
    const names = [...new Set(plan.targets.map((t) => t.instance.name))].filter((n) => own(this.options.instances, n));
    try {
      await Promise.all(
        names.map(async (name) => {
          const caps = own(this.options.instances, name)!;
          const [requests, tokens] = await Promise.all([
            caps.requestsPerMinute === undefined ? undefined : this.counters.peek('instance-requests', name),
            caps.tokensPerMinute === undefined ? undefined : this.counters.peek('instance-tokens', name),
          ]);
          if (requests && requests.used >= caps.requestsPerMinute!)
            capped.set(name, `instance at its cap of ${caps.requestsPerMinute} requests per minute`);
          else if (tokens && tokens.used >= caps.tokensPerMinute!)
            capped.set(name, `instance at its cap of ${caps.tokensPerMinute} tokens per minute`);
        }),
      );
      this.health.ok();
    } catch (err) {
      this.health.failed(err, this.options.onStoreError);
      if (this.options.onStoreError === 'allow') return plan;
      for (const name of names) capped.set(name, 'rate-limit store unreachable (onStoreError: deny)');
    }
    if (capped.size === 0) return plan;
    return plan.exclude(
      PLUGIN,
      (t) => capped.has(t.instance.name),
      (t) => capped.get(t.instance.name)!,
    );
  }

  /** onResult: counts the attempt against its instance, and notes usage for settlement. */
  record(result: AttemptResult, x: Exchange): void {
    const admission = x.get(ADMISSION);
    const usage = result.outcome === 'success' ? result.usage : undefined;
    const tokens = usage ? usageTokens(usage) : undefined;
    const unanswered = unansweredAfterSending(result);
    if (admission && result.outcome === 'success') {
      admission.served = true;
      admission.used = tokens;
    } else if (admission && unanswered) {
      admission.unanswered++;
    }
    const caps = own(this.options.instances, result.target.instance.name);
    if (!caps) return;
    const name = result.target.instance.name;
    const moves: Move[] = [];
    if (caps.requestsPerMinute !== undefined) moves.push({ dimension: 'instance-requests', scope: name, points: 1 });
    if (caps.tokensPerMinute !== undefined) {
      // As for a key: real usage, else the reservation for an answer without usage or an attempt
      // the upstream may bill without saying what (timed out, cut off, unusable).
      const spent = tokens ?? (result.outcome === 'success' || unanswered ? this.#reservation(x).tokens : 0);
      if (spent > 0) moves.push({ dimension: 'instance-tokens', scope: name, points: spent });
    }
    if (moves.length === 0) return;
    this.counters.move(moves).then(
      () => this.health.ok(),
      (err: unknown) => this.health.failed(err, this.options.onStoreError),
    );
  }

  /** The request's token reservation (estimateTokens), computed once per exchange. */
  #reservation(x: Exchange): Reservation {
    let reserved = x.get(RESERVED);
    if (reserved === undefined) {
      const { charsPerToken, defaultMaxTokens } = this.options;
      reserved = estimateTokens(x.body, charsPerToken, defaultMaxTokens, {
        contextWindow: () => this.#contextWindow(x.model),
        // Only a chat request's output is written up to its model's limit, and only it is sent one.
        ...(this.options.outputWithoutLimit === 'reserve'
          ? { outputLimit: () => (x.operation === 'chat' ? this.#outputLimit(x.model) : defaultMaxTokens) }
          : {}),
        readsAnyUrl: () => this.readsAnyUrl(x),
        limitsOf: (model) => ({ contextWindow: this.windowOf(model), outputLimit: this.outputLimitOf(model) }),
      });
      x.set(RESERVED, reserved);
    }
    return reserved;
  }

  /** The largest output limit of the models a requested name resolves to; undefined when one of them has none known. */
  #outputLimit(model: string): number | undefined {
    const reached = this.reached(model) ?? [];
    let largest = 0;
    for (const name of reached.length ? reached : [model]) {
      const limit = this.outputLimitOf(name);
      if (limit === undefined) return undefined;
      largest = Math.max(largest, limit);
    }
    return largest;
  }

  /** The largest context window known of the requested model and the models it resolves to. */
  #contextWindow(model: string): number | undefined {
    let largest: number | undefined;
    for (const name of [model, ...(this.reached(model) ?? [])]) {
      const window = this.windowOf(name);
      if (window !== undefined && (largest === undefined || window > largest)) largest = window;
    }
    return largest;
  }

  /** onFinish: releases concurrency slots and settles token reservations, on every path (at once when nothing was admitted). */
  settle(x: Exchange): Promise<void> {
    const admission = x.get(ADMISSION);
    return !admission || admission.settled ? NOTHING : this.#settle(admission);
  }

  async #settle(admission: Admission): Promise<void> {
    admission.settled = true;
    this.#leased.delete(admission);
    // Served: real usage (the estimate when the upstream sent none). Each attempt cut off mid-answer
    // (a caller who hung up, a timeout, a lost hedge, an answer that could not be used) keeps a reservation besides: tokens were likely
    // spent. Nothing else: given back.
    const served = admission.served ? (admission.used ?? admission.reserved) : 0;
    const actual = served + admission.unanswered * admission.reserved;
    const now = this.now();
    const moves: Move[] = [];
    admission.charges.forEach((c, i) => {
      // A window that already ended holds nothing of ours any more.
      const running = now < admission.windowEnds[i]!;
      if (c.dimension === 'concurrent') {
        if (running) moves.push({ dimension: 'concurrent', scope: c.scope, points: -1 });
      } else if (c.dimension === 'tokens' || c.dimension === 'daily') {
        const delta = actual - c.points;
        // Used past the limit is carried over (the window lengthened), not forgotten when it ends.
        if (delta > 0) moves.push({ dimension: c.dimension, scope: c.scope, points: delta, carriedPast: c.limit });
        else if (delta < 0 && running) moves.push({ dimension: c.dimension, scope: c.scope, points: delta });
      }
    });
    // The ticket is given up even with nothing to move, so that it does not outlive its request.
    if (moves.length === 0 && admission.ticket === undefined) return;
    const id: MoveId | undefined = admission.ticket ? { id: admission.ticket, undo: true } : undefined;
    try {
      await this.counters.move(moves, id);
    } catch (err) {
      this.health.failed(err, this.options.onStoreError);
      if (id) this.#resend(moves, id);
    }
  }

  /** How often the leases of running requests' slots are renewed: a third of the lease. */
  get renewEveryMs(): number {
    return Math.floor(this.options.concurrentLeaseMs / 3);
  }

  /**
   * A concurrency slot ends its lease after its admission, for a replica that died holding it; a
   * request still running here keeps its slot: at most every third of the lease (on a timer, and
   * before an admission), its slots and ticket are given the whole lease again. Never waited for.
   */
  renewLeases(): void {
    const now = this.now();
    if (this.#leased.size === 0 || now < this.#nextRenewal) return;
    this.#nextRenewal = now + this.renewEveryMs;
    const slots: Slot[] = [];
    const ends = now + this.options.concurrentLeaseMs;
    for (const a of this.#leased)
      a.charges.forEach((c, i) => {
        if (c.dimension !== 'concurrent') return;
        slots.push({ scope: c.scope, id: a.ticket! });
        a.windowEnds[i] = ends;
      });
    this.counters.renew(slots).then(
      () => this.health.ok(),
      (err: unknown) => this.health.failed(err, this.options.onStoreError),
    );
  }

  /** Moves waiting to be sent again (the status endpoint's `pendingMoves`). */
  get pendingMoves(): number {
    return this.#resends.length;
  }

  /** Keeps a move the store failed, to send again (safe: its id makes it count once). */
  #resend(moves: readonly Move[], id: MoveId): void {
    this.#resends.push({ moves, id });
    if (this.#resends.length > MAX_RESENDS) {
      const dropped = this.#resends.splice(0, this.#resends.length - MAX_RESENDS).length;
      this.logger.error(
        { plugin: PLUGIN, dropped },
        `rate-limit: ${dropped} counter moves dropped while the store failed`,
      );
    }
    this.#sendAgainSoon();
  }

  #sendAgainSoon(): void {
    if (this.#resendTimer === undefined)
      this.#resendTimer = setTimeout(() => void this.#sendAgain(), RESEND_EVERY_MS).unref();
  }

  async #sendAgain(): Promise<void> {
    this.#resendTimer = undefined;
    while (this.#resends.length > 0) {
      const next = this.#resends[0]!;
      try {
        await this.counters.move(next.moves, next.id);
      } catch {
        this.#sendAgainSoon();
        return;
      }
      if (this.#resends[0] === next) this.#resends.shift();
    }
  }

  /** Current counters of one scope (`key:<name>` or `key:<name>|model:<model>`). */
  async readings(scope: string): Promise<Record<string, Reading>> {
    const names = ['requests', 'tokens', 'daily', 'concurrent'] as const;
    const values = await Promise.all(names.map((n) => this.counters.peek(n, scope)));
    return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
  }

  async instanceReadings(name: string): Promise<Record<string, Reading>> {
    const [requests, tokens] = await Promise.all([
      this.counters.peek('instance-requests', name),
      this.counters.peek('instance-tokens', name),
    ]);
    return { requests, tokens };
  }

  status(gateway: Gateway): Record<string, unknown> {
    return {
      store: this.health.kind,
      gatewayStore: gateway.store.kind,
      onStoreError: this.options.onStoreError,
      ...this.health.counts(),
      pendingMoves: this.pendingMoves,
    };
  }

  #storeFailed(err: unknown, x: Exchange): Reply | undefined {
    this.health.failed(err, this.options.onStoreError);
    this.health.decided(this.options.onStoreError);
    if (this.options.onStoreError === 'allow') {
      x.warn('rate limits not enforced: the rate-limit store is unreachable');
      return undefined;
    }
    return Reply.error(
      new SwitchyardError(
        LIMITER_UNAVAILABLE,
        'rate limits cannot be checked right now (the rate-limit store is unreachable); retry shortly',
        {
          // A 5xx is hidden from callers by default; this one says nothing internal and tells them why.
          expose: true,
          publicCode: 'rate_limiter_unavailable',
          headers: { 'retry-after': '1' },
        },
      ),
    );
  }
}

/** The first charge of a dimension with its reading, for the x-ratelimit-* headers. */
function first(
  charges: readonly Charge[],
  readings: readonly Reading[],
  dimension: Charge['dimension'],
): { limit: number; reading: Reading } | undefined {
  for (let i = 0; i < charges.length; i++)
    if (charges[i]!.dimension === dimension) return { limit: charges[i]!.limit, reading: readings[i]! };
  return undefined;
}

function describe(charge: Charge): string {
  const unit = {
    requests: 'requests per minute',
    tokens: 'tokens per minute',
    daily: 'tokens per day',
    concurrent: 'concurrent requests',
  }[charge.dimension];
  const scope = charge.scope.includes('|model:') ? ` for model ${charge.scope.split('|model:')[1]}` : '';
  if (charge.points > charge.limit)
    return `this request needs ${charge.points} ${unit}${scope}, more than the limit of ${charge.limit}`;
  if (charge.whole)
    return `${unit}${scope} limit is ${charge.limit}, and ${charge.beyond ?? 'this request may use more than its body shows'}: it runs only in a window nothing else has used`;
  return `${unit}${scope} limit is ${charge.limit}`;
}

function usageTokens(usage: {
  total_tokens?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
}): number | undefined {
  const total = usage.total_tokens ?? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0);
  return Number.isFinite(total) && total >= 0 ? Math.ceil(total) : undefined;
}

/** An own entry of a config map (a key named `constructor` must not find Object.prototype's). */
function own<T>(map: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(map, name) ? map[name] : undefined;
}

function asLimits(value: unknown): KeyLimits | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as KeyLimits) : undefined;
}
