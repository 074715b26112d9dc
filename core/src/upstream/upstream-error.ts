import { secretValuesOf } from '../mask.js';
import { CONTEXT_LENGTH_EXCEEDED, SwitchyardError, retryAdvice } from '../errors.js';
import type { PromptTooLong } from '../errors.js';
import type { UpstreamErrorInfo } from '../providers.js';
import type { ProviderInstance, Target } from '../types.js';
import type { StreamObservation } from '../protocols/codec.js';

/**
 * An upstream's error answer as the caller's error: business errors pass, throttling keeps its headers, secrets are scrubbed.
 * A prompt the provider found too long for the model (`info.tooLong`) becomes the caller's
 * `context_length_exceeded` (`tooLong` set), which each protocol words the way its clients recognize.
 */
export function upstreamError(
  info: UpstreamErrorInfo,
  status: number,
  target: Target,
  retryAfter: string | undefined,
  limits?: Record<string, string>,
): SwitchyardError {
  const message = withoutSecrets(info.message, target.instance);
  if (info.outcome === 'business_error') {
    if (info.tooLong) return promptTooLongError(message, info.tooLong, status, info.param);
    return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_BUSINESS', message, {
      status,
      expose: true,
      ...(info.type ? { type: info.type } : {}),
      ...(info.code ? { publicCode: info.code } : {}),
      ...(info.param ? { param: info.param } : {}),
    });
  }
  if (info.outcome === 'rate_limited') {
    const headers = { ...limits, ...retryHeaders(retryAfter) };
    return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED', `${target.id}: ${message}`, {
      expose: true,
      ...(Object.keys(headers).length ? { headers } : {}),
    });
  }
  return new SwitchyardError(
    'SWITCHYARD_ERR_UPSTREAM_FAILED',
    `${target.id}: upstream answered ${status}: ${message}`,
    { expose: true, ...(status === 529 || info.type === 'overloaded_error' ? OVERLOADED : {}) },
  );
}

/**
 * An upstream stream's error event that its observer found refusing a prompt too long for the model
 * (`obs.tooLong`): the caller's `context_length_exceeded` (a business error: no breaker counts it), else undefined.
 */
export function tooLongInStream(obs: StreamObservation, target: Target): SwitchyardError | undefined {
  if (obs.error === undefined || !obs.tooLong) return undefined;
  return promptTooLongError(withoutSecrets(obs.error, target.instance), obs.tooLong);
}

/**
 * A prompt an upstream refused as too long for the model, in its answer or in a stream's error event:
 * the caller's `context_length_exceeded` (`tooLong` set), which each protocol words the way its clients
 * recognize; a business error, so no failover and no breaker count.
 */
export function promptTooLongError(
  message: string,
  tooLong: PromptTooLong,
  status?: number,
  param?: string,
): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_BUSINESS', message, {
    ...(status === undefined ? {} : { status }),
    expose: true,
    type: 'invalid_request_error',
    publicCode: CONTEXT_LENGTH_EXCEEDED,
    tooLong,
    ...(param ? { param } : {}),
  });
}

/**
 * An overloaded upstream's failure keeps Anthropic's 529 `overloaded_error`, not a plain 502: clients
 * tell the two apart (Claude Code retries an overload before switching to its --fallback-model, and
 * switches at the first other server error).
 */
export const OVERLOADED = Object.freeze({ status: 529, type: 'overloaded_error' });

/** The upstream's Retry-After as it gave it; in seconds, with retryAdvice()'s `x-should-retry` for a long wait. */
function retryHeaders(retryAfter: string | undefined): Record<string, string> {
  if (!retryAfter) return {};
  const seconds = Number(retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? retryAdvice(seconds * 1000) : { 'retry-after': retryAfter };
}

/** An upstream must never get to echo the gateway's credentials (its key, secrets in its base URL or headers) to a caller. */
export function withoutSecrets(text: string, instance: ProviderInstance): string {
  let clean = text;
  for (const secret of secretsOf(instance)) if (clean.includes(secret)) clean = clean.split(secret).join('****');
  return clean;
}

/** A whole answer's bytes without the instance's credentials: an answer with status 200 may still be a proxy's error quoting them. */
export function bytesWithoutSecrets(bytes: Buffer, instance: ProviderInstance): Buffer {
  for (const secret of secretsOf(instance))
    if (bytes.includes(secret)) return Buffer.from(withoutSecrets(bytes.toString('utf8'), instance));
  return bytes;
}

/** Each instance's secret values, found once: looking for them in every answer must not parse its base URL each time. */
const SECRETS = new WeakMap<ProviderInstance, readonly string[]>();

function secretsOf(instance: ProviderInstance): readonly string[] {
  let secrets = SECRETS.get(instance);
  if (!secrets) SECRETS.set(instance, (secrets = secretValuesOf(instance)));
  return secrets;
}

/** `error` with the instance's credentials cut out of its message and stack: an upstream's words may be in them. */
export function scrubbed(error: SwitchyardError, instance: ProviderInstance): SwitchyardError {
  const clean = withoutSecrets(error.message, instance);
  if (clean === error.message) return error;
  error.message = clean;
  if (error.stack) error.stack = withoutSecrets(error.stack, instance);
  return error;
}

export async function readCapped(body: AsyncIterable<Uint8Array>, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < cap) chunks.push(Buffer.from(chunk));
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}

/** An upstream's rate-limit headers, passed on to callers with its 429 (and remembered by a breaker). */
export function rateLimitHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> | undefined {
  let found: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !(name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-'))) continue;
    (found ??= {})[name] = headerValue(value)!;
  }
  return found;
}

/** Retry-After in seconds: `retry-after-ms` (Azure OpenAI's, more precise) rounded up when present, else `retry-after`. */
export function retryAfterOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const ms = Number(headerValue(headers['retry-after-ms']));
  return Number.isFinite(ms) && ms > 0 ? String(Math.ceil(ms / 1000)) : headerValue(headers['retry-after']);
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
