import type { IncomingHttpHeaders } from 'node:http';
import { contract } from './plugin/contract.js';
import type { Contract } from './plugin/contract.js';
import type { ChatCompletion, ChatRequest } from './protocols/canonical.js';
import type { RoutePlan } from './routing/route-plan.js';
import type { ErrorClass, SwitchyardError } from './errors.js';
import type { Usage } from './protocols/canonical.js';
import type { AttemptResult, Operation, Protocol, Target } from './types.js';

/** The abort reason when the caller hangs up. */
export const CALLER_GONE = Object.freeze(new Error('the caller closed the connection'));

/** A typed key for plugin data on the Exchange: a contract, named `plugin:value`. Create one per value, at module level. */
export type ExchangeKey<T> = Contract<T>;

export const exchangeKey: <T>(name: string) => ExchangeKey<T> = contract;

/** Who is calling, as established by an auth plugin. */
export interface Caller {
  /** The gateway key's configured name (never the key itself). */
  readonly name: string;
  /**
   * What data kept for this caller (stored responses, per-key cache entries) is filed under,
   * when not its name: a run-time key's name with its creation time, so that a key created
   * later under a deleted key's name does not read what the deleted key's holder kept.
   */
  readonly scope?: string;
  readonly team?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface ExchangeTimings {
  /** performance.now() at request start. */
  readonly start: number;
  /** Milliseconds spent waiting on upstreams, summed over attempts. */
  upstreamMs: number;
  /** Time to first token of the served attempt, streaming only. */
  ttftMs?: number;
  /**
   * Present when this request's Server-Timing names each plugin (`server.timing: plugins`, or
   * the request sent `x-switchyard-timing`): each timed tap call as two numbers, its plugin's
   * index in `gateway.hooks.timedPlugins` and the ms it took. Summed per plugin for Server-Timing.
   */
  spans?: number[];
}

/** How a routed request ended, set by core just before `onFinish` runs. */
export interface RequestOutcome {
  /** The HTTP status sent to the caller. */
  readonly status: number;
  /** The error's code, when the request failed (whether refused by a plugin, unroutable or failed upstream). */
  readonly errorCode?: string;
  /** Whose fault the error is, from the error itself. */
  readonly errorClass?: ErrorClass;
  /** The error's stable label (metrics `error_type`). */
  readonly errorKind?: string;
  /** Why it failed, in words (never credentials). */
  readonly error?: string;
  /** Usage reported by the served attempt. */
  readonly usage?: Usage;
  /** True when the caller hung up before the response was over. */
  readonly aborted: boolean;
}

export interface ExchangeInit {
  id: string;
  protocol: Protocol;
  operation: Operation;
  body: Record<string, unknown>;
  /** The bytes `body` was parsed from, when it came from a caller. */
  raw?: Buffer;
  request: ChatRequest | undefined;
  headers: IncomingHttpHeaders;
  plan: RoutePlan;
  /** The request target as the caller sent it (path and query string). @default '' */
  url?: string;
  /** Plan only (explain, router.select): no upstream call, no plugin side effect. @default false */
  dryRun?: boolean;
}

/** Per-request state: the only thing plugins share. */
export class Exchange {
  /** The request id: the caller's x-request-id when sane, so not unique across requests. */
  readonly id: string;
  /** The protocol the caller speaks. */
  readonly protocol: Protocol;
  readonly operation: Operation;
  /** The parsed inbound body, as the caller sent it. */
  readonly body: Record<string, unknown>;

  /** The canonical chat request (for OpenAI callers, the same object as `body`). */
  readonly request: ChatRequest | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The request target as the caller sent it: path and query string (auth refuses keys found there). */
  readonly url: string;
  readonly plan: RoutePlan;
  /**
   * True when only the plan is wanted (explain, router.select): no upstream is called, and
   * plugins must not change shared state (probe leases, sticky bindings) while routing it.
   */
  readonly dryRun: boolean;
  readonly timings: ExchangeTimings;
  readonly warnings: string[] = [];
  caller: Caller | undefined;
  /** The target of the current (or last) attempt. */
  target: Target | undefined;
  /** 1-based number of the current attempt; 0 before the first. */
  attempt = 0;
  /**
   * Set in beforeRoute by a plugin that needs the served answer (a response cache): core then
   * builds the canonical completion of a successful chat attempt — for streams, from the events
   * that passed — and sets CAPTURED_COMPLETION before reporting it to onResult. Off by default:
   * pass-through responses are then never parsed.
   */
  captureResponse = false;
  /** Every attempt's result, in the order they were reported to `onResult`. */
  readonly results: AttemptResult[] = [];
  /** Set by endFailover(). */
  failoverEnded: SwitchyardError | undefined;
  /** How the request ended; set by core when its response is over, before `onFinish`. */
  response: RequestOutcome | undefined;
  #data: Map<string, unknown> | undefined;
  #responseHeaders: Record<string, string> | undefined;
  #logFields: Record<string, unknown> | undefined;
  #aborted = false;
  #controller: AbortController | undefined;
  #upstream: { abort(reason: unknown): void } | undefined;
  #raw: Buffer | undefined;

  constructor(init: ExchangeInit) {
    this.id = init.id;
    this.protocol = init.protocol;
    this.operation = init.operation;
    this.body = init.body;
    this.#raw = init.raw;
    this.request = init.request;
    this.headers = init.headers;
    this.url = init.url ?? '';
    this.plan = init.plan;
    this.dryRun = init.dryRun ?? false;
    this.timings = { start: performance.now(), upstreamMs: 0 };
  }

  /**
   * @internal The bytes `body` was parsed from, until an attempt succeeded: an upstream body that
   * would serialize to exactly these bytes is sent as they are (no JSON.stringify).
   */
  get raw(): Buffer | undefined {
    return this.#raw;
  }

  /** @internal No attempt follows (one succeeded): a long stream need not keep the request's bytes. */
  releaseRaw(): void {
    this.#raw = undefined;
  }

  /** The model name the caller asked for. */
  get model(): string {
    return typeof this.body.model === 'string' ? this.body.model : '';
  }

  get stream(): boolean {
    return this.body.stream === true;
  }

  /** True once the caller hung up. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Aborted when the caller hangs up. Created on first use: most requests never need one. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(CALLER_GONE);
    }
    return this.#controller.signal;
  }

  /** @internal The HTTP layer calls this when the caller's connection closes early. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort(CALLER_GONE);
    this.#upstream?.abort(CALLER_GONE);
  }

  /** @internal The attempt in flight: aborted with the exchange, released when it ends. */
  bindUpstream(controller: { abort(reason: unknown): void } | undefined): void {
    this.#upstream = controller;
    if (controller && this.#aborted) controller.abort(CALLER_GONE);
  }

  /**
   * From onResult: no further attempt is made for this request (failover, retry), which fails with
   * `error` if one would have followed — e.g. budgets, when the next attempt's worst case does not fit.
   */
  endFailover(error: SwitchyardError): void {
    this.failoverEnded ??= error;
  }

  get<T>(key: ExchangeKey<T>): T | undefined {
    return this.#data?.get(key.name) as T | undefined;
  }

  set<T>(key: ExchangeKey<T>, value: T): void {
    (this.#data ??= new Map()).set(key.name, value);
  }

  /**
   * Adds a header to this request's response once it was routed (success or upstream error),
   * e.g. a rate limiter's x-ratelimit-* headers. Replies from beforeRoute carry their own.
   */
  setResponseHeader(name: string, value: string): void {
    (this.#responseHeaders ??= {})[name.toLowerCase()] = value;
  }

  /** Headers plugins added with setResponseHeader(), if any. */
  get responseHeaders(): Readonly<Record<string, string>> | undefined {
    return this.#responseHeaders;
  }

  /** Adds a field to this request's log line (e.g. a pricing plugin's `costUsd`); core's own fields cannot be replaced. */
  setLogField(name: string, value: unknown): void {
    (this.#logFields ??= {})[name] = value;
  }

  /** Fields plugins added with setLogField(), if any. */
  get logFields(): Readonly<Record<string, unknown>> | undefined {
    return this.#logFields;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }
}

/**
 * The answer an attempt served, as one canonical completion, set by core before `onResult`
 * reports a successful chat attempt of an exchange whose `captureResponse` is true (a response
 * cache asks for it in beforeRoute). Never set for failed, cancelled or cut-short attempts.
 */
export const CAPTURED_COMPLETION = exchangeKey<ChatCompletion>('captured-completion');
