/** Whose fault an error is: the caller's, a gateway policy's (auth, limits, breaker), an upstream's, or the gateway's own. */
export type ErrorClass = 'caller' | 'policy' | 'upstream' | 'gateway';

/** What an error code means: its HTTP status, the error type callers see, whose fault it is, a short label for metrics. */
export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly type: string;
  readonly class: ErrorClass;
  /** Stable snake_case label (metrics `error_type`). */
  readonly kind: string;
}

/** An error code a plugin defines; list it under the plugin's `errors` so registration checks it is unique. */
export function errorCode(code: string, spec: Omit<ErrorSpec, 'code'>): ErrorSpec {
  return Object.freeze({ code, ...spec });
}

const spec = (status: number, type: string, cls: ErrorClass, kind: string): Omit<ErrorSpec, 'code'> => ({
  status,
  type,
  class: cls,
  kind,
});
const config = spec(500, 'config_error', 'gateway', 'config');
const plugin = spec(500, 'plugin_error', 'gateway', 'plugin');
const invalid = spec(400, 'invalid_request_error', 'caller', 'invalid_request');

/** Core's own codes. Plugins bring theirs as ErrorSpec objects (see errorCode()). */
const CORE_CODES = {
  SWITCHYARD_ERR_CONFIG_INVALID: config,
  SWITCHYARD_ERR_CONFIG_READ: config,
  SWITCHYARD_ERR_PLUGIN_DUPLICATE: plugin,
  SWITCHYARD_ERR_PLUGIN_DEPENDENCY: plugin,
  SWITCHYARD_ERR_PLUGIN_OPTIONS: plugin,
  SWITCHYARD_ERR_PLUGIN_UNKNOWN_SECTION: plugin,
  SWITCHYARD_ERR_PLUGIN_APPLY: plugin,
  SWITCHYARD_ERR_PLUGIN_CONTRACT: plugin,
  SWITCHYARD_ERR_HOOKS_SEALED: plugin,
  SWITCHYARD_ERR_PROVIDER_DUPLICATE: plugin,
  SWITCHYARD_ERR_PROVIDER_UNKNOWN_TYPE: config,
  SWITCHYARD_ERR_INVALID_JSON: invalid,
  SWITCHYARD_ERR_INVALID_REQUEST: invalid,
  SWITCHYARD_ERR_UNSUPPORTED: invalid,
  SWITCHYARD_ERR_UNSUPPORTED_MEDIA_TYPE: spec(415, 'invalid_request_error', 'caller', 'invalid_request'),
  SWITCHYARD_ERR_BODY_TOO_LARGE: spec(413, 'invalid_request_error', 'caller', 'invalid_request'),
  SWITCHYARD_ERR_NOT_FOUND: spec(404, 'not_found_error', 'caller', 'invalid_request'),
  SWITCHYARD_ERR_MODEL_NOT_FOUND: spec(404, 'invalid_request_error', 'caller', 'model_not_found'),
  SWITCHYARD_ERR_CAPABILITY: spec(400, 'invalid_request_error', 'caller', 'capability_unmet'),
  SWITCHYARD_ERR_CONSTRAINT: spec(400, 'invalid_request_error', 'caller', 'constraint_unmet'),
  SWITCHYARD_ERR_UNAUTHORIZED: spec(401, 'authentication_error', 'policy', 'unauthorized'),
  SWITCHYARD_ERR_FORBIDDEN: spec(403, 'permission_error', 'policy', 'forbidden'),
  SWITCHYARD_ERR_ORIGIN_NOT_ALLOWED: spec(403, 'permission_error', 'policy', 'origin_not_allowed'),
  SWITCHYARD_ERR_HOST_NOT_ALLOWED: spec(421, 'invalid_request_error', 'policy', 'host_not_allowed'),
  SWITCHYARD_ERR_NO_TARGET: spec(503, 'service_unavailable', 'policy', 'no_healthy_target'),
  SWITCHYARD_ERR_SHUTTING_DOWN: spec(503, 'service_unavailable', 'gateway', 'shutting_down'),
  SWITCHYARD_ERR_UPSTREAM_BUSINESS: spec(400, 'invalid_request_error', 'caller', 'upstream_rejected'),
  SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED: spec(429, 'rate_limit_error', 'upstream', 'upstream_rate_limited'),
  SWITCHYARD_ERR_UPSTREAM_FAILED: spec(502, 'upstream_error', 'upstream', 'upstream_failure'),
  SWITCHYARD_ERR_UPSTREAM_TIMEOUT: spec(504, 'timeout_error', 'upstream', 'upstream_timeout'),
  SWITCHYARD_ERR_INTERNAL: spec(500, 'server_error', 'gateway', 'internal'),
} as const satisfies Record<string, Omit<ErrorSpec, 'code'>>;

export type CoreErrorCode = keyof typeof CORE_CODES;

/** Core's codes as specs, e.g. `CoreErrors.SWITCHYARD_ERR_FORBIDDEN.status`. */
export const CoreErrors = Object.freeze(
  Object.fromEntries(Object.entries(CORE_CODES).map(([code, s]) => [code, errorCode(code, s)])),
) as { readonly [C in CoreErrorCode]: ErrorSpec };

export interface SwitchyardErrorOptions {
  /** Overrides the code's default HTTP status (e.g. an upstream 422 passed on). */
  status?: number;
  /** Safe to show to callers. @default true for 4xx, false otherwise */
  expose?: boolean;
  /** The request field at fault, e.g. `messages[0].role`. */
  param?: string;
  /** Caller-facing error code string (OpenAI `error.code`), e.g. `model_not_found`. */
  publicCode?: string;
  /** Overrides the error type shown to callers. */
  type?: string;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** Configuration problems, one `path: message` line each (config and plugin errors). */
  problems?: readonly string[];
  /** The prompt is longer than the model's context window (each protocol names this its own way). */
  tooLong?: PromptTooLong;
  cause?: unknown;
}

/** A prompt too long for the model: its tokens and the largest window, when known. */
export interface PromptTooLong {
  readonly tokens?: number;
  readonly maximum?: number;
  /** `tokens` is the gateway's estimate, not the upstream's count. */
  readonly estimated?: boolean;
}

/** The caller-facing code of a prompt too long for the model (OpenAI's, which its clients key on). */
export const CONTEXT_LENGTH_EXCEEDED = 'context_length_exceeded';

/** One error class for everything Switchyard raises: a code (core's, or a plugin's ErrorSpec), a status, whose fault. */
export class SwitchyardError extends Error {
  override readonly name = 'SwitchyardError';
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly type: string;
  readonly class: ErrorClass;
  readonly kind: string;
  readonly param: string | undefined;
  readonly publicCode: string | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly problems: readonly string[] | undefined;
  readonly tooLong: PromptTooLong | undefined;

  constructor(code: CoreErrorCode | ErrorSpec, message: string, options: SwitchyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const s = typeof code === 'string' ? CoreErrors[code] : code;
    this.code = s.code;
    this.status = options.status ?? s.status;
    this.expose = options.expose ?? (this.status >= 400 && this.status < 500);
    this.type = options.type ?? s.type;
    this.class = s.class;
    this.kind = s.kind;
    this.param = options.param;
    this.publicCode = options.publicCode;
    this.headers = options.headers;
    this.problems = options.problems;
    this.tooLong = options.tooLong;
  }
}

/** The longest Retry-After a client is left to sleep on: the OpenAI and Anthropic SDKs wait for as long as it says. */
export const LONGEST_CLIENT_WAIT_MS = 60_000;

/**
 * Headers that tell a client whether and when to retry a refusal: `Retry-After` in whole seconds, plus
 * `x-should-retry: false` (obeyed by the OpenAI and Anthropic SDKs) when the wait is over a minute, so a client
 * reports the error instead of sleeping for hours, or when `waitMs` is undefined because waiting cannot help.
 */
export function retryAdvice(waitMs: number | undefined): Record<string, string> {
  if (waitMs === undefined) return { 'x-should-retry': 'false' };
  const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
  return waitMs > LONGEST_CLIENT_WAIT_MS
    ? { 'retry-after': retryAfter, 'x-should-retry': 'false' }
    : { 'retry-after': retryAfter };
}

/** Wraps anything thrown into a SwitchyardError, hiding internal messages from callers. */
export function toSwitchyardError(value: unknown): SwitchyardError {
  if (value instanceof SwitchyardError) return value;
  return new SwitchyardError('SWITCHYARD_ERR_INTERNAL', 'internal gateway error', { cause: value, expose: false });
}
