/**
 * One error class for everything Switchyard raises. Each code has an HTTP status and an
 * error type; `expose` marks messages that are safe to show to callers.
 */
export const ErrorCodes = {
  SWITCHYARD_ERR_CONFIG_INVALID: { status: 500, type: 'config_error' },
  SWITCHYARD_ERR_CONFIG_READ: { status: 500, type: 'config_error' },
  SWITCHYARD_ERR_CONFIG_ENV_MISSING: { status: 500, type: 'config_error' },
  SWITCHYARD_ERR_PLUGIN_DUPLICATE: { status: 500, type: 'plugin_error' },
  SWITCHYARD_ERR_PLUGIN_DEPENDENCY: { status: 500, type: 'plugin_error' },
  SWITCHYARD_ERR_PLUGIN_OPTIONS: { status: 500, type: 'plugin_error' },
  SWITCHYARD_ERR_PLUGIN_UNKNOWN_SECTION: { status: 500, type: 'plugin_error' },
  SWITCHYARD_ERR_PLUGIN_APPLY: { status: 500, type: 'plugin_error' },
  SWITCHYARD_ERR_HOOKS_SEALED: { status: 500, type: 'plugin_error' },
  SWITCHYARD_ERR_PROVIDER_DUPLICATE: { status: 500, type: 'plugin_error' },
  SWITCHYARD_ERR_PROVIDER_UNKNOWN_TYPE: { status: 500, type: 'config_error' },
  SWITCHYARD_ERR_INVALID_JSON: { status: 400, type: 'invalid_request_error' },
  SWITCHYARD_ERR_INVALID_REQUEST: { status: 400, type: 'invalid_request_error' },
  SWITCHYARD_ERR_UNAUTHORIZED: { status: 401, type: 'authentication_error' },
  SWITCHYARD_ERR_FORBIDDEN: { status: 403, type: 'permission_error' },
  SWITCHYARD_ERR_ORIGIN_NOT_ALLOWED: { status: 403, type: 'permission_error' },
  SWITCHYARD_ERR_HOST_NOT_ALLOWED: { status: 421, type: 'invalid_request_error' },
  SWITCHYARD_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error' },
  SWITCHYARD_ERR_NOT_FOUND: { status: 404, type: 'not_found_error' },
  SWITCHYARD_ERR_MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error' },
  SWITCHYARD_ERR_BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error' },
  SWITCHYARD_ERR_RATE_LIMITED: { status: 429, type: 'rate_limit_error' },
  SWITCHYARD_ERR_UPSTREAM_BUSINESS: { status: 400, type: 'invalid_request_error' },
  SWITCHYARD_ERR_UPSTREAM_FAILED: { status: 502, type: 'upstream_error' },
  SWITCHYARD_ERR_UPSTREAM_TIMEOUT: { status: 504, type: 'timeout_error' },
  SWITCHYARD_ERR_NO_TARGET: { status: 503, type: 'service_unavailable' },
  SWITCHYARD_ERR_LIMITER_UNAVAILABLE: { status: 503, type: 'service_unavailable' },
  SWITCHYARD_ERR_SHUTTING_DOWN: { status: 503, type: 'service_unavailable' },
  SWITCHYARD_ERR_UNSUPPORTED: { status: 400, type: 'invalid_request_error' },
  SWITCHYARD_ERR_CAPABILITY: { status: 400, type: 'invalid_request_error' },
  SWITCHYARD_ERR_CONSTRAINT: { status: 400, type: 'invalid_request_error' },
  SWITCHYARD_ERR_INTERNAL: { status: 500, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

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
  cause?: unknown;
}

export class SwitchyardError extends Error {
  override readonly name = 'SwitchyardError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly type: string;
  readonly param: string | undefined;
  readonly publicCode: string | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly problems: readonly string[] | undefined;

  constructor(code: ErrorCode, message: string, options: SwitchyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = ErrorCodes[code];
    this.code = code;
    this.status = options.status ?? spec.status;
    this.expose = options.expose ?? (this.status >= 400 && this.status < 500);
    this.type = options.type ?? spec.type;
    this.param = options.param;
    this.publicCode = options.publicCode;
    this.headers = options.headers;
    this.problems = options.problems;
  }
}

export function isSwitchyardError(value: unknown): value is SwitchyardError {
  return value instanceof SwitchyardError;
}

/** Wraps anything thrown into a SwitchyardError, hiding internal messages from callers. */
export function toSwitchyardError(value: unknown): SwitchyardError {
  if (value instanceof SwitchyardError) return value;
  return new SwitchyardError('SWITCHYARD_ERR_INTERNAL', 'internal gateway error', { cause: value, expose: false });
}
