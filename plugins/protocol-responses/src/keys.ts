import { exchangeKey } from '@switchyard/core';
import type { ChatCompletion } from '@switchyard/core/protocol';
import type { ResponseObject } from '@switchyard/wire-openai-responses';

/** What the plugin decided for one Responses request, in beforeRoute. */
export interface Turn {
  /** The caller scope responses are kept under: the gateway key's name ('' without keys). */
  readonly scope: string;
  /** The response is kept once answered. */
  readonly store: boolean;
  /** The caller's previous_response_id, echoed in the answer (its conversation is already in the input). */
  readonly previousResponseId?: string;
  /** Seconds since the epoch: the response's created_at. */
  readonly createdAt: number;
}

export const TURN = exchangeKey<Turn>('protocol-responses:turn');

/** The id of the response a converted answer gets (an upstream speaking Responses brings its own). */
export const RESPONSE_ID = exchangeKey<string>('protocol-responses:id');

/** The response object served (whole: reasoning sealed in encrypted_content), and the completion it was made from. */
export interface Served {
  readonly response: ResponseObject;
  readonly completion?: ChatCompletion;
  /** Set once it was kept (or refused for its size). */
  saved?: boolean;
}

export const SERVED = exchangeKey<Served>('protocol-responses:served');
