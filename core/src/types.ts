import type { SwitchyardError } from './errors.js';
import type { Usage } from './protocols/canonical.js';

/** A wire protocol's name (`openai`, `anthropic`, or one a plugin brings): callers speak one, providers one or more. */
export type Protocol = string;
/** What a request asks for. */
export type Operation = 'chat' | 'embeddings' | (string & {});

/** One upstream instance, as configured under `providers[]`. */
export interface ProviderInstance {
  readonly name: string;
  readonly type: string;
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Served models; undefined means "accept by the type's name prefixes". */
  readonly models?: readonly string[];
  readonly priority: number;
  readonly weight: number;
  readonly tags: readonly string[];
  readonly timeoutMs: number;
  /** Extra headers sent upstream on every request. */
  readonly headers: Readonly<Record<string, string>>;
  /** Runs locally (config `local`). */
  readonly local: boolean;
  /** Served models come from the upstream's listing (config `discover`). */
  readonly discover: boolean;
  readonly discoverIntervalMs: number;
  readonly discoverTimeoutMs: number;
  /** Provider-specific fields, validated by the adapter's `instanceSchema`. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** How discovery found a target. */
export type DiscoveryRule = 'alias' | 'instance' | 'listed' | 'prefix' | (string & {});

/** One place a request can be sent: an instance and the model name it knows. */
export interface Target {
  /** `instance/model`. */
  readonly id: string;
  readonly instance: ProviderInstance;
  readonly model: string;
  readonly rule: DiscoveryRule;
}

/** The wire request a provider builds for one attempt. The body is serialized once, at send. */
export interface UpstreamRequest {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body: unknown;
  stream: boolean;
}

export type AttemptOutcome = 'success' | 'failure' | 'business_error' | 'rate_limited' | 'cancelled';
/**
 * Why an attempt failed. `unusable_answer`: the upstream answered with success, but the answer
 * could not be used (its decoder judged it a failure, e.g. a function call Gemini could not form,
 * or could not read it): the upstream did the work, and may bill it.
 */
export type FailureKind =
  'timeout' | 'connection' | 'status' | 'stream_broken' | 'unusable_answer' | 'client_abort' | 'hedge_lost';

/** Reported to `onResult` after every upstream attempt. */
export interface AttemptResult {
  readonly outcome: AttemptOutcome;
  readonly target: Target;
  /** 1-based attempt number within the request. */
  readonly attempt: number;
  readonly stream: boolean;
  /** Upstream HTTP status, when a response head arrived. */
  readonly status?: number;
  readonly failure?: FailureKind;
  /** Why it failed, in words; never contains credentials. */
  readonly message?: string;
  readonly latencyMs: number;
  /** Time to first token (first stream event), streaming only. */
  readonly ttftMs?: number;
  readonly usage?: Usage;
  /** Upstream Retry-After, for rate_limited outcomes. */
  readonly retryAfter?: string;
  /** The upstream's rate-limit headers (`x-ratelimit-*`, `anthropic-ratelimit-*`), for rate_limited outcomes. */
  readonly rateLimitHeaders?: Readonly<Record<string, string>>;
  /** True for an attempt started as a hedge (routing.hedge), beside one still waiting for its first byte. */
  readonly hedge?: boolean;
}

/**
 * An attempt the upstream may have worked on, and billed, past the usage it reported: the caller hung
 * up, a hedge lost, the gateway stopped waiting, an answer could not be used, or a stream broke after it began.
 */
export function unansweredAfterSending(result: AttemptResult): boolean {
  if (result.outcome === 'cancelled' || result.failure === 'timeout' || result.failure === 'unusable_answer')
    return true;
  return result.outcome !== 'success' && result.stream && result.ttftMs !== undefined;
}

/** What ends a request early from `beforeRoute`. */
export type Reply =
  | { readonly kind: 'error'; readonly error: SwitchyardError }
  | {
      readonly kind: 'json';
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'stream';
      readonly body: AsyncIterable<string | Uint8Array>;
      readonly headers?: Readonly<Record<string, string>>;
    };

export const Reply = {
  error(error: SwitchyardError): Reply {
    return { kind: 'error', error };
  },
  json(body: unknown, status = 200, headers?: Record<string, string>): Reply {
    return { kind: 'json', status, body, headers };
  },
  stream(body: AsyncIterable<string | Uint8Array>, headers?: Record<string, string>): Reply {
    return { kind: 'stream', body, headers };
  },
} as const;

/** One Server-Sent Event. */
export interface SseEvent {
  event?: string | undefined;
  data: string;
  id?: string | undefined;
}
