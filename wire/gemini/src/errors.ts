import type { PromptTooLong } from '@switchyard/core';
import type { UpstreamErrorInfo } from '@switchyard/core/provider';
import { withTooLong } from '@switchyard/wire-chat';
import type { GeminiErrorBody } from './types.js';

// "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."
const TOO_LONG = /input token count \((\d+)\) exceeds the maximum number of tokens allowed \((\d+)\)/i;

/** What a Gemini error message says of a prompt too long for the model: its tokens and maximum. */
export function geminiTooLong(message: string): PromptTooLong | undefined {
  const m = TOO_LONG.exec(message);
  return m ? { tokens: Number(m[1]), maximum: Number(m[2]) } : undefined;
}

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
 * Gemini's message, its status string as `code` (the input token count over the maximum: a prompt
 * too long for the model, `tooLong`). An instance's own bad credential (401, or
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
  return withTooLong(info, geminiTooLong);
}

function badKey(error: GeminiErrorBody['error'] | undefined): boolean {
  return (error?.details ?? []).some((d) => (d as { reason?: unknown } | null)?.reason === 'API_KEY_INVALID');
}
