import type { IncomingHttpHeaders } from 'node:http';
import { contract, errorCode, Reply, SwitchyardError } from '@switchyard/core';
import type { Caller, Exchange, Gateway, Target } from '@switchyard/core';

export { toolModelsOf } from './tool-models.js';
export type { ToolModel } from './tool-models.js';

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

/** 503: the store keeping which key an upstream object (a container) was made for cannot be read. */
export const OWNER_STORE_UNAVAILABLE = errorCode('SWITCHYARD_ERR_OWNER_STORE_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'gateway',
  kind: 'owner_store_unavailable',
});

/**
 * Ids of upstream objects made for one gateway key (code-execution containers), kept in the gateway
 * store for `ttlMs` under `kind`: every key shares the upstream account, so a key may name only its
 * own. `noun` names them in refusals ("Container with id '…' not found.").
 */
export function keyOwnedIds(gateway: Gateway, kind: string, noun: string, ttlMs: number) {
  const keyOf = (x: Exchange, id: string): string => `${kind}:${encodeURIComponent(keptScope(x.caller))}:${id}`;
  return {
    record: (x: Exchange, id: string): Promise<void> => gateway.store.set(keyOf(x, id), 1, ttlMs),
    /**
     * A 400 naming `param` for the first id not made for the caller — the same for another key's
     * and an unknown one, so which ids exist is not told — or a 503 (`owner_store_unavailable`,
     * `Retry-After: 1`) when the store cannot tell.
     */
    async refuseForeign(x: Exchange, ids: readonly string[], param: string): Promise<Reply | undefined> {
      let owned: unknown[];
      try {
        owned = await Promise.all(ids.map((id) => gateway.store.get(keyOf(x, id))));
      } catch (err) {
        gateway.logger.warn({ err, kind, requestId: x.id }, 'owners of upstream objects unavailable');
        return Reply.error(
          new SwitchyardError(
            OWNER_STORE_UNAVAILABLE,
            `the gateway could not check the ${noun.toLowerCase()}; try again`,
            {
              expose: true,
              cause: err,
              publicCode: 'owner_store_unavailable',
              headers: { 'retry-after': '1' },
            },
          ),
        );
      }
      const foreign = ids.find((_, i) => owned[i] === undefined);
      if (foreign === undefined) return undefined;
      return Reply.error(
        new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `${noun} with id '${foreign}' not found.`, { param }),
      );
    },
  };
}
