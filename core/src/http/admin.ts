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
  body: unknown;
}

export interface AdminRoute {
  readonly method: AdminMethod;
  /** Under `/admin/`, e.g. `/admin/routes`; `:name` segments become params. */
  readonly path: string;
  /** The plugin that owns it, for logs and duplicate checks. */
  readonly plugin: string;
  handle(req: AdminRequest): AdminReply | Promise<AdminReply>;
}

/** Who may use /admin/*: set by an auth plugin. */
export type AdminAuthorizer = (headers: IncomingHttpHeaders) => 'ok' | 'unauthorized' | 'forbidden';

/** Routes plugins contribute under /admin/, registered in apply() and mounted once at startup. */
export class AdminRoutes {
  readonly #routes: AdminRoute[] = [];
  #sealed = false;

  add(route: AdminRoute): void {
    if (this.#sealed) throw new SwitchyardError('SWITCHYARD_ERR_HOOKS_SEALED', `plugin "${route.plugin}" added an admin route after listen()`);
    if (!route.path.startsWith('/admin/')) throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_APPLY', `admin route ${route.path} of plugin "${route.plugin}" must start with /admin/`);
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
          const verdict = authorizer ? authorizer(ctx.req.headers) : isLoopbackPeer(ctx.req.socket.remoteAddress) ? 'ok' : 'forbidden';
          if (verdict === 'unauthorized') throw new SwitchyardError('SWITCHYARD_ERR_UNAUTHORIZED', 'admin endpoints need an admin key', { publicCode: 'invalid_admin_key' });
          if (verdict === 'forbidden') {
            const why = authorizer ? 'this key is not an admin key' : 'no admin keys are configured: admin endpoints answer loopback callers only';
            throw new SwitchyardError('SWITCHYARD_ERR_FORBIDDEN', why, { publicCode: 'admin_forbidden' });
          }
          const body = (route.method === 'POST' || route.method === 'PUT') && hasBody(ctx.req.headers) ? await readJsonBody(ctx.req, bodyLimit) : undefined;
          const reply = await route.handle({ headers: ctx.req.headers, query: ctx.query, params: ctx.params as Record<string, string>, body });
          ctx.status = reply.status ?? 200;
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
