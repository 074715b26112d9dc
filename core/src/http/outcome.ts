import type { SwitchyardError } from '../errors.js';
import type { Exchange, RequestOutcome } from '../exchange.js';
import type { AttemptResult } from '../types.js';

/**
 * How a request ended, from its status, the error it was answered with (if any) and its
 * attempts: the usage of the served attempt. A stream that broke after its first event has a
 * 200 status and no error code, but its last attempt says why.
 */
export function requestOutcome(x: Exchange, status: number, failure: SwitchyardError | undefined): RequestOutcome {
  const served = lastSuccess(x.results);
  const usage = served?.usage;
  const error = failure?.message ?? (served ? undefined : x.results.at(-1)?.message);
  // Built field by field (in the order a spread of the optional parts gave), without their temporary objects.
  const outcome: Mutable<RequestOutcome> = { status, aborted: x.aborted };
  if (failure) {
    outcome.errorCode = failure.code;
    outcome.errorClass = failure.class;
    outcome.errorKind = failure.kind;
  }
  if (error !== undefined) outcome.error = error;
  if (usage) outcome.usage = usage;
  return outcome;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function lastSuccess(results: readonly AttemptResult[]): AttemptResult | undefined {
  for (let i = results.length - 1; i >= 0; i--) if (results[i]!.outcome === 'success') return results[i];
  return undefined;
}
