import type { IncomingHttpHeaders } from 'node:http';
import type { PromptTooLong, SwitchyardError } from '../errors.js';
import { exchangeKey } from '../exchange.js';
import type { Exchange } from '../exchange.js';
import type { Operation, SseEvent } from '../types.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Usage } from './canonical.js';

/** What core learns from a stream while it flows, to report once at its end. */
export interface StreamObservation {
  /** Events seen so far; the first one is the commit point for failover. */
  events: number;
  /** The protocol's terminal event arrived (OpenAI `[DONE]`, Anthropic `message_stop`). */
  done: boolean;
  usage?: Usage;
  /** The upstream sent an error event. */
  error?: string;
  /** That event's error type, when it gave one (Anthropic's `overloaded_error`). */
  errorType?: string;
  /** That event refuses the prompt as too long for the model (the observer knows its API's words). */
  tooLong?: PromptTooLong;
}

/** How one inbound protocol writes and observes its own wire format. */
export interface ProtocolCodec {
  /** The wire protocol's name: a provider speaking the same one gets the caller's body through untouched. */
  readonly name: string;
  /** The JSON error body callers of this protocol expect. */
  errorBody(error: SwitchyardError): unknown;
  /**
   * An SSE error event, ending a stream that broke after it started. `obs` is the stream's
   * observation when core has it (an upstream stream), e.g. for a protocol that numbers its events.
   */
  streamError(error: SwitchyardError, obs?: StreamObservation): string;
  /** Canonical response → this protocol's response body. */
  encodeResponse(completion: ChatCompletion, x: Exchange): unknown;
  /** Canonical chunks → this protocol's SSE text, updating `obs` as they pass. */
  encodeStream(chunks: AsyncIterable<ChatCompletionChunk>, x: Exchange, obs: StreamObservation): AsyncIterable<string>;
  /**
   * Pass-through: notes usage, the end marker and error events of a same-protocol stream.
   * Returns `false` to withhold the event from the caller (usage a provider asked for on the
   * gateway's behalf, which the caller did not ask for); it still counts as observed.
   */
  observe(event: SseEvent, obs: StreamObservation, x: Exchange): boolean | void;
  /**
   * Pass-through, optional: whether observe() needs this event, judged from its raw bytes
   * (`bytes[start..end)`: its lines and the blank line ending them) before anything is decoded.
   * An event it declines is counted in `obs.events` and forwarded untouched. It must not decline
   * an event observe() would note or withhold; answering true too often only costs a decode.
   */
  wants?(bytes: Uint8Array, start: number, end: number): boolean;
  /** Pass-through: usage from a same-protocol response body, as sent (and what else `x` should note of it). */
  usageOf(body: Buffer, x: Exchange): Usage | undefined;
}

/** What decoding an inbound body gives: the canonical request (chat), and what converting to it lost. */
export interface Decoded {
  readonly request?: ChatRequest;
  /** Dropped or approximated in canonical form; reported only when an attempt goes to another protocol. */
  readonly warnings?: readonly string[];
}

/** One routed endpoint of an inbound protocol: `POST path`, through every hook to an upstream. */
export interface InboundRoute {
  /** Exact path, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly operation: Operation;
  /** Validates the parsed body (throws a 400 naming the field) and decodes it; may read headers (versions). */
  decode(body: Record<string, unknown>, headers: IncomingHttpHeaders): Decoded | Promise<Decoded>;
}

/**
 * An inbound protocol a plugin brings (`protocols` on the plugin): its routed endpoints and its
 * codec. Core serves the routes on its request path, writes the protocol's errors for them and
 * for the `paths` it claims, and passes bodies through to providers speaking the same protocol.
 */
export interface InboundProtocol extends ProtocolCodec {
  readonly routes: readonly InboundRoute[];
  /** Path prefixes whose errors (404s, auth refusals) this protocol writes. @default its route paths */
  readonly paths?: readonly string[];
}

/**
 * What converting a non-canonical inbound request to canonical form dropped or approximated.
 * Dispatch adds these to the exchange's warnings only when an attempt goes to an upstream of
 * another protocol; same-protocol pass-through loses nothing.
 */
export const INBOUND_WARNINGS = exchangeKey<readonly string[]>('inbound-warnings');
