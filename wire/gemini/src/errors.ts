import type { UpstreamErrorInfo } from '@switchyard/core/provider';
import type { GeminiErrorBody } from './types.js';

/** google.rpc status → the OpenAI error type callers see. */
const TYPES: Record<string, string> = {
  INVALID_ARGUMENT: 'invalid_request_error',
  FAILED_PRECONDITION: 'invalid_request_error',
  OUT_OF_RANGE: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  PERMISSION_DENIED: 'permission_error',
  NOT_FOUND: 'not_found_error',
};
const RATE_LIMITED = new Set(['RESOURCE_EXHAUSTED']);
const FAILURES = new Set(['UNAVAILABLE', 'INTERNAL', 'DEADLINE_EXCEEDED', 'UNKNOWN', 'ABORTED']);

/**
 * A Gemini error (`{"error":{"code","message","status"}}`): 429 / RESOURCE_EXHAUSTED → rate limited,
 * 5xx / UNAVAILABLE / INTERNAL → failure (next target), any other 4xx → business error with
 * Gemini's message, its status string as `code`. An instance's own bad credential (401, or
 * Gemini's 400 with reason API_KEY_INVALID) is a failure like core's 401: the caller cannot fix
 * it and another instance may serve.
 */
export function classifyGeminiError(status: number, body: string): UpstreamErrorInfo {
  let error: GeminiErrorBody['error'] | undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    // streamGenerateContent without alt=sse wraps errors in an array.
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    error = (first as Partial<GeminiErrorBody> | null)?.error;
  } catch {
    error = undefined;
  }
  const rpc = typeof error?.status === 'string' ? error.status : undefined;
  const outcome: UpstreamErrorInfo['outcome'] =
    status === 429 || (rpc !== undefined && RATE_LIMITED.has(rpc))
      ? 'rate_limited'
      : status >= 500 || status === 408 || status === 401 || badKey(error) || (rpc !== undefined && FAILURES.has(rpc))
        ? 'failure'
        : 'business_error';
  const text = body.trim();
  const message =
    typeof error?.message === 'string' && error.message
      ? error.message
      : text
        ? text.slice(0, 500)
        : `upstream answered ${status}`;
  const info: UpstreamErrorInfo = { outcome, message };
  if (rpc) {
    info.code = rpc;
    const type = TYPES[rpc];
    if (type) info.type = type;
  }
  return info;
}

function badKey(error: GeminiErrorBody['error'] | undefined): boolean {
  return (error?.details ?? []).some((d) => (d as { reason?: unknown } | null)?.reason === 'API_KEY_INVALID');
}
