import type { IncomingHttpHeaders } from 'node:http';
import type Router from '@koa/router';
import { SwitchyardError } from '../errors.js';
import { readJsonRequest } from './body.js';
import { setBody } from './koa-body.js';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  readonly headers: IncomingHttpHeaders;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** Path parameters (`/admin/keys/:name` → `{ name }`). */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body (POST/PUT/PATCH with a body), else undefined. */
  readonly body: unknown;
  /** Path and query string, as sent. */
  readonly url: string;
}

export interface RouteReply {
  status?: number;
  /** JSON-serialized unless a string or a Buffer (sent as is, with `headers`' content-type if given). */
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Who may call a route: `admin` (the default) needs the admin key (loopback callers only
 * without an auth plugin); `caller` needs what a routed request needs (a gateway key when the
 * auth plugin has keys), for endpoints beside a protocol's routed ones (`GET /v1/models`);
 * `public` needs nothing, like /health; `page` is for a page that holds no data and asks for
 * the admin key itself: anyone may load it while an auth plugin guards admin routes, loopback
 * callers only while none does. Routes under /admin/ are `admin`; under /v1/, `caller`.
 */
export type RouteAccess = 'admin' | 'caller' | 'public' | 'page';

export interface PluginRoute {
  readonly method: RouteMethod;
  /** `:name` segments become params. Under /admin/: admin access; under /v1/: caller access; elsewhere the access must be said. */
  readonly path: string;
  readonly access?: RouteAccess;
  /** The plugin that owns it, for logs and duplicate checks. */
  readonly plugin: string;
  handle(req: RouteRequest): RouteReply | Promise<RouteReply>;
}

/** Who may use /admin/*: set by an auth plugin. */
export type AdminAuthorizer = (headers: IncomingHttpHeaders) => 'ok' | 'unauthorized' | 'forbidden';

/** Set by an auth plugin (gateway.security): whether callers need a key, who may use admin routes. */
export interface GatewaySecurity {
  /** True when callers must present a gateway key; without it the gateway binds loopback only. */
  authenticatesCallers: boolean;
  /** Decides access to /admin/*; without it, admin routes answer loopback callers only. */
  authorizeAdmin?: AdminAuthorizer;
  /**
   * Checks callers of /v1/* routes that run no hooks (GET /v1/models): the error to answer
   * with, or undefined to let the caller in. Routed requests are checked in beforeRoute.
   */
  authorizeCaller?: (headers: IncomingHttpHeaders, url: string) => SwitchyardError | undefined;
  /**
   * True for a caller name the auth plugin configured. Metrics and logs use it to keep label
   * values to configured names; without it, only names under config `plugins.auth.keys` count.
   */
  isKnownCaller?: (name: string) => boolean;
}

/** How a mounted route learns who may call it, read per request (an auth plugin sets it in apply). */
export interface RouteGuards {
  admin(): AdminAuthorizer | undefined;
  caller(headers: IncomingHttpHeaders, url: string): SwitchyardError | undefined;
}

const CORE_PATHS = /^\/(health|ready)$/;

/** Routes plugins serve beside the routed protocol endpoints: registered in apply(), mounted once at startup. */
export class PluginRoutes {
  readonly #routes: PluginRoute[] = [];
  #sealed = false;

  add(route: PluginRoute): void {
    const refuse = (why: string): never => {
      throw new SwitchyardError(
        'SWITCHYARD_ERR_PLUGIN_APPLY',
        `route ${route.method} ${route.path} of plugin "${route.plugin}": ${why}`,
      );
    };
    if (this.#sealed)
      throw new SwitchyardError('SWITCHYARD_ERR_HOOKS_SEALED', `plugin "${route.plugin}" added a route after listen()`);
    if (!route.path.startsWith('/') || CORE_PATHS.test(route.path)) refuse('core serves /health and /ready');
    const access =
      accessOf(route) ??
      refuse("a path outside /admin/ and /v1/ must declare its access: 'public', 'page', 'caller' or 'admin'");
    if (route.path.startsWith('/admin/') && access !== 'admin') refuse('routes under /admin/ need the admin key');
    if (route.path.startsWith('/v1/') && access !== 'caller') refuse('routes under /v1/ are for callers');
    const clash = this.#routes.find((r) => r.method === route.method && r.path === route.path);
    if (clash)
      throw new SwitchyardError(
        'SWITCHYARD_ERR_PLUGIN_DUPLICATE',
        `${route.method} ${route.path} is already served by plugin "${clash.plugin}"`,
      );
    this.#routes.push(route);
  }

  list(): readonly PluginRoute[] {
    return this.#routes;
  }

  /** @internal Mounts every route behind its guard. */
  mount(router: Router, guards: RouteGuards, bodyLimit: string): void {
    this.#sealed = true;
    for (const route of this.#routes) {
      const access = accessOf(route)!;
      router.register(route.path, [route.method], async (ctx) => {
        const refused =
          access === 'caller'
            ? guards.caller(ctx.req.headers, ctx.url)
            : refusal(access, guards.admin(), ctx.req.headers, ctx.req.socket.remoteAddress);
        if (refused) throw refused;
        const body =
          route.method !== 'GET' && route.method !== 'DELETE' && hasBody(ctx.req.headers)
            ? (await readJsonRequest(ctx.req, bodyLimit)).body
            : undefined;
        const reply = await route.handle({
          headers: ctx.req.headers,
          query: ctx.query,
          params: ctx.params as Record<string, string>,
          body,
          url: ctx.url,
        });
        ctx.status = reply.status ?? 200;
        if (reply.headers) ctx.set(reply.headers);
        setBody(ctx, reply.body);
      });
    }
  }
}

function accessOf(route: PluginRoute): RouteAccess | undefined {
  return (
    route.access ?? (route.path.startsWith('/admin/') ? 'admin' : route.path.startsWith('/v1/') ? 'caller' : undefined)
  );
}

/** Admin access: the authorizer's verdict; without one, loopback callers only. Pages: anyone while admin routes are guarded. */
function refusal(
  access: RouteAccess,
  authorizer: AdminAuthorizer | undefined,
  headers: IncomingHttpHeaders,
  peer: string | undefined,
): SwitchyardError | undefined {
  if (access === 'public') return undefined;
  // A page asks for the admin key itself: anyone may load it once an authorizer guards admin routes.
  const verdict = authorizer
    ? access === 'page'
      ? 'ok'
      : authorizer(headers)
    : isLoopbackPeer(peer)
      ? 'ok'
      : 'forbidden';
  if (verdict === 'unauthorized')
    return new SwitchyardError('SWITCHYARD_ERR_UNAUTHORIZED', 'admin endpoints need an admin key', {
      publicCode: 'invalid_admin_key',
    });
  if (verdict === 'forbidden') {
    const why = authorizer
      ? 'this key is not an admin key'
      : 'no admin keys are configured: admin endpoints answer loopback callers only';
    return new SwitchyardError('SWITCHYARD_ERR_FORBIDDEN', why, { publicCode: 'admin_forbidden' });
  }
  return undefined;
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  return (
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0')
  );
}

function isLoopbackPeer(address: string | undefined): boolean {
  return (
    address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))
  );
}
