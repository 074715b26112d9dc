import { randomUUID } from 'node:crypto';
import { NOTHING, exchangeKey, unansweredAfterSending } from '@switchyard/core';
import type { AttemptResult, Exchange, Logger, SwitchyardError, Target } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import {
  advisorCallsOf,
  advisorToolsOf,
  compactsContext,
  sendOutputLimit,
  sentInputTokens,
  textTokens,
} from '@switchyard/plugin-models/contract';
import type { AdvisorTool, ModelInfo, Price } from '@switchyard/plugin-models/contract';
import {
  PRICING_COST,
  longContextPrice,
  priceAt,
  searchFeeOf,
  serviceTierOf,
  tierRequestOf,
  tierPrice,
  worstCaseUsd,
} from '@switchyard/plugin-pricing/contract';
import {
  billedBeyondPrompt,
  limitAdvisorCalls,
  limitSearches,
  loopSamplings,
  searchesReserved,
  webSearchesAllowed,
} from './billed-beyond-prompt.js';
import { budgetExceeded, budgetUnavailable } from './errors.js';
import type { StoreHealth } from './health.js';
import type { Charge, Ledger, Reading, SpendIncrement } from './ledger.js';
import { DAY_MS, dayOf, periodOf } from './periods.js';
import type { PeriodSpan } from './periods.js';
import { PERIODS } from './schema.js';
import type { Budget, BudgetsOptions, Period } from './schema.js';
import type { SoftLimits } from './soft-limits.js';

const PLUGIN = 'budgets';
/** Output tokens reserved when neither the request nor the model table says more. */
const FALLBACK_OUTPUT_TOKENS = 4096;
/** The least output limit budgets write into a request that sets none: the least `max_output_tokens` the Responses API takes. */
const MIN_OUTPUT_LIMIT = 16;

/** A model on an instance: a target, or an advisor model on a target's instance. */
type ModelOn = { readonly model: string; readonly instance: { readonly name: string } };

/** A budget that applies to a request: `key:<name>`, `team:<name>` or `global`. */
export interface Scope {
  readonly id: string;
  /** For messages: `key "app-1"`. */
  readonly label: string;
  readonly budget: Budget;
}

/** What a request holds against its budgets until it finishes. */
interface Held {
  /** The reservation's own id: never the request id alone, which a caller may pick (x-request-id) and share. */
  readonly id: string;
  readonly keys: string[];
  readonly keepMs: Array<number | undefined>;
  readonly amount: number;
  /** One attempt's worst case: what an attempt that reported no usage is charged. */
  readonly perAttempt: number;
  readonly at: number;
  /** False when the store could not be asked (onStoreError: allow): the cost is still added at the end. */
  readonly reserved: boolean;
  /** Ids of the holds taken for attempts after a timeout (topUp), released at settlement. */
  readonly more: string[];
  settled: boolean;
}

const HELD = exchangeKey<Held>('budgets:held');

export interface BudgeterDeps {
  readonly options: BudgetsOptions;
  readonly ledger: Ledger;
  /** What is known of a target's model, or of another model (an advisor's) on a target's instance. */
  readonly modelInfo: (target: ModelOn) => ModelInfo | undefined;
  /** Whether `target`'s upstream reads any file given by URL (Gemini's fileData), whatever part names it. */
  readonly readsAnyUrl: (target: Target, x: Exchange) => boolean;
  /** The protocol `target`'s upstream is spoken to in for this request (its server-side tool loop's: loopSamplings). */
  readonly protocolOf: (target: Target, x: Exchange) => string | undefined;
  readonly now: () => number;
  /** Whether the request's failover policy hedges (routing.hedge, or its overrides'). */
  readonly hedges: (x: Exchange) => boolean;
  readonly logger: Logger;
  readonly health: StoreHealth;
  readonly soft: SoftLimits;
  /** Every scope a request used, with its budget, for /admin/budgets. */
  readonly seen: Map<string, Scope>;
}

/** Reserves each request's worst case before its first attempt, settles its exact cost when it is over. */
export class Budgeter {
  /** Holds of requests still running here, whose expiry refreshHolds() pushes back. */
  readonly #running = new Set<Held>();
  #nextRefresh = 0;

  constructor(private readonly d: BudgeterDeps) {}

  /** How often running requests' holds are given the TTL again. */
  get refreshEveryMs(): number {
    return Math.floor(this.d.options.reservationTtlMs / 3);
  }

  /**
   * A hold expires after `reservationTtlMs`, for a replica that died holding it; a request still
   * running here keeps its hold: at most every third of the TTL (on a timer, and before a
   * reservation), the running requests' holds are given the TTL again.
   */
  refreshHolds(): Promise<void> {
    const now = this.d.now();
    if (this.#running.size === 0 || now < this.#nextRefresh) return NOTHING;
    const ttl = this.d.options.reservationTtlMs;
    this.#nextRefresh = now + this.refreshEveryMs;
    const holds = [...this.#running].flatMap((h) => [h.id, ...h.more].map((id) => ({ id, keys: h.keys })));
    return this.d.ledger.extend(holds, now + ttl).then(
      () => this.d.health.ok(),
      (err: unknown) => this.d.health.failed(err),
    );
  }

  /** The budgets a request counts against: its key's (plugin `keys`, else the key's own `budget`, else `defaults`), its team's, the global one. */
  scopes(x: Exchange): Scope[] {
    const { options } = this.d;
    const scopes: Scope[] = [];
    const caller = x.caller;
    if (caller) {
      const budget = own(options.keys, caller.name) ?? asBudget(caller.metadata?.budget) ?? options.defaults;
      if (budget) scopes.push({ id: `key:${caller.name}`, label: `key "${caller.name}"`, budget });
      const team = caller.team === undefined ? undefined : own(options.teams, caller.team);
      if (team) scopes.push({ id: `team:${caller.team}`, label: `team "${caller.team}"`, budget: team });
    }
    if (options.global) scopes.push({ id: 'global', label: 'the gateway', budget: options.global });
    return scopes;
  }

  /** selectRoute, once the plan is final: holds the worst case of the dearest target against every budget, or refuses with 402. */
  async reserve(plan: RoutePlan, x: Exchange): Promise<RoutePlan> {
    if (x.dryRun || plan.size === 0) return plan;
    const scopes = this.scopes(x);
    if (scopes.length === 0) return plan;
    const { options, ledger } = this.d;
    const refreshing = this.refreshHolds();
    if (refreshing !== NOTHING) await refreshing;
    const at = this.d.now();
    if (options.unpriced === 'deny') {
      this.#excludeUnpriced(plan, x, at);
      this.#excludeWindowless(plan, x);
      if (plan.size === 0) return plan;
    }
    this.#limitOutput(plan, x);
    limitSearches(x);
    limitAdvisorCalls(x);
    const perAttempt = Math.max(...plan.targets.map((t) => this.#worstCase(t, x, at)));
    // A hedged request may have two attempts billing at once.
    const amount = this.d.hedges(x) && plan.size > 1 ? perAttempt * 2 : perAttempt;
    const spans = scopes.map((s) => periodOf(s.budget.period, at));
    const charges: Charge[] = scopes.map((s, i) => ({
      key: `${s.id}:${spans[i]!.id}`,
      limit: s.budget.usd,
      amount,
      keepMs: keepMsOf(spans[i]!, at),
    }));
    for (const s of scopes) this.d.seen.set(s.id, s);
    const id = `${x.id}:${randomUUID()}`;
    let result;
    try {
      result = await ledger.reserve({ id, at, expiresAt: at + options.reservationTtlMs, charges });
      this.d.health.ok();
    } catch (err) {
      this.d.health.failed(err);
      this.d.health.decided();
      if (options.onStoreError === 'deny') {
        this.#releaseInDoubt(id, charges);
        throw budgetUnavailable();
      }
      x.warn('budgets not enforced: the budget store is unreachable');
      this.#hold(x, id, charges, amount, perAttempt, at, false);
      return plan;
    }
    if (!result.ok) {
      throw this.#exceeded(x, scopes[result.index]!, spans[result.index]!, result.reading, amount, at);
    }
    this.#hold(x, id, charges, amount, perAttempt, at, true);
    this.#noteSoftLimits(scopes, spans, charges, result.readings, amount);
    return plan;
  }

  /** onFinish: releases the reservation and adds the exact cost to the budgets and the spend records. */
  finish(x: Exchange): void {
    if (x.dryRun) return;
    const held = x.get(HELD);
    if (held?.settled) return;
    if (held) {
      held.settled = true;
      this.#running.delete(held);
    }
    const cost = x.get(PRICING_COST);
    const at = held?.at ?? this.d.now() - (performance.now() - x.timings.start);
    const who = { day: dayOf(at), key: x.caller?.name ?? 'anonymous', team: x.caller?.team ?? '' };
    // What another model billed (an advisor's) is recorded as that model's spend.
    const records: SpendIncrement[] = (cost?.attempts ?? []).flatMap((a) => [
      { ...who, model: a.model, usd: (a.otherModels ?? []).reduce((usd, o) => usd - o.usd, a.usd), requests: 1 },
      ...(a.otherModels ?? []).map((o) => ({ ...who, model: o.model, usd: o.usd, requests: 0 })),
    ]);
    let usd = cost?.usd ?? 0;
    // An attempt that reached the upstream without saying all it used is charged its worst case: a stream
    // without usage, one broken after its first usage (what it had counted so far), a caller who hung up
    // mid-attempt, a hedge that lost (the upstream works, and bills, either way).
    if (held) {
      for (const r of x.results) {
        if (r.outcome === 'success' ? r.usage : !unansweredAfterSending(r)) continue;
        const priced = r.usage ? (cost?.attempts.find((a) => a.attempt === r.attempt)?.usd ?? 0) : 0;
        const rest = held.perAttempt - priced;
        if (rest <= 0) continue;
        usd += rest;
        records.push({ ...who, model: r.target.model, usd: rest, requests: r.usage ? 0 : 1 });
      }
    }
    if (!held && records.length === 0) return;
    const recordsKeepMs = this.d.options.retentionDays * DAY_MS;
    for (const id of held?.more ?? [])
      this.d.ledger.settle({ id, keys: held!.keys, keepMs: held!.keepMs, usd: 0, records: [], recordsKeepMs });
    this.d.ledger.settle({
      // Never the request id alone, which a caller may pick and reuse: it names the settlement's marker.
      id: held?.id ?? `${x.id}:${randomUUID()}`,
      keys: held?.keys ?? [],
      keepMs: held?.keepMs ?? [],
      usd,
      records,
      recordsKeepMs,
      held: held?.reserved === true,
    });
  }

  /**
   * onResult: an attempt that timed out, or whose answer could not be used, is charged its worst case
   * (the upstream may bill it), and the failover may send another: that one's worst case is held too,
   * or the failover ends here with a 402.
   */
  topUp(result: AttemptResult, x: Exchange): Promise<void> {
    const held = result.failure === 'timeout' || result.failure === 'unusable_answer' ? x.get(HELD) : undefined;
    return held?.reserved && !held.settled ? this.#topUp(held, x) : NOTHING;
  }

  async #topUp(held: Held, x: Exchange): Promise<void> {
    const scopes = this.scopes(x);
    const spans = scopes.map((s) => periodOf(s.budget.period, held.at));
    const charges: Charge[] = scopes.map((s, i) => ({
      key: `${s.id}:${spans[i]!.id}`,
      limit: s.budget.usd,
      amount: held.perAttempt,
      keepMs: keepMsOf(spans[i]!, held.at),
    }));
    const id = `${held.id}+${held.more.length + 1}`;
    const at = this.d.now();
    let taken;
    try {
      taken = await this.d.ledger.reserve({ id, at, expiresAt: at + this.d.options.reservationTtlMs, charges });
      this.d.health.ok();
    } catch (err) {
      this.d.health.failed(err);
      this.#releaseInDoubt(id, charges);
      if (this.d.options.onStoreError === 'deny') x.endFailover(budgetUnavailable());
      return;
    }
    if (taken.ok) held.more.push(id);
    else
      x.endFailover(this.#exceeded(x, scopes[taken.index]!, spans[taken.index]!, taken.reading, held.perAttempt, at));
  }

  /**
   * With `unpriced: deny`, drops the targets without a price for what the request may be billed: its
   * service tier, its web searches (`webSearch`), hosted tools and audio input or output (no price field).
   */
  #excludeUnpriced(plan: RoutePlan, x: Exchange, at: number): void {
    const tier = tierRequestOf(x.body);
    const atTier = tier ? ` at ${tier}` : '';
    const fee = billedBeyondPrompt(x).unpricedFee;
    const advisors = advisorToolsOf(x.body);
    const why = (t: Target): string | undefined => {
      const price = this.#price(t, x, at);
      const needs = ': a request with a budget needs one (catalog: pricing)';
      if (!price) return `no price known for ${t.id}${atTier}${needs}`;
      if (webSearchesAllowed(x.body, x.protocol, t.model) > 0 && price.webSearch === undefined)
        return `no web search price known for ${t.id}${needs}`;
      if (fee) return `no price known for the ${fee}: a request with a budget cannot use it`;
      const advisor = advisors.find((tool) => !this.#advisorInfo(tool, t, x, at)?.price);
      if (advisor)
        return `no price known for the ${advisor.type} tool (its advisor model ${advisor.model ?? '(none named)'}'s tokens, billed at that model's price): a request with a budget cannot use it`;
      return undefined;
    };
    // Excluded as the request's own constraint: when none is left, the caller gets 400 constraint_unmet saying why.
    plan.exclude(
      PLUGIN,
      (t) => why(t) !== undefined,
      (t) => ({ reason: why(t)!, byRequest: true }),
    );
  }

  /** The target's price in force at `at`, for the service tier the request asks for. */
  #price(target: ModelOn, x: Exchange, at: number): Price | undefined {
    const pricing = this.d.modelInfo(target)?.pricing;
    return pricing && tierPrice(priceAt(pricing, at).price, serviceTierOf(x.body));
  }

  /** An advisor tool's model on `target`'s instance: what is known of it and its price (undefined: nothing known). */
  #advisorInfo(
    tool: AdvisorTool,
    target: Target,
    x: Exchange,
    at: number,
  ): { info: ModelInfo; price: Price | undefined } | undefined {
    if (tool.model === undefined) return undefined;
    const on = { model: tool.model, instance: target.instance };
    const info = this.d.modelInfo(on);
    return info && { info, price: this.#price(on, x, at) };
  }

  /**
   * The most a request's advisor calls may cost on `target`: each reads up to the advisor model's
   * context window and writes up to the tool's `max_tokens` (else the model's output limit), as many
   * calls as its `max_uses` (else ADVISOR_CALLS_UNCAPPED, which limitAdvisorCalls sends); an advisor
   * model of unknown price or window (`unpriced: free`) at the target's, as its tokens are then priced.
   */
  #advisorWorstCase(target: Target, info: ModelInfo, listed: Price, x: Exchange, at: number): number {
    let usd = 0;
    for (const tool of advisorToolsOf(x.body)) {
      const advisor = this.#advisorInfo(tool, target, x, at);
      const price = advisor?.price ?? listed;
      const window = (advisor && contextWindowOf(x, advisor.info)) ?? contextWindowOf(x, info);
      if (window === undefined) continue;
      const limit = advisor?.info.maxOutputTokens ?? info.maxOutputTokens;
      const output = Math.min(tool.maxTokens ?? limit ?? FALLBACK_OUTPUT_TOKENS, limit ?? Infinity);
      usd += advisorCallsOf(tool) * worstCaseUsd(longContextPrice(price, window), window, output);
    }
    return usd;
  }

  /** Logs the refusal and returns the 402 for the budget that has no room for the request. */
  #exceeded(
    x: Exchange,
    scope: Scope,
    span: PeriodSpan,
    reading: Reading,
    amount: number,
    at: number,
  ): SwitchyardError {
    this.d.logger.info(
      {
        plugin: PLUGIN,
        scope: scope.id,
        caller: x.caller?.name,
        model: x.model,
        requestId: x.id,
        spentUsd: reading.spent,
        reservedUsd: reading.reserved,
        limitUsd: scope.budget.usd,
        requestUsd: amount,
      },
      'budget exceeded',
    );
    return budgetExceeded(scope.label, scope.budget.usd, scope.budget.period, span, reading, amount, at);
  }

  /** Tells the soft limits what each budget holds now that the reservation is taken. */
  #noteSoftLimits(
    scopes: readonly Scope[],
    spans: readonly PeriodSpan[],
    charges: readonly Charge[],
    readings: readonly Reading[],
    amount: number,
  ): void {
    readings.forEach((r, i) => {
      const scope = scopes[i]!;
      this.d.soft.note(
        charges[i]!.key,
        scope.label,
        r.spent + r.reserved + amount,
        scope.budget.usd,
        scope.budget.softLimit ?? this.d.options.softLimit,
        spans[i]!.end,
      );
    });
  }

  /**
   * A reservation whose call failed may still have been taken (a slow Redis runs it and answers
   * after the timeout): its release is queued, as a settlement of nothing, so it does not hold the
   * budget until `reservationTtlMs`. Releasing a hold never taken changes nothing.
   */
  #releaseInDoubt(id: string, charges: readonly Charge[]): void {
    this.d.ledger.settle({
      id,
      keys: charges.map((c) => c.key),
      keepMs: charges.map((c) => c.keepMs),
      usd: 0,
      records: [],
      recordsKeepMs: this.d.options.retentionDays * DAY_MS,
    });
  }

  #hold(
    x: Exchange,
    id: string,
    charges: readonly Charge[],
    amount: number,
    perAttempt: number,
    at: number,
    reserved: boolean,
  ): void {
    const held: Held = {
      id,
      keys: charges.map((c) => c.key),
      keepMs: charges.map((c) => c.keepMs),
      amount,
      perAttempt,
      at,
      reserved,
      more: [],
      settled: false,
    };
    x.set(HELD, held);
    if (reserved) this.#running.add(held);
  }

  /**
   * The most a request can cost on `target`: its prompt estimate at the input price, its output limit at
   * the output (or reasoning) price; at the long-context price when the input reserved is above its threshold.
   */
  #worstCase(target: Target, x: Exchange, at: number): number {
    const info = this.d.modelInfo(target);
    const listed = this.#price(target, x, at);
    if (!info || !listed) return 0;
    if (x.operation !== 'chat') {
      const tokens = embeddingTokens(x.body.input);
      return worstCaseUsd(longContextPrice(listed, tokens), tokens, 0);
    }
    const input = inputTokensOf(x, info, this.#unboundedInput(target, x));
    if (input === undefined) return 0;
    const price = longContextPrice(listed, input);
    const request = x.request;
    const output = askedOutput(request) ?? this.#reservedOutput(info);
    const choices = typeof request?.n === 'number' && request.n > 1 ? request.n : 1;
    // A server-side compaction reads the prompt and writes a summary before the answer does both.
    const samplings = compactsContext(x.body) ? 2 : 1;
    // Each sampling of a server-side tool loop reads the whole transcript again.
    const readings = samplings * loopSamplings(x, this.d.protocolOf(target, x));
    return (
      worstCaseUsd(price, input * readings, Math.min(output, info.maxOutputTokens ?? output) * choices * samplings) +
      (searchFeeOf(price, searchesReserved(x, target.model, this.d.protocolOf(target, x))) ?? 0) +
      this.#advisorWorstCase(target, info, listed, x, at)
    );
  }

  /** Output tokens reserved on a model for a request that sets no output limit, never more than the model's limit. */
  #reservedOutput(info: ModelInfo | undefined): number {
    const limit = info?.maxOutputTokens;
    return Math.min(this.d.options.reserveOutputTokens ?? limit ?? FALLBACK_OUTPUT_TOKENS, limit ?? Infinity);
  }

  /**
   * A request that sets no output limit is sent the least output any target reserves, when that is
   * less than a target may write (its limit unknown, or `reserveOutputTokens` below it): else the
   * upstream writes up to its own maximum, all of it billed past the reservation.
   */
  #limitOutput(plan: RoutePlan, x: Exchange): void {
    if (x.operation !== 'chat' || askedOutput(x.request) !== undefined) return;
    const infos = plan.targets.map((t) => this.d.modelInfo(t));
    const short = (info: ModelInfo | undefined): boolean =>
      info?.maxOutputTokens === undefined || this.#reservedOutput(info) < info.maxOutputTokens;
    if (!infos.some(short)) return;
    const tokens = Math.max(MIN_OUTPUT_LIMIT, Math.min(...infos.map((info) => this.#reservedOutput(info))));
    sendOutputLimit(x, tokens, 'the budget');
  }

  /** With `unpriced: deny`, drops the targets whose context window is unknown when the request may be billed up to it (inputTokensOf). */
  #excludeWindowless(plan: RoutePlan, x: Exchange): void {
    const billed = billedBeyondPrompt(x);
    if (!billed.unboundedInput && !billed.urlOfUnknownKind) return;
    // Each advisor call reads up to its model's window (a model of no known price is refused already).
    for (const tool of advisorToolsOf(x.body))
      plan.exclude(
        PLUGIN,
        (t) =>
          tool.model === undefined ||
          this.d.modelInfo({ model: tool.model, instance: t.instance })?.contextWindow === undefined,
        (t) => ({
          reason: `no context window known for ${tool.model} on ${t.instance.name}, the model of the ${tool.type} tool, whose every call may read up to it: a request with a budget is reserved so (catalog: contextWindow)`,
          byRequest: true,
        }),
      );
    plan.exclude(
      PLUGIN,
      (t) => this.#unboundedInput(t, x) && this.d.modelInfo(t)?.contextWindow === undefined,
      (t) => ({
        reason: `no context window known for ${t.id}: a request with a budget that the upstream may read more input for than it shows (server tools whose results are read as input: web_fetch, web_search, MCP, file_search, code runs; documents given by URL or file id; an image URL without an image's extension, which ${t.instance.type} may read as any file) is reserved up to it (catalog: contextWindow)`,
        byRequest: true,
      }),
    );
  }

  /**
   * Whether the upstream of `target` may read input the body does not hold: server tools' results,
   * documents by reference, and on an upstream that reads any file by URL, an image URL that may be none.
   */
  #unboundedInput(target: Target, x: Exchange): boolean {
    const billed = billedBeyondPrompt(x);
    return billed.unboundedInput || (billed.urlOfUnknownKind && this.d.readsAnyUrl(target, x));
  }
}

/** The output limit a request sets: the larger of the two when a caller sets both (an upstream may read either). */
function askedOutput(request: Exchange['request']): number | undefined {
  const limits = [request?.max_completion_tokens, request?.max_tokens].filter(
    (n): n is number => typeof n === 'number',
  );
  return limits.length ? Math.max(...limits) : undefined;
}

/**
 * The input tokens a request may be billed on a model: its prompt, its inline PDFs by their pages;
 * when the upstream reads input the body does not hold (a fetched page, search results, MCP tool
 * results, a document given by URL or file id, a PDF whose pages cannot be counted), up to the
 * model's context window, undefined (no price can be put on it) when that is unknown.
 */
function inputTokensOf(x: Exchange, info: ModelInfo, unbounded: boolean): number | undefined {
  const window = contextWindowOf(x, info);
  // Inline PDFs are billed by their pages, up to what the window holds.
  const prompt = Math.max(sentInputTokens(x), Math.min(billedBeyondPrompt(x).pdfTokens, window ?? Infinity));
  if (!unbounded) return prompt;
  return window === undefined ? undefined : Math.max(prompt, window);
}

/** Anthropic's beta that opens a 1M-token context window on the models priced for it (a `longContext` price). */
const CONTEXT_1M_BETA = /(?:^|,)\s*context-1m-/;

/**
 * The context window a request may fill on a model: 1M tokens with Anthropic's `context-1m-*` beta
 * where it applies, named in the `anthropic-beta` header or in the body's `anthropic_beta` (which
 * Bedrock's InvokeModel reads).
 */
function contextWindowOf(x: Exchange, info: ModelInfo): number | undefined {
  const window = info.contextWindow;
  if (window === undefined || !info.pricing?.longContext) return window;
  const opened = namesContext1m(x.headers['anthropic-beta']) || namesContext1m(x.body.anthropic_beta);
  return opened ? Math.max(window, 1_000_000) : window;
}

/** Whether a beta list (a comma-separated string, or an array of them) names the 1M-context beta. */
function namesContext1m(betas: unknown): boolean {
  if (typeof betas === 'string') return CONTEXT_1M_BETA.test(betas);
  return Array.isArray(betas) && betas.some((b) => typeof b === 'string' && CONTEXT_1M_BETA.test(b));
}

/** A budget's counters must outlive its period (a day's margin for late settlements); `none` keeps them forever. */
function keepMsOf(span: PeriodSpan, at: number): number | undefined {
  return Number.isFinite(span.end) ? span.end - at + DAY_MS : undefined;
}

/**
 * Tokens of an embeddings input: token arrays counted exactly (one per id), text as characters / 4
 * with each character past ASCII weighed as its UTF-8 bytes (textTokens, as a chat prompt's): a CJK
 * character is about a token, not a quarter of one.
 */
function embeddingTokens(input: unknown): number {
  if (typeof input === 'string') return textTokens(input);
  if (!Array.isArray(input)) return 0;
  if (input.every((id) => typeof id === 'number')) return input.length;
  let tokens = 0;
  for (const item of input)
    tokens += Array.isArray(item)
      ? item.length
      : textTokens(typeof item === 'string' ? item : JSON.stringify(item ?? ''));
  return tokens;
}

/** A key's own `budget` (auth `keys[].budget`, possibly set at run time), if it is one. */
function asBudget(value: unknown): Budget | undefined {
  const v = value as { usd?: unknown; period?: unknown; softLimit?: unknown } | null | undefined;
  if (!v || typeof v !== 'object' || typeof v.usd !== 'number' || !(v.usd >= 0)) return undefined;
  const period = PERIODS.includes(v.period as Period) ? (v.period as Period) : 'month';
  return { usd: v.usd, period, ...(typeof v.softLimit === 'number' ? { softLimit: v.softLimit } : {}) };
}

function own<T>(map: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(map, name) ? map[name] : undefined;
}
