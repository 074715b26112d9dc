import { exchangeKey } from '@switchyard/core';
import type { ResponseObject, ResponsesRequest } from './types.js';

/**
 * The response object a Responses upstream sent, as received, set by the provider that decoded
 * it (a non-stream body, or a stream's last event) when the exchange asked for the served answer
 * (`x.captureResponse`). The Responses protocol keeps it whole for previous_response_id and GET.
 */
export const UPSTREAM_RESPONSE = exchangeKey<ResponseObject>('openai-responses:upstream-response');

/**
 * A follow-up the gateway expanded (its previous response's conversation put in `input`) whose
 * previous response an upstream instance keeps too: it was passed through to that instance with
 * `store` on. An attempt on that same instance may send the caller's own `previous_response_id`
 * and `input` instead, so that the upstream continues its own conversation (and echoes the id).
 */
export interface Continuation {
  /** The instance (config name) that answered, and keeps, the previous response. */
  readonly instance: string;
  readonly previousResponseId: string;
  /** The caller's input, before expansion. */
  readonly input: ResponsesRequest['input'];
}

export const CONTINUATION = exchangeKey<Continuation>('openai-responses:continuation');
