import type { IncomingHttpHeaders } from 'node:http';
import { contract } from '@switchyard/core';
import type { Caller, Target } from '@switchyard/core';

/**
 * Who is calling a route that runs no hooks (a plugin's `/v1/*` route): the caller of a valid
 * gateway key in these headers, else undefined. Provided while the auth plugin has keys; a plugin
 * that keeps per-caller data (stored responses) scopes its routes with it.
 */
export const CALLER_OF = contract<(headers: IncomingHttpHeaders, url: string) => Caller | undefined>('auth:caller-of');

/**
 * What the gateway key in these headers may use, for answers given without routing (the model
 * listing, a count_tokens estimate): whether `model`, as requested, may reach `target` (one it
 * resolves to) under the key's model and provider allow-lists, as routing applies them; without
 * a target, whether the name itself is allowed. Undefined for headers without a valid key.
 */
export const KEY_ACCESS =
  contract<(headers: IncomingHttpHeaders, url: string) => KeyAllows | undefined>('auth:key-access');

export type KeyAllows = (model: string, target?: Target) => boolean;

/** What data kept for a caller (stored responses, per-key cache entries) is filed under; '' without gateway keys. */
export function keptScope(caller: Caller | undefined): string {
  return caller ? (caller.scope ?? caller.name) : '';
}
