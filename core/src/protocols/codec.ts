import type { SwitchyardError } from '../errors.js';
import { exchangeKey } from '../exchange.js';
import type { Exchange } from '../exchange.js';
import type { SseEvent } from '../types.js';
import type { ChatCompletion, ChatCompletionChunk, Usage } from './canonical.js';

/** What core learns from a stream while it flows, to report once at its end. */
export interface StreamObservation {
  /** Events seen so far; the first one is the commit point for failover. */
  events: number;
  /** The protocol's terminal event arrived (OpenAI `[DONE]`, Anthropic `message_stop`). */
  done: boolean;
  usage?: Usage;
  /** The upstream sent an error event. */
  error?: string;
}

/** How one inbound protocol reads, writes and observes its own wire format. */
export interface ProtocolCodec {
  readonly name: string;
  /** The JSON error body callers of this protocol expect. */
  errorBody(error: SwitchyardError): unknown;
  /** An SSE error event, ending a stream that broke after it started. */
  streamError(error: SwitchyardError): string;
  /** Canonical response → this protocol's response body. */
  encodeResponse(completion: ChatCompletion, x: Exchange): unknown;
  /** Canonical chunks → this protocol's SSE text, updating `obs` as they pass. */
  encodeStream(chunks: AsyncIterable<ChatCompletionChunk>, x: Exchange, obs: StreamObservation): AsyncIterable<string>;
  /** Pass-through: notes usage, the end marker and error events of a same-protocol stream. */
  observe(event: SseEvent, obs: StreamObservation): void;
  /** Pass-through: usage from a same-protocol response body. */
  usageOf(body: unknown): Usage | undefined;
}

/**
 * What converting a non-canonical inbound request (e.g. Anthropic) to canonical form dropped or
 * approximated. Dispatch adds these to the exchange's warnings only when an attempt goes to an
 * upstream of another protocol; same-protocol pass-through loses nothing.
 */
export const INBOUND_WARNINGS = exchangeKey<readonly string[]>('inbound-warnings');
