import type { SwitchyardError } from '../errors.js';
import type { Exchange, RequestOutcome } from '../exchange.js';
import { contract } from '../plugin/contract.js';

/** The response cache's outcome, when it answered or stored (by name: the cache is a plugin). */
const CACHE_OUTCOME = contract<string>('response-cache:outcome');
import type { Logger } from '../logger.js';
import type { AttemptResult } from '../types.js';
import { summarizePlan } from '../routing/summary.js';

/**
 * How a request ended, from its status, the error it was answered with (if any) and its
 * attempts: the usage of the served attempt. A stream that broke after its first event has a
 * 200 status and no error code, but its last attempt says why.
 */
export function requestOutcome(x: Exchange, status: number, failure: SwitchyardError | undefined): RequestOutcome {
  const served = lastSuccess(x.results);
  const usage = served?.usage;
  const error = failure?.message ?? (served ? undefined : x.results.at(-1)?.message);
  return {
    status,
    aborted: x.aborted,
    ...(failure ? { errorCode: failure.code, errorClass: failure.class, errorKind: failure.kind } : {}),
    ...(error === undefined ? {} : { error }),
    ...(usage ? { usage } : {}),
  };
}

function lastSuccess(results: readonly AttemptResult[]): AttemptResult | undefined {
  for (let i = results.length - 1; i >= 0; i--) if (results[i]!.outcome === 'success') return results[i];
  return undefined;
}

/**
 * The logger request lines go through: the gateway's, without redaction by path. A request
 * line holds only the fields logRequest() builds (no headers, no config), every string of
 * which is still scrubbed by pattern; skipping the path walk halves the line's cost.
 */
export function requestLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [], censor: '[redacted]' } });
}

/**
 * One line per routed request, when it is over: who asked for what, where it went (every
 * attempt and how it ended), how it ended and why, its tokens, what a conversion dropped, and
 * the fields plugins added (a pricing plugin's cost). Failed requests (5xx) log at `warn`.
 * Built only when that level is on.
 */
export function logRequest(logger: Logger, x: Exchange): void {
  const outcome = x.response;
  const status = outcome?.status ?? 0;
  const level = status >= 500 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const usage = outcome?.usage;
  const details = usage?.prompt_tokens_details;
  const cache = x.get(CACHE_OUTCOME);
  const line: Record<string, unknown> = {
    requestId: x.id,
    protocol: x.protocol,
    operation: x.operation,
    model: x.model,
    stream: x.stream,
    ...(x.caller ? { caller: x.caller.name } : {}),
    ...(x.target ? { target: x.target.id } : {}),
    ...(x.plan.discovered.length ? { route: summarizePlan(x.plan) } : {}),
    attempts: x.attempt,
    ...(x.results.length ? { tried: x.results.map(attemptSummary) } : {}),
    status,
    ...(outcome?.errorCode ? { errorCode: outcome.errorCode } : {}),
    ...(outcome?.error === undefined ? {} : { error: outcome.error }),
    latencyMs: Math.round(performance.now() - x.timings.start),
    upstreamMs: Math.round(x.timings.upstreamMs),
    ...(x.timings.ttftMs === undefined ? {} : { ttftMs: Math.round(x.timings.ttftMs) }),
    ...(usage
      ? {
          tokens: {
            input: usage.prompt_tokens,
            output: usage.completion_tokens,
            ...(details?.cached_tokens ? { cachedRead: details.cached_tokens } : {}),
            ...(details?.cache_write_tokens ? { cacheWrite: details.cache_write_tokens } : {}),
            ...(details?.cache_write_1h_tokens ? { cacheWrite1h: details.cache_write_1h_tokens } : {}),
            ...(usage.completion_tokens_details?.reasoning_tokens
              ? { reasoning: usage.completion_tokens_details.reasoning_tokens }
              : {}),
          },
        }
      : {}),
    ...(cache === undefined ? {} : { cache }),
    ...(x.warnings.length ? { warnings: x.warnings } : {}),
    ...(outcome?.aborted ? { aborted: true } : {}),
  };
  const extra = x.logFields;
  if (extra) for (const name in extra) if (!(name in line)) line[name] = extra[name];
  logger[level](line, 'request');
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
