import { SwitchyardError } from '@switchyard/core';
import type { Gateway } from '@switchyard/core';
import { keyListing } from './listing.js';
import type { KeyListing } from './listing.js';
import type { LiveKeys } from './live-keys.js';
import { checked, createBody, KEY_CONFLICT, patchBody } from './runtime-keys.js';
import type { PatchBody, RuntimeKeys, StoredKey } from './runtime-keys.js';

/** A key's secret is shown in this answer only: nothing may keep it. */
const SHOWN_ONCE = { 'cache-control': 'no-store' };

/**
 * `GET /admin/keys` lists every key (never a key, only the start of its hash); with run-time
 * keys on, `POST /admin/keys` creates one (201, the key shown once), `PATCH /admin/keys/:name`
 * changes or rotates it, `DELETE /admin/keys/:name` removes it.
 */
export function addKeyRoutes(gateway: Gateway, plugin: string, live: LiveKeys, runtime: RuntimeKeys | undefined): void {
  gateway.routes.add({
    method: 'GET',
    path: '/admin/keys',
    plugin,
    handle: () => ({ body: { runtimeKeys: runtime !== undefined, keys: live.listing(Date.now()) } }),
  });
  gateway.routes.add({
    method: 'POST',
    path: '/admin/keys',
    plugin,
    async handle(req) {
      const body = await checked(createBody, req.body ?? {});
      const { key, stored } = await managed(runtime).create(body, new Date());
      gateway.logger.info({ plugin, event: 'key_created', caller: body.name }, `gateway key "${body.name}" created`);
      return { status: 201, body: { ...shown(body.name, stored), key }, headers: SHOWN_ONCE };
    },
  });
  gateway.routes.add({
    method: 'PATCH',
    path: '/admin/keys/:name',
    plugin,
    async handle(req) {
      const name = req.params.name!;
      const patch = await checked(patchBody, req.body ?? {});
      const { key, stored } = await managed(runtime).update(name, patch, new Date());
      const what = changedFields(patch);
      gateway.logger.info(
        { plugin, event: 'key_changed', caller: name, fields: what },
        `gateway key "${name}" changed: ${what.join(', ')}`,
      );
      return {
        body: { ...shown(name, stored), ...(key === undefined ? {} : { key }) },
        ...(key === undefined ? {} : { headers: SHOWN_ONCE }),
      };
    },
  });
  gateway.routes.add({
    method: 'DELETE',
    path: '/admin/keys/:name',
    plugin,
    async handle(req) {
      const name = req.params.name!;
      await managed(runtime).remove(name);
      gateway.logger.info({ plugin, event: 'key_deleted', caller: name }, `gateway key "${name}" deleted`);
      return { body: { deleted: name } };
    },
  });
}

/** The run-time keys, or the 409 saying why keys cannot be changed here. */
function managed(runtime: RuntimeKeys | undefined): RuntimeKeys {
  if (runtime) return runtime;
  throw new SwitchyardError(
    KEY_CONFLICT,
    'keys are read-only here: run-time keys need a persistent store (store.type: redis) and configured keys, or plugins.auth.runtimeKeys: true',
    { publicCode: 'runtime_keys_off' },
  );
}

/** A run-time key as the listing shows it. */
function shown(name: string, stored: StoredKey): KeyListing {
  return keyListing([{ ...stored, name, source: 'runtime' }])(Date.now())[0]!;
}

/** What a PATCH changed, for the log: its fields, with a new `key` logged as a rotation. */
function changedFields(patch: PatchBody): string[] {
  return Object.keys(patch)
    .filter((f) => f !== 'key')
    .concat(patch.key !== undefined && !patch.rotate ? ['rotate'] : []);
}
