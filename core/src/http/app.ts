import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import type { Context } from 'koa';
import Router from '@koa/router';
import { dispatch } from '../dispatch.js';
import type { DispatchDeps } from '../dispatch.js';
import { SwitchyardError } from '../errors.js';
import { Exchange } from '../exchange.js';
import type { Gateway } from '../gateway.js';
import type { ChatRequest } from '../protocols/canonical.js';
import type { ProtocolCodec } from '../protocols/codec.js';
import { openaiCodec } from '../protocols/openai.js';
import { RoutePlan } from '../routing/route-plan.js';
import type { Operation, Protocol } from '../types.js';
import { readJsonBody, requestValidator } from './body.js';
import { chatRequestSchema, embeddingsRequestSchema } from './request-schemas.js';
import { sendDelivery, sendError, setRouteHeaders } from './respond.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface RouteSpec {
  protocol: Protocol;
  operation: Operation;
  codec: ProtocolCodec;
  validate: (body: Record<string, unknown>) => void;
}

/** The Koa application: composed once, each request only builds a context and an Exchange. */
export function createApp(gateway: Gateway): Koa {
  const app = new Koa();
  const router = new Router();
  const { logger } = gateway;
  const deps: DispatchDeps = {
    hooks: gateway.hooks,
    providers: gateway.providers,
    http: gateway.http,
    logger,
    maxAttempts: gateway.config.routing.maxAttempts,
  };
  const bodyLimit = gateway.config.server.bodyLimit;

  app.silent = true;
  app.use(async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('x-request-id', requestId);
    try {
      await next();
      if (ctx.body === undefined && (ctx.status === 404 || ctx.status === 405)) {
        const allowed = ctx.status === 405 ? ` (allowed: ${ctx.response.get('allow')})` : '';
        throw new SwitchyardError('SWITCHYARD_ERR_NOT_FOUND', `no route for ${ctx.method} ${ctx.path}${allowed}`, {
          status: ctx.status,
          publicCode: ctx.status === 405 ? 'method_not_allowed' : 'not_found',
        });
      }
    } catch (err) {
      sendError(ctx, openaiCodec, err, logger);
    }
  });

  const routed = (spec: RouteSpec) => async (ctx: Context): Promise<void> => {
    try {
      const body = await readJsonBody(ctx.req, bodyLimit);
      spec.validate(body);
      const x = new Exchange({
        id: ctx.state.requestId as string,
        protocol: spec.protocol,
        operation: spec.operation,
        body,
        request: spec.operation === 'chat' ? (body as ChatRequest) : undefined,
        headers: ctx.req.headers,
        plan: new RoutePlan(),
      });
      ctx.res.once('close', () => {
        if (!ctx.res.writableFinished) x.abort();
      });
      const reply = await gateway.hooks.beforeRoute.promise(x);
      if (reply) return sendDelivery(ctx, reply, spec.codec, logger);
      const plan = await gateway.hooks.selectRoute.promise(x.plan, x);
      if (plan.size === 0) return sendError(ctx, spec.codec, noTarget(x), logger);
      const outcome = await dispatch(x, spec.codec, deps);
      setRouteHeaders(ctx, x);
      if (outcome.ok) sendDelivery(ctx, outcome.delivery, spec.codec, logger);
      else sendError(ctx, spec.codec, outcome.error, logger);
    } catch (err) {
      sendError(ctx, spec.codec, err, logger);
    }
  };

  router.post('/v1/chat/completions', routed({ protocol: 'openai', operation: 'chat', codec: openaiCodec, validate: requestValidator(chatRequestSchema) }));
  router.post('/v1/embeddings', routed({ protocol: 'openai', operation: 'embeddings', codec: openaiCodec, validate: requestValidator(embeddingsRequestSchema) }));
  router.get('/v1/models', async (ctx) => {
    ctx.body = { object: 'list', data: await gateway.catalog.list() };
  });
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', (ctx) => {
    const ready = !gateway.draining;
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'draining' };
  });
  gateway.admin.mount(router, () => gateway.security.authorizeAdmin, bodyLimit, logger);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** Nothing discovered: unknown model (404). Everything excluded: 503 naming why. */
function noTarget(x: Exchange): SwitchyardError {
  if (x.plan.discovered.length === 0) {
    return new SwitchyardError('SWITCHYARD_ERR_MODEL_NOT_FOUND', `The model \`${x.model}\` does not exist or is not served by this gateway`, {
      publicCode: 'model_not_found',
      param: 'model',
    });
  }
  const reasons = [...new Set(x.plan.exclusions.map((e) => `${e.target}: ${e.reason} (${e.by})`))].join('; ');
  return new SwitchyardError('SWITCHYARD_ERR_NO_TARGET', `no healthy target for \`${x.model}\`: ${reasons}`, { expose: true, publicCode: 'no_target' });
}
