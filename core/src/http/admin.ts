import type { IncomingHttpHeaders } from 'node:http';
import type Router from '@koa/router';
import { SwitchyardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { openaiCodec } from '../protocols/openai.js';
import { readJsonBody } from './body.js';
import { sendError } from './respond.js';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface AdminRequest {
  readonly headers: IncomingHttpHeaders;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** Path parameters (`/admin/keys/:name` → `{ name }`). */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body (POST/PUT with a body), else undefined. */
  readonly body: unknown;
}

export interface AdminReply {
  status?: number;
  /** JSON-serialized unless a string or a Buffer (sent as is, with `headers`' content-type if given). */
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Who may call a route: `admin` (the default) needs the admin key (loopback only without
 * one); `public` needs nothing, like /health; `page` is for a page that holds no data and
 * asks for the admin key itself (a browser cannot send one when it navigates): anyone may
 * load it while an auth plugin guards the admin routes, loopback callers only while none does.
 * Only paths outside /admin/ may be public or page.
 */
export type RouteAccess = 'admin' | 'public' | 'page';

export interface AdminRoute {
  readonly method: AdminMethod;
  /**
   * Under `/admin/`, e.g. `/admin/routes`; `:name` segments become params. A path outside
   * /admin/ (e.g. `/metrics`) must say its `access`, and may not shadow /v1/, /health or /ready.
   */
  readonly path: string;
  /** @default 'admin' */
  readonly access?: RouteAccess;
  /** The plugin that owns it, for logs and duplicate checks. */
  readonly plugin: string;
  handle(req: AdminRequest): AdminReply | Promise<AdminReply>;
}

/** Who may use /admin/*: set by an auth plugin. */
export type AdminAuthorizer = (headers: IncomingHttpHeaders) => 'ok' | 'unauthorized' | 'forbidden';

/** Paths core serves itself; a plugin route may not take them. */
const CORE_PATHS = /^\/(v1(\/|$)|health$|ready$)/;

/**
 * Routes plugins contribute, registered in apply() and mounted once at startup: under /admin/
 * behind the admin key, or elsewhere (`/metrics`) with an explicit access.
 */
export class AdminRoutes {
  readonly #routes: AdminRoute[] = [];
  #sealed = false;

  add(route: AdminRoute): void {
    if (this.#sealed) throw new SwitchyardError('SWITCHYARD_ERR_HOOKS_SEALED', `plugin "${route.plugin}" added an admin route after listen()`);
    const underAdmin = route.path.startsWith('/admin/');
    if (underAdmin && (route.access === 'public' || route.access === 'page')) throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_APPLY', `route ${route.path} of plugin "${route.plugin}": routes under /admin/ cannot be ${route.access}`);
    if (!underAdmin && route.access === undefined) throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_APPLY', `admin route ${route.path} of plugin "${route.plugin}" must start with /admin/ (or declare its access: 'public', 'page' or 'admin')`);
    if (!route.path.startsWith('/') || CORE_PATHS.test(route.path)) throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_APPLY', `route ${route.path} of plugin "${route.plugin}" is not a path a plugin may serve (core serves /v1/, /health, /ready)`);
    const clash = this.#routes.find((r) => r.method === route.method && r.path === route.path);
    if (clash) throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_DUPLICATE', `${route.method} ${route.path} is already served by plugin "${clash.plugin}"`);
    this.#routes.push(route);
  }

  list(): readonly AdminRoute[] {
    return this.#routes;
  }

  /** @internal Mounts every route behind the authorizer; without one, only loopback callers get in. */
  mount(router: Router, authorize: () => AdminAuthorizer | undefined, bodyLimit: string, logger: Logger): void {
    this.#sealed = true;
    for (const route of this.#routes) {
      router.register(route.path, [route.method], async (ctx) => {
        try {
          const authorizer = authorize();
          const open = route.access === 'public' || (route.access === 'page' && authorizer !== undefined);
          const verdict = open ? 'ok' : authorizer ? authorizer(ctx.req.headers) : isLoopbackPeer(ctx.req.socket.remoteAddress) ? 'ok' : 'forbidden';
          if (verdict === 'unauthorized') throw new SwitchyardError('SWITCHYARD_ERR_UNAUTHORIZED', 'admin endpoints need an admin key', { publicCode: 'invalid_admin_key' });
          if (verdict === 'forbidden') {
            const why = authorizer ? 'this key is not an admin key' : 'no admin keys are configured: admin endpoints answer loopback callers only';
            throw new SwitchyardError('SWITCHYARD_ERR_FORBIDDEN', why, { publicCode: 'admin_forbidden' });
          }
          const body = (route.method === 'POST' || route.method === 'PUT') && hasBody(ctx.req.headers) ? await readJsonBody(ctx.req, bodyLimit) : undefined;
          const reply = await route.handle({ headers: ctx.req.headers, query: ctx.query, params: ctx.params as Record<string, string>, body });
          ctx.status = reply.status ?? 200;
          if (reply.headers) ctx.set(reply.headers);
          ctx.body = reply.body;
        } catch (err) {
          sendError(ctx, openaiCodec, err, logger);
        }
      });
    }
  }
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

function isLoopbackPeer(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}
