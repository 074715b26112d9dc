import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type KoaApp from 'koa';
import type KoaRouter from '@koa/router';
import { requireCjs } from '../cjs.js';
import { SwitchyardError, toSwitchyardError } from '../errors.js';
import type { SwitchyardConfig } from '../config/schema.js';
import type { GatewayHooks } from '../hooks.js';
import type { Logger } from '../logger.js';
import type { ProviderRegistry } from '../providers.js';
import type { ReadinessChecks } from '../readiness.js';
import type { UpstreamClient } from '../upstream/client.js';
import type { OpenStreams } from './open-streams.js';
import type { GatewaySecurity, PluginRoutes } from './routes.js';
import { errorObject } from '../protocols/registry.js';
import type { ProtocolRegistry } from '../protocols/registry.js';
import { TtftTracker } from '../routing/latency.js';
import { FailoverPolicies } from '../routing/policy.js';
import { allowedHosts, guardRequest, guardSettings } from './request-guard.js';
import type { GuardSettings } from './request-guard.js';
import { ResponseHead } from './head.js';
import { requestUuid } from './request-id.js';
import { serveRouted } from './routed.js';
import type { RoutedDeps } from './routed.js';
import { totalTiming } from './timing.js';
import { writeError } from './writer.js';
import { setBody } from './koa-body.js';

const Koa = requireCjs('koa') as typeof KoaApp;
type Koa = KoaApp;
const Router = requireCjs('@koa/router') as typeof KoaRouter;

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longer paths are cut in log lines. */
const MAX_LOGGED_PATH = 256;

/** What the request listener reads of its gateway generation. */
export interface HandlerHost {
  readonly config: SwitchyardConfig;
  readonly logger: Logger;
  readonly hooks: GatewayHooks;
  readonly protocols: ProtocolRegistry;
  readonly providers: ProviderRegistry;
  readonly http: UpstreamClient;
  readonly routes: PluginRoutes;
  readonly readiness: ReadinessChecks;
  readonly security: GatewaySecurity;
  readonly openStreams: OpenStreams;
  readonly draining: boolean;
  readonly boundHost: string | undefined;
  keep<T>(plugin: string, key: string, create: () => T): T;
}

/**
 * The gateway's request listener, built once per generation. Every request gets its id and the
 * Host/Origin/content-type guard; a protocol's routed endpoints are served straight on the
 * response (the hot path); everything else — /health, /ready, plugin routes — goes through Koa.
 */
export function createHandler(gateway: HandlerHost): RequestListener {
  const { logger, protocols, hooks } = gateway;
  const policies = new FailoverPolicies(gateway.config.routing);
  const deps: RoutedDeps = {
    hooks,
    providers: gateway.providers,
    http: gateway.http,
    logger,
    policies,
    // Recorded once some policy hedges (a request's overrides may turn it on); they outlive a reload: hedging keeps its p95s.
    latency: gateway.keep('switchyard', 'ttft', () => new TtftTracker()),
    bodyLimit: gateway.config.server.bodyLimit,
    timing: gateway.config.server.timing,
    streams: gateway.openStreams,
  };
  const koa = createKoa(gateway).callback();
  const timing = gateway.config.server.timing;
  let guard: { bound: string | undefined; settings: GuardSettings } | undefined;

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = timing ? performance.now() : 0;
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : requestUuid();
    const path = pathOf(req.url ?? '/');
    if (!guard || guard.bound !== gateway.boundHost) {
      const { allowedHosts: configured, allowedOrigins } = gateway.config.server;
      guard = {
        bound: gateway.boundHost,
        settings: guardSettings(
          allowedHosts(configured, gateway.boundHost, gateway.security.authenticatesCallers),
          allowedOrigins,
        ),
      };
    }
    const refused = guardRequest(guard.settings, req.method ?? 'GET', path, req.headers);
    const routed = refused === undefined && req.method === 'POST' ? protocols.route(path) : undefined;
    // Draining: keep-alive connections end after their current response.
    if (routed) {
      const head = new ResponseHead(requestId, gateway.draining);
      return void serveRouted(deps, routed.protocol, routed.route, requestId, head, req, res);
    }
    res.setHeader('x-request-id', requestId);
    if (gateway.draining) res.setHeader('connection', 'close');
    if (refused) {
      if (timing) res.setHeader('server-timing', totalTiming(started));
      logRefused(logger, requestId, req.method, path, refused);
      return writeError(res, refused, { errorBody: errorBodyFor(protocols, path) }, logger, requestId);
    }
    void koa(req, res);
  };
}

/**
 * The path of a request target, as the router reads it: an absolute-form target
 * (`POST http://host/admin/reload`) by its pathname, so the guard checks the path that is served.
 */
function pathOf(url: string): string {
  if (url.charCodeAt(0) !== 47 /* '/' */) return URL.canParse(url) ? new URL(url).pathname : url;
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/**
 * The request line of a request refused outside the routed endpoints (unknown path or method,
 * the Host/Origin/content-type guard, a plugin route's error), which no routed line covers.
 */
function logRefused(
  logger: Logger,
  requestId: string,
  method: string | undefined,
  path: string,
  error: SwitchyardError,
): void {
  const level = error.status >= 500 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      requestId,
      method,
      path: path.slice(0, MAX_LOGGED_PATH),
      status: error.status,
      errorCode: error.code,
      error: error.message,
    },
    'request',
  );
}

/** The error body of a path: its protocol's, else `{"error":{...}}`. */
function errorBodyFor(protocols: ProtocolRegistry, path: string): (error: SwitchyardError) => unknown {
  const codec = protocols.codecFor(path);
  return codec ? codec.errorBody.bind(codec) : (error) => ({ error: errorObject(error) });
}

/** `/v1` + path when that route serves this method and path is not under /v1 already (a base URL without /v1). */
function underV1(router: KoaRouter, method: string, path: string): string | undefined {
  if (path.startsWith('/v1/')) return undefined;
  const v1 = `/v1${path}`;
  return router.match(v1, method).route ? v1 : undefined;
}

/** Koa for what is not a routed endpoint: /health, /ready and every plugin route, with 404/405 in the path's protocol. */
function createKoa(gateway: HandlerHost): Koa {
  const app = new Koa();
  // Case-sensitive like the guard and the routed endpoints: /ADMIN/reload is no route, not a way past them.
  const router = new Router({ sensitive: true });
  const { logger, protocols } = gateway;
  const timing = gateway.config.server.timing;
  app.silent = true;
  app.use(async (ctx, next) => {
    const started = timing ? performance.now() : 0;
    let servedAt: string | undefined;
    try {
      await next();
      if (ctx.body === undefined && (ctx.status === 404 || ctx.status === 405)) {
        servedAt = ctx.status === 404 ? underV1(router, ctx.method, ctx.path) : undefined;
        const allowed = ctx.status === 405 ? ` (allowed: ${ctx.response.get('allow')})` : '';
        const hint = servedAt ? `: it is served at ${servedAt} (does the client's base URL end in /v1?)` : '';
        throw new SwitchyardError(
          'SWITCHYARD_ERR_NOT_FOUND',
          `no route for ${ctx.method} ${ctx.path}${allowed}${hint}`,
          {
            status: ctx.status,
            publicCode: ctx.status === 405 ? 'method_not_allowed' : 'not_found',
          },
        );
      }
    } catch (err) {
      ctx.respond = false;
      if (timing && !ctx.headerSent) ctx.res.setHeader('server-timing', totalTiming(started));
      const requestId = String(ctx.res.getHeader('x-request-id'));
      logRefused(logger, requestId, ctx.method, ctx.path, toSwitchyardError(err));
      // A client whose base URL lacks /v1 reads the error in the protocol it speaks.
      const errorBody = errorBodyFor(protocols, servedAt ?? ctx.path);
      return writeError(ctx.res, err, { errorBody }, logger, requestId);
    }
    if (timing && !ctx.headerSent && !ctx.response.get('server-timing')) ctx.set('server-timing', totalTiming(started));
  });
  router.get('/health', (ctx) => {
    setBody(ctx, { status: 'ok' });
  });
  router.get('/ready', (ctx) => {
    const problems = gateway.draining ? [] : gateway.readiness.problems();
    const ready = !gateway.draining && problems.length === 0;
    ctx.status = ready ? 200 : 503;
    setBody(
      ctx,
      ready ? { status: 'ready' } : gateway.draining ? { status: 'draining' } : { status: 'not_ready', problems },
    );
  });
  // A routed endpoint answers other methods with 405, as any route does.
  for (const name of protocols.names())
    for (const { path } of protocols.get(name)!.routes) router.post(path, () => undefined);
  gateway.routes.mount(
    router,
    {
      admin: () => gateway.security.authorizeAdmin,
      caller: (headers, url) => gateway.security.authorizeCaller?.(headers, url),
    },
    gateway.config.server.bodyLimit,
  );
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
