import { contract } from '@switchyard/core';
import type { AttemptResult, Exchange, Logger } from '@switchyard/core';
import { summarizePlan } from './summary.js';

/** The response cache's outcome, when it answered or stored (by name: the cache is another plugin). */
const CACHE_OUTCOME = contract<string>('response-cache:outcome');

/**
 * The logger request lines go through: the gateway's, without redaction by path. A request
 * line holds only the fields requestLine() builds (no headers, no config), every string of
 * which is still scrubbed by pattern; skipping the path walk halves the line's cost.
 */
export function requestLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [], censor: '[redacted]' } });
}

/**
 * Logs one line for a routed request that is over: at `warn` when it failed (5xx), else at
 * `info`; built only when that level is on.
 */
export function logRequest(logger: Logger, x: Exchange, routeNamed: number): void {
  const status = x.response?.status ?? 0;
  const level = status >= 500 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](requestLine(x, routeNamed), 'request');
}

/**
 * Who asked for what, where it went (every attempt and how it ended), how it ended and why, its
 * tokens, what a conversion dropped, and the fields plugins added (a pricing plugin's cost),
 * which never replace the line's own.
 */
export function requestLine(x: Exchange, routeNamed: number): Record<string, unknown> {
  const outcome = x.response;
  const cache = x.get(CACHE_OUTCOME);
  const line: Record<string, unknown> = {
    requestId: x.id,
    protocol: x.protocol,
    operation: x.operation,
    model: x.model,
    stream: x.stream,
    ...(x.caller ? { caller: x.caller.name } : {}),
    ...(x.target ? { target: x.target.id } : {}),
    ...(x.plan.discovered.length ? { route: summarizePlan(x.plan, routeNamed) } : {}),
    attempts: x.attempt,
    ...(x.results.length ? { tried: x.results.map(attemptSummary) } : {}),
    status: outcome?.status ?? 0,
    ...(outcome?.errorCode ? { errorCode: outcome.errorCode } : {}),
    ...(outcome?.error === undefined ? {} : { error: outcome.error }),
    latencyMs: Math.round(performance.now() - x.timings.start),
    upstreamMs: Math.round(x.timings.upstreamMs),
    ...(x.timings.ttftMs === undefined ? {} : { ttftMs: Math.round(x.timings.ttftMs) }),
    ...(outcome?.usage ? { tokens: tokenCounts(outcome.usage) } : {}),
    ...(cache === undefined ? {} : { cache }),
    ...(x.warnings.length ? { warnings: x.warnings } : {}),
    ...(outcome?.aborted ? { aborted: true } : {}),
  };
  const extra = x.logFields;
  if (extra) for (const name in extra) if (!(name in line)) line[name] = extra[name];
  return line;
}

type Usage = NonNullable<NonNullable<Exchange['response']>['usage']>;

function tokenCounts(usage: Usage): Record<string, number> {
  const cached = usage.prompt_tokens_details;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    input: usage.prompt_tokens,
    output: usage.completion_tokens,
    ...(cached?.cached_tokens ? { cachedRead: cached.cached_tokens } : {}),
    ...(cached?.cache_write_tokens ? { cacheWrite: cached.cache_write_tokens } : {}),
    ...(cached?.cache_write_1h_tokens ? { cacheWrite1h: cached.cache_write_1h_tokens } : {}),
    ...(reasoning ? { reasoning } : {}),
  };
}

function attemptSummary(r: AttemptResult): Record<string, unknown> {
  return {
    target: r.target.id,
    outcome: r.outcome,
    ...(r.status === undefined ? {} : { status: r.status }),
    ...(r.failure === undefined ? {} : { failure: r.failure }),
    ms: Math.round(r.latencyMs),
    ...(r.hedge ? { hedge: true } : {}),
  };
}
