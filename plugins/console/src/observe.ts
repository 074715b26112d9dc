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

/** An attempt, for its target's figures (its cost as the pricing plugin set it): any outcome but success and cancellation is an error. */
export function attemptObservation(result: AttemptResult, x: Exchange): Observation {
  const cost = result.usage ? x.get(PRICING_COST)?.attempts.find((a) => a.attempt === result.attempt)?.usd : undefined;
  return {
    latencyMs: result.latencyMs,
    ...(result.ttftMs === undefined ? {} : { ttftMs: result.ttftMs }),
    error: result.outcome !== 'success' && result.outcome !== 'cancelled',
    inputTokens: result.usage?.prompt_tokens ?? 0,
    outputTokens: result.usage?.completion_tokens ?? 0,
    ...(cost === undefined ? {} : { costUsd: cost }),
  };
}

/** A finished request, for its model's figures: an error when answered 4xx or 5xx (a caller hanging up aside). */
export function requestObservation(x: Exchange, latencyMs: number): Observation {
  const outcome = x.response;
  const status = outcome?.status ?? 0;
  return {
    latencyMs,
    ...(x.timings.ttftMs === undefined ? {} : { ttftMs: x.timings.ttftMs }),
    error: status >= 400 && status !== CLIENT_CLOSED,
    inputTokens: outcome?.usage?.prompt_tokens ?? 0,
    outputTokens: outcome?.usage?.completion_tokens ?? 0,
    ...costOf(x),
  };
}

/** A finished request for the tail: who, what, where, how it ended — no text of the request or the answer. */
export function requestRecord(x: Exchange, at: number, latencyMs: number): Omit<RequestRecord, 'seq'> {
  const outcome = x.response;
  const usage = outcome?.usage;
  const cache = x.get(CACHE_OUTCOME);
  return {
    at,
    id: x.id,
    ...(x.caller ? { caller: x.caller.name } : {}),
    protocol: x.protocol,
    model: modelName(x),
    stream: x.stream,
    ...(x.target ? { target: x.target.id } : {}),
    attempts: x.attempt,
    status: outcome?.status ?? 0,
    ...(outcome?.errorCode ? { errorCode: outcome.errorCode } : {}),
    latencyMs: Math.round(latencyMs),
    ...(x.timings.ttftMs === undefined ? {} : { ttftMs: Math.round(x.timings.ttftMs) }),
    ...(usage ? { tokens: { input: usage.prompt_tokens, output: usage.completion_tokens } } : {}),
    ...costOf(x),
    ...(cache === undefined ? {} : { cache }),
    ...(outcome?.aborted ? { aborted: true } : {}),
  };
}

function costOf(x: Exchange): { costUsd?: number } {
  const cost = x.get(PRICING_COST);
  return cost === undefined || cost.attempts.length === 0 ? {} : { costUsd: cost.usd };
}
