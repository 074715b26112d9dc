import { SwitchyardError } from './errors.js';
import type { PromptTooLong } from './errors.js';
import type { Exchange } from './exchange.js';
import type { ChatCompletion, ChatCompletionChunk, EmbeddingsResponse } from './protocols/canonical.js';
import type { UpstreamClient } from './upstream/client.js';
import type { AttemptOutcome, Operation, ProviderInstance, SseEvent, Target } from './types.js';

/** What an upstream error response means, as a provider reads it. */
export interface UpstreamErrorInfo {
  outcome: Exclude<AttemptOutcome, 'success' | 'cancelled'>;
  message: string;
  type?: string;
  code?: string;
  param?: string;
  /** A business error refusing the prompt as longer than the model's window: the caller gets `context_length_exceeded`. */
  tooLong?: PromptTooLong;
}

/**
 * What a provider plugin declares for its type (`providers: [{ type, adapter }]`).
 * Request building is not here: the plugin taps `convertRequest.for(type)` at ConvertStage.BUILD.
 */
export interface ProviderAdapter {
  /**
   * The wire protocol the upstream speaks. When a caller speaks the same one, request,
   * response and stream pass through untouched (except model and credentials).
   */
  readonly protocol: string;
  /**
   * The wire protocol one attempt speaks, when it depends on the target or on the caller's
   * protocol (`inbound`): e.g. Claude on Bedrock speaks `anthropic` (InvokeModel) to Anthropic
   * callers and Converse to others. Pass-through happens when it equals the caller's protocol;
   * build, decodeResponse and decodeStream read the same target (`x.target`) to match. Given the
   * exchange `x`, the protocol its request is sent in when that depends on what it asks (an OpenAI
   * instance sends another protocol's web search over the Responses API).
   * @default the adapter's `protocol`
   */
  protocolFor?(target: Target, inbound: string, x?: Exchange): string;
  /**
   * How this upstream frames a stream when it is not SSE (e.g. Bedrock's binary
   * `application/vnd.amazon.eventstream`): the response body → the events of the protocol the
   * attempt speaks. Core reads them instead of parsing SSE, for converted streams (into
   * decodeStream) and for same-protocol pass-through (each event re-framed as SSE). Throwing ends
   * the stream: before its first event the attempt fails (`rate_limited` when the error's code is
   * SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED, else `failure`), after it the caller gets the stream error event.
   * @default SSE parsing
   */
  readEvents?(body: AsyncIterable<Uint8Array>, x: Exchange): AsyncIterable<SseEvent>;
  /** Operations this type serves. @default ['chat'] */
  readonly operations?: readonly Operation[];
  /** Model-name prefixes this type claims, for instances that list no models. */
  readonly modelPrefixes?: readonly string[];
  /**
   * The object schema of this type's own instance fields (required ones, fields that go
   * together included); core checks them with every other config problem and fills their
   * defaults. A TypeBox `Type.Object`, the one @switchyard/wire-provider's `instanceOptions()`
   * reads. Unset: no fields of its own.
   */
  readonly instanceSchema?: Record<string, unknown>;
  /** Success body → canonical response; used when the caller's protocol differs. */
  decodeResponse(body: unknown, x: Exchange): ChatCompletion;
  /**
   * Upstream SSE events → canonical chunks; used when the caller's protocol differs. Throwing ends
   * the stream as a failure, except a SwitchyardError with `tooLong` (an error event refusing the
   * prompt as too long for the model), which is the caller's error.
   */
  decodeStream(events: AsyncIterable<SseEvent>, x: Exchange): AsyncIterable<ChatCompletionChunk>;
  /**
   * Embeddings success body → the canonical (OpenAI) embeddings list; used when the upstream
   * protocol differs from the caller's. Required for types that serve `embeddings` and do not
   * speak the OpenAI protocol.
   */
  decodeEmbeddings?(body: unknown, x: Exchange): EmbeddingsResponse;
  /**
   * Reads an error response. Core's default: 429 rate limited; 5xx, 408 and 401 failure; other 4xx
   * business error. Only the adapter knows its API's words for a prompt too long: it says so in `tooLong`.
   */
  classifyError?(status: number, body: string): UpstreamErrorInfo;
  /** Lists the models an instance serves (a GET; never a billed call). */
  listModels?(instance: ProviderInstance, http: UpstreamClient): Promise<string[]>;
  /** listModels() with what the listing says of each model; model discovery prefers it. */
  describeModels?(instance: ProviderInstance, http: UpstreamClient): Promise<ListedModel[]>;
}

/**
 * A listed model and what the listing tells of it (e.g. an OpenAI-compatible `context_length`
 * as `contextWindow`), in the shape of a model table entry; core does not read it.
 */
export interface ListedModel {
  readonly id: string;
  readonly info?: Readonly<Record<string, unknown>>;
}

/** A provider type a plugin declares (`providers` on the plugin; @switchyard/wire-provider's providerPlugin() does it). */
export interface ProviderType {
  readonly type: string;
  readonly adapter: ProviderAdapter;
}

/** The provider types of one gateway generation, declared by its plugins. Never module-global. */
export class ProviderRegistry {
  readonly #adapters = new Map<string, ProviderAdapter>();

  /** @internal the builder defines the types plugins declare (checked unique there) */
  define(type: string, adapter: ProviderAdapter): void {
    this.#adapters.set(type, adapter);
  }

  get(type: string): ProviderAdapter | undefined {
    return this.#adapters.get(type);
  }

  require(type: string): ProviderAdapter {
    const adapter = this.#adapters.get(type);
    if (!adapter) {
      throw new SwitchyardError('SWITCHYARD_ERR_PROVIDER_UNKNOWN_TYPE', `no provider plugin defines type "${type}"`);
    }
    return adapter;
  }

  types(): string[] {
    return [...this.#adapters.keys()];
  }

  /**
   * The wire protocol `target`'s upstream is spoken in for a caller of `inbound` (for exchange `x`'s
   * request, when given: ProviderAdapter.protocolFor); undefined for a type no plugin defines.
   */
  protocolFor(target: Target, inbound: string, x?: Exchange): string | undefined {
    const adapter = this.#adapters.get(target.instance.type);
    return adapter?.protocolFor ? adapter.protocolFor(target, inbound, x) : adapter?.protocol;
  }
}

/** Core's reading of an upstream error status and body. */
export function defaultClassifyError(status: number, body: string): UpstreamErrorInfo {
  // 401 means the gateway's own credential for that instance is wrong: the caller cannot fix
  // it, another instance may serve, and a 401 passed on would read as "your gateway key is bad".
  const outcome: UpstreamErrorInfo['outcome'] =
    status === 429 ? 'rate_limited' : status >= 500 || status === 408 || status === 401 ? 'failure' : 'business_error';
  const info: UpstreamErrorInfo = { outcome, message: `upstream answered ${status}` };
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const error = (typeof json.error === 'object' && json.error !== null ? json.error : json) as Record<
      string,
      unknown
    >;
    if (typeof error.message === 'string' && error.message) info.message = error.message;
    if (typeof error.type === 'string') info.type = error.type;
    if (typeof error.code === 'string') info.code = error.code;
    if (typeof error.param === 'string') info.param = error.param;
  } catch {
    const text = body.trim();
    if (text) info.message = text.slice(0, 500);
  }
  return info;
}
