import { contract } from '@switchyard/core';
import type { AttemptResult, Exchange } from '@switchyard/core';
import { PRICING_COST } from '@switchyard/plugin-pricing/contract';

/** The response cache's outcome, when it answered or stored (by name: no package dependency). */
const CACHE_OUTCOME = contract<string>('response-cache:outcome');
import type { RequestRecord } from './tail.js';
import type { Observation } from './traffic.js';

/** Caller hung up before the answer: not the gateway's error. */
const CLIENT_CLOSED = 499;
/** Model names come from callers: longer ones are cut, so that a request cannot bloat the window. */
const MAX_MODEL_NAME = 120;

/** The requested model name, cut to a bounded length. */
export function modelName(x: Exchange): string {
  const name = x.model;
  return name.length > MAX_MODEL_NAME ? `${name.slice(0, MAX_MODEL_NAME - 1)}…` : name;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The one observation being recorded: TrafficWindow.record() reads it at once and keeps none of
 * it, so each request's two observations fill this object rather than making two of their own.
 */
const scratch: Mutable<Observation> = {
  latencyMs: 0,
  ttftMs: undefined,
  error: false,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: undefined,
};

/**
 * An attempt, for its target's figures (its cost as the pricing plugin set it): any outcome but
 * success and cancellation is an error. Valid until the next observation is taken.
 */
export function attemptObservation(result: AttemptResult, x: Exchange): Observation {
  const usage = result.usage;
  scratch.latencyMs = result.latencyMs;
  scratch.ttftMs = result.ttftMs;
  scratch.error = result.outcome !== 'success' && result.outcome !== 'cancelled';
  scratch.inputTokens = usage?.prompt_tokens ?? 0;
  scratch.outputTokens = usage?.completion_tokens ?? 0;
  scratch.costUsd = usage ? attemptCost(x, result.attempt) : undefined;
  return scratch;
}

function attemptCost(x: Exchange, attempt: number): number | undefined {
  const attempts = x.get(PRICING_COST)?.attempts;
  if (attempts) for (const a of attempts) if (a.attempt === attempt) return a.usd;
  return undefined;
}

/**
 * A finished request, for its model's figures: an error when answered 4xx or 5xx (a caller
 * hanging up aside). Valid until the next observation is taken.
 */
export function requestObservation(x: Exchange, latencyMs: number): Observation {
  const outcome = x.response;
  const status = outcome?.status ?? 0;
  scratch.latencyMs = latencyMs;
  scratch.ttftMs = x.timings.ttftMs;
  scratch.error = status >= 400 && status !== CLIENT_CLOSED;
  scratch.inputTokens = outcome?.usage?.prompt_tokens ?? 0;
  scratch.outputTokens = outcome?.usage?.completion_tokens ?? 0;
  scratch.costUsd = costOf(x);
  return scratch;
}

/** A finished request for the tail: who, what, where, how it ended — no text of the request or the answer. */
// Records and observations have one shape each, absent fields undefined (JSON leaves them out): one object per request, no spreads.
export function requestRecord(x: Exchange, at: number, latencyMs: number): RequestRecord {
  const outcome = x.response;
  const usage = outcome?.usage;
  const ttftMs = x.timings.ttftMs;
  return {
    seq: 0,
    at,
    id: x.id,
    caller: x.caller?.name,
    protocol: x.protocol,
    model: modelName(x),
    stream: x.stream,
    target: x.target?.id,
    attempts: x.attempt,
    status: outcome?.status ?? 0,
    errorCode: outcome?.errorCode || undefined,
    latencyMs: Math.round(latencyMs),
    ttftMs: ttftMs === undefined ? undefined : Math.round(ttftMs),
    tokens: usage ? { input: usage.prompt_tokens, output: usage.completion_tokens } : undefined,
    costUsd: costOf(x),
    cache: x.get(CACHE_OUTCOME),
    aborted: outcome?.aborted || undefined,
  };
}

function costOf(x: Exchange): number | undefined {
  const cost = x.get(PRICING_COST);
  return cost === undefined || cost.attempts.length === 0 ? undefined : cost.usd;
}
