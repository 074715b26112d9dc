import type { ErrorCode, Exchange } from '@switchyard/core';

/** Whose fault an error is: the caller's, a gateway policy's (auth, limits, breaker), an upstream's, or the gateway's own. */
export type ErrorClass = 'caller' | 'policy' | 'upstream' | 'gateway';

export interface ErrorKind {
  readonly errorClass: ErrorClass;
  readonly type: string;
}

const BY_CODE: Partial<Record<ErrorCode, ErrorKind>> = {
  SWITCHYARD_ERR_INVALID_JSON: { errorClass: 'caller', type: 'invalid_request' },
  SWITCHYARD_ERR_INVALID_REQUEST: { errorClass: 'caller', type: 'invalid_request' },
  SWITCHYARD_ERR_BODY_TOO_LARGE: { errorClass: 'caller', type: 'invalid_request' },
  SWITCHYARD_ERR_UNSUPPORTED: { errorClass: 'caller', type: 'invalid_request' },
  SWITCHYARD_ERR_NOT_FOUND: { errorClass: 'caller', type: 'invalid_request' },
  SWITCHYARD_ERR_MODEL_NOT_FOUND: { errorClass: 'caller', type: 'model_not_found' },
  SWITCHYARD_ERR_UPSTREAM_BUSINESS: { errorClass: 'caller', type: 'upstream_rejected' },
  SWITCHYARD_ERR_UNAUTHORIZED: { errorClass: 'policy', type: 'unauthorized' },
  SWITCHYARD_ERR_FORBIDDEN: { errorClass: 'policy', type: 'forbidden' },
  SWITCHYARD_ERR_NO_TARGET: { errorClass: 'policy', type: 'no_healthy_target' },
  SWITCHYARD_ERR_LIMITER_UNAVAILABLE: { errorClass: 'policy', type: 'limiter_unavailable' },
  SWITCHYARD_ERR_UPSTREAM_FAILED: { errorClass: 'upstream', type: 'upstream_failure' },
  SWITCHYARD_ERR_UPSTREAM_TIMEOUT: { errorClass: 'upstream', type: 'upstream_timeout' },
};

const RATE_LIMITED: ErrorKind = { errorClass: 'policy', type: 'rate_limited' };
const UPSTREAM_RATE_LIMITED: ErrorKind = { errorClass: 'upstream', type: 'upstream_rate_limited' };
const STREAM_BROKEN: ErrorKind = { errorClass: 'upstream', type: 'stream_broken' };
const CLIENT_ABORT: ErrorKind = { errorClass: 'caller', type: 'client_abort' };
const INTERNAL: ErrorKind = { errorClass: 'gateway', type: 'internal' };

/** What went wrong with a finished request, or undefined when nothing did. */
export function errorKind(x: Exchange): ErrorKind | undefined {
  const outcome = x.response;
  if (!outcome) return undefined;
  const code = outcome.errorCode;
  // Refused before routing: the gateway's own limits. Routed: an upstream's 429, or every target cooling down after one.
  if (code === 'SWITCHYARD_ERR_RATE_LIMITED') return x.results.length === 0 && x.plan.discovered.length === 0 ? RATE_LIMITED : UPSTREAM_RATE_LIMITED;
  if (code !== undefined) return BY_CODE[code] ?? INTERNAL;
  if (outcome.aborted) return CLIENT_ABORT;
  if (outcome.error !== undefined) return STREAM_BROKEN;
  return undefined;
}
