import { contract } from '@switchyard/core';
import type { AttemptOutcome, Caller, TargetHealth } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import type { Explained } from './explain.js';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * What routing has learned about one target. One record per target id, created on first use
 * and mutated in place, so a strategy may keep a reference to it. NaN means "no sample yet".
 */
export interface TargetStats {
  readonly id: string;
  /** Attempts that said something about the target (cancelled ones are not counted). */
  requests: number;
  successes: number;
  /** Connection errors, timeouts, 5xx. */
  failures: number;
  rateLimited: number;
  /** 4xx answers about the request itself: they say nothing of the target's health. */
  businessErrors: number;
  /** EWMA of time to first token, streaming successes. */
  ttftMs: number;
  /** EWMA of milliseconds per output token after the first (streaming) or over the whole answer. */
  msPerOutputToken: number;
  /** EWMA of whole-attempt latency, successes. */
  latencyMs: number;
  /** Epoch ms of the last recorded attempt. */
  lastAt: number;
}

/** The outcome of one attempt, as `router.report()` takes it. */
export interface ReportedOutcome {
  readonly outcome: AttemptOutcome;
  readonly latencyMs?: number;
  readonly ttftMs?: number;
  readonly outputTokens?: number;
}

/**
 * Share of attempts served (business errors left out), Laplace-smoothed so that a target with
 * no history reads 0.5 rather than 0 or 1.
 */
export function successRate(s: TargetStats | undefined): number {
  return s ? (s.successes + 1) / (s.requests - s.businessErrors + 2) : 0.5;
}

export interface SelectOptions {
  /** Tags every target must carry, as `x-switchyard-tags` would. */
  tags?: readonly string[];
  /** Strategy by name, as `x-switchyard-strategy` would. */
  strategy?: string;
  /** Request headers routing reads (`x-switchyard-*`, affinity headers). */
  headers?: IncomingHttpHeaders;
  /** Who is asking, for per-key strategies. */
  caller?: Caller;
  /** The body's inbound protocol by name: `openai` (a chat completion, the default), `anthropic` (a Messages request), `openai-responses`, … */
  protocol?: string;
}

export interface TargetStatsReport {
  id: string;
  instance: string;
  model: string;
  requests: number;
  successes: number;
  failures: number;
  rateLimited: number;
  businessErrors: number;
  /** successes / (requests − business errors); null before any attempt. */
  successRate: number | null;
  ttftMs: number | null;
  msPerOutputToken: number | null;
  latencyMs: number | null;
  health: TargetHealth;
}

export interface RouterStatsReport {
  totals: { targets: number; healthy: number; requests: number; successes: number };
  targets: TargetStatsReport[];
}

/** Routing as a library: the plan a request would get (a dry run), outcomes reported from outside, what routing learned per target. */
export interface RouterApi {
  select(request: Record<string, unknown>, options?: SelectOptions): Promise<RoutePlan>;
  explain(request: Record<string, unknown>, options?: SelectOptions): Promise<Explained>;
  report(targetId: string, outcome: AttemptOutcome | ReportedOutcome): void;
  statsOf(targetId: string): TargetStats | undefined;
  /** The target's live stats record (created empty if none), mutated in place as results arrive. */
  entry(targetId: string): TargetStats;
  stats(): RouterStatsReport;
}

/** The router, for plugins that rank by what it learned (strategies) and for code that plans without sending. */
export const ROUTER = contract<RouterApi>('router:api');
