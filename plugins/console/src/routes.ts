import { SwitchyardError } from '@switchyard/core';
import type { RouteReply, RouteRequest, Gateway } from '@switchyard/core';
import { isFresh, SECURITY_HEADERS } from './assets.js';
import type { Asset, ConsoleAssets } from './assets.js';
import type { ConsoleOptions } from './options.js';
import type { RequestTail } from './tail.js';
import type { TrafficWindow } from './traffic.js';

export interface ConsoleState {
  readonly plugin: string;
  readonly options: ConsoleOptions;
  readonly traffic: TrafficWindow;
  readonly tail: RequestTail;
  /** The built page and files, read at the first request for one (undefined: never built). */
  readonly assets: () => ConsoleAssets | undefined;
}

/** Admin JSON is live data: never stored by a cache. */
const NO_STORE = { 'cache-control': 'no-store' };

/**
 * The page and its files at `options.path` (access `page`: open while admin keys guard the
 * data, loopback only otherwise — they hold no data), and its data as admin JSON:
 * GET /admin/console/traffic and GET /admin/console/requests.
 */
export function addConsoleRoutes(gateway: Gateway, state: ConsoleState): void {
  const { plugin, options, traffic, tail, assets } = state;
  const page = (req: RouteRequest): RouteReply => {
    const built = assets();
    if (!built) {
      return {
        status: 503,
        body: 'The Switchyard console was not built: run `npm run build` (or `npm ci`) in the Switchyard checkout.\n',
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS },
      };
    }
    return send(built.page, req);
  };
  gateway.routes.add({ method: 'GET', path: options.path, plugin, access: 'page', handle: page });
  gateway.routes.add({
    method: 'GET',
    path: `${options.path}/assets/:file`,
    plugin,
    access: 'page',
    handle: (req) => {
      const file = assets()?.files.get(req.params.file ?? '');
      if (!file)
        throw new SwitchyardError('SWITCHYARD_ERR_NOT_FOUND', 'no such console file', { publicCode: 'not_found' });
      return send(file, req);
    },
  });
  gateway.routes.add({
    method: 'GET',
    path: '/admin/console/traffic',
    plugin,
    handle: () => ({ body: { ...traffic.snapshot(), refreshMs: options.refreshMs }, headers: NO_STORE }),
  });
  gateway.routes.add({
    method: 'GET',
    path: '/admin/console/requests',
    plugin,
    handle: (req) => ({
      body: { ...tail.list(count(req, 'after', 0), count(req, 'limit', tail.max)), refreshMs: options.refreshMs },
      headers: NO_STORE,
    }),
  });
}

function send(asset: Asset, req: RouteRequest): RouteReply {
  const headers = {
    'content-type': asset.type,
    'cache-control': asset.cacheControl,
    etag: asset.etag,
    ...SECURITY_HEADERS,
  };
  if (isFresh(asset, req.headers['if-none-match'])) return { status: 304, body: null, headers };
  return { body: asset.body, headers };
}

function count(req: RouteRequest, name: string, fallback: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(value) || value < 0) {
    throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `${name}: must be a whole number ≥ 0`, {
      param: name,
      publicCode: 'invalid_request',
    });
  }
  return value;
}
