import { SwitchyardError } from '@switchyard/core';
import type { PluginRoute, RouteRequest } from '@switchyard/core';
import { visibleItem, visibleResponse } from '@switchyard/wire-openai-responses';
import { storeUnavailable } from './store.js';
import type { ResponseStore, StoredResponse } from './store.js';

const MAX_LIST = 100;

function notFound(id: string, why = ''): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_NOT_FOUND', `Response with id '${id}' not found.${why}`, {
    type: 'invalid_request_error',
    param: 'response_id',
  });
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A store call's result; a store that cannot be reached is the caller's 503. */
function reached<T>(call: Promise<T>): Promise<T> {
  return call.catch((err: unknown) => {
    throw storeUnavailable(err);
  });
}

/** `include` of a GET: `include[]=…` or `include=…`, repeated or not. */
function includeOf(req: RouteRequest): string[] {
  const raw = req.query['include[]'] ?? req.query.include;
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

/**
 * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items`,
 * over the caller's own kept responses (`scopeOf` names the caller of a request).
 */
export function storedResponseRoutes(
  plugin: string,
  store: ResponseStore | undefined,
  scopeOf: (req: RouteRequest) => string,
): PluginRoute[] {
  const off = ' The gateway keeps no responses (plugins.protocol-responses.store.enabled is false).';
  const load = async (req: RouteRequest) => {
    const id = req.params.id!;
    if (!store) throw notFound(id, off);
    const record = await reached(store.load(scopeOf(req), id));
    if (!record) throw notFound(id);
    return record;
  };
  return [
    {
      method: 'GET',
      path: '/v1/responses/:id',
      plugin,
      async handle(req) {
        if (one(req.query.stream) === 'true') {
          throw new SwitchyardError(
            'SWITCHYARD_ERR_UNSUPPORTED',
            'stream: a kept response is served whole (no background responses run on the gateway)',
            { param: 'stream' },
          );
        }
        const record = await load(req);
        return { body: visibleResponse(record.response, [...record.include, ...includeOf(req)]) };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/responses/:id',
      plugin,
      async handle(req) {
        const id = req.params.id!;
        if (!store) throw notFound(id, off);
        if (!(await reached(store.remove(scopeOf(req), id)))) throw notFound(id);
        return { body: { id, object: 'response.deleted', deleted: true } };
      },
    },
    {
      method: 'GET',
      path: '/v1/responses/:id/input_items',
      plugin,
      async handle(req) {
        const record = await load(req);
        return { body: inputItemsPage(record, req) };
      },
    },
  ];
}

/** The page of a kept response's input items a GET asks for (`limit`, `order`, `after`, `include`). */
function inputItemsPage(record: StoredResponse, req: RouteRequest) {
  const include = [...record.include, ...includeOf(req)];
  const limit = Math.min(MAX_LIST, Math.max(1, Number(one(req.query.limit) ?? 20) || 20));
  let items = record.input.map((item) => visibleItem(item, include));
  if (one(req.query.order) !== 'asc') items = items.reverse();
  const after = one(req.query.after);
  if (after) items = items.slice(items.findIndex((i) => i.id === after) + 1);
  const page = items.slice(0, limit);
  return {
    object: 'list',
    data: page,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
    has_more: items.length > page.length,
  };
}
