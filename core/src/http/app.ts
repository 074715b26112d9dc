import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import Koa from 'koa';
import type { Context } from 'koa';
import Router from '@koa/router';
import { dispatch } from '../dispatch.js';
import type { DispatchDeps } from '../dispatch.js';
import { SwitchyardError, toSwitchyardError } from '../errors.js';
import { Exchange } from '../exchange.js';
import type { Gateway } from '../gateway.js';
import type { ChatRequest } from '../protocols/canonical.js';
import type { ProtocolCodec } from '../protocols/codec.js';
import { openaiCodec } from '../protocols/openai.js';
import { anthropicCodec } from '../protocols/anthropic.js';
import { anthropicToCanonical } from '../protocols/anthropic-convert.js';
import { checkAnthropicVersion } from '../protocols/anthropic-version.js';
import { INBOUND_WARNINGS } from '../protocols/codec.js';
import type { CanonicalConversion } from '../protocols/anthropic-convert.js';
import type { AnthropicMessagesRequest } from '../protocols/anthropic-types.js';
import { countTokensRoute } from './count-tokens.js';
import { TtftTracker } from '../routing/latency.js';
import { FailoverPolicies } from '../routing/policy.js';
import { noTargetError } from '../routing/core-taps.js';
import { RoutePlan } from '../routing/route-plan.js';
import type { Operation, Protocol } from '../types.js';
import { readJsonBody, requestValidator } from './body.js';
import { allowedHosts, guardRequest, guardSettings } from './request-guard.js';
import type { GuardSettings } from './request-guard.js';
import { chatRequestSchema, embeddingsRequestSchema, messagesRequestSchema } from './request-schemas.js';
import { logRequest, requestLogger, requestOutcome } from './request-log.js';
import { sendDelivery, sendError, setRouteHeaders, setServerTiming } from './respond.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The status logged and counted for a request whose caller left before any answer (nginx's convention). */
const CLIENT_CLOSED = 499;

interface RouteSpec {
  protocol: Protocol;
  operation: Operation;
  codec: ProtocolCodec;
  validate: (body: Record<string, unknown>) => void;
  /** Protocol headers checked before the body is read (e.g. anthropic-version). */
  checkHeaders?: (headers: IncomingHttpHeaders) => void;
  /** For non-canonical protocols: the body in canonical form, for upstreams of another protocol. */
  toCanonical?: (body: Record<string, unknown>) => CanonicalConversion;
}

/** The Koa application: composed once, each request only builds a context and an Exchange. */
export function createApp(gateway: Gateway): Koa {
  const app = new Koa();
  const router = new Router();
  const { logger } = gateway;
  const policies = new FailoverPolicies(gateway.config.routing, gateway.config.models);
  const deps: DispatchDeps = {
    hooks: gateway.hooks,
    providers: gateway.providers,
    http: gateway.http,
    logger,
    policies,
    // Times to first token per target outlive a reload: hedging keeps its p95s.
    ...(policies.hedging ? { latency: gateway.keep('switchyard', 'ttft', () => new TtftTracker()) } : {}),
  };
  const bodyLimit = gateway.config.server.bodyLimit;
  const timing = gateway.config.server.timing;
  const requestLog = requestLogger(logger);

  app.silent = true;
  app.use(async (ctx, next) => {
    const started = timing ? performance.now() : 0;
    const incoming = ctx.get('x-request-id');
    const requestId = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('x-request-id', requestId);
    // Draining: keep-alive connections end after their current response.
    if (gateway.draining) ctx.set('connection', 'close');
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
      sendError(ctx, ctx.path.startsWith('/v1/messages') ? anthropicCodec : openaiCodec, err, logger);
    }
    // Routed requests set their own (per plugin); every other response gets its total.
    if (timing && !ctx.headerSent && !ctx.response.get('server-timing')) ctx.set('server-timing', `total;dur=${(Math.round((performance.now() - started) * 10) / 10).toString()}`);
  });

  // Host, Origin and content type, before any route: what a browser page could send is refused here.
  let guard: { bound: string | undefined; settings: GuardSettings } | undefined;
  app.use(async (ctx, next) => {
    if (!guard || guard.bound !== gateway.boundHost) {
      const { allowedHosts: configured, allowedOrigins } = gateway.config.server;
      guard = { bound: gateway.boundHost, settings: guardSettings(allowedHosts(configured, gateway.boundHost, gateway.security.authenticatesCallers), allowedOrigins) };
    }
    const refused = guardRequest(guard.settings, ctx.method, ctx.path, ctx.req.headers);
    if (refused) throw refused;
    await next();
  });

  // Streams are known to the gateway, which ends them with an error event if a shutdown must cut them.
  const track = (ctx: Context, codec: ProtocolCodec, x: Exchange): void => {
    if (ctx.body instanceof Readable) gateway.openStreams.add(ctx.res, ctx.body, codec, () => x.abort());
  };

  const routed = (spec: RouteSpec) => async (ctx: Context): Promise<void> => {
    try {
      spec.checkHeaders?.(ctx.req.headers);
      const body = await readJsonBody(ctx.req, bodyLimit);
      spec.validate(body);
      const canonical = spec.toCanonical?.(body);
      const x = new Exchange({
        id: ctx.state.requestId as string,
        protocol: spec.protocol,
        operation: spec.operation,
        body,
        request: canonical ? canonical.request : spec.operation === 'chat' ? (body as ChatRequest) : undefined,
        headers: ctx.req.headers,
        url: ctx.url,
        plan: new RoutePlan(),
      });
      if (canonical?.warnings.length) x.set(INBOUND_WARNINGS, canonical.warnings);
      let failure: SwitchyardError | undefined;
      const fail = (err: unknown): void => {
        // Nothing can reach a caller who hung up, and it is not a failure of ours: its request line says 499.
        if (x.aborted) return void logger.debug({ requestId: x.id, reason: toSwitchyardError(err).message }, 'caller closed the connection before the answer');
        failure = toSwitchyardError(err);
        if (timing && !ctx.headerSent) setServerTiming(ctx, x, false, gateway.hooks.timedPlugins);
        sendError(ctx, spec.codec, failure, logger);
      };
      ctx.res.once('close', () => {
        if (!ctx.res.writableFinished) x.abort();
        // A caller gone before any answer: 499 (client closed request), not Koa's default 404.
        const status = !ctx.res.headersSent && x.aborted ? CLIENT_CLOSED : ctx.res.statusCode;
        x.response = requestOutcome(x, status, failure, gateway.modelInfo);
        logRequest(requestLog, x);
        if (gateway.hooks.onFinish.isUsed()) void gateway.hooks.onFinish.promise(x).catch((err: unknown) => logger.error({ err, requestId: x.id }, 'onFinish failed'));
      });
      try {
        const reply = await gateway.hooks.beforeRoute.promise(x);
        if (reply) {
          if (reply.kind === 'error') return fail(reply.error);
          if (timing) setServerTiming(ctx, x, false, gateway.hooks.timedPlugins);
          sendDelivery(ctx, reply, spec.codec, logger, x);
          return track(ctx, spec.codec, x);
        }
        const plan = await gateway.hooks.selectRoute.promise(x.plan, x);
        if (plan.size === 0) return fail(noTargetError(x));
        const outcome = await dispatch(x, spec.codec, deps);
        setRouteHeaders(ctx, x);
        if (!outcome.ok) return fail(outcome.error);
        if (timing) setServerTiming(ctx, x, outcome.delivery.kind === 'stream', gateway.hooks.timedPlugins);
        sendDelivery(ctx, outcome.delivery, spec.codec, logger);
        track(ctx, spec.codec, x);
      } catch (err) {
        fail(err);
      }
    } catch (err) {
      sendError(ctx, spec.codec, err, logger);
    }
  };

  router.post('/v1/chat/completions', routed({ protocol: 'openai', operation: 'chat', codec: openaiCodec, validate: requestValidator(chatRequestSchema) }));
  router.post('/v1/embeddings', routed({ protocol: 'openai', operation: 'embeddings', codec: openaiCodec, validate: requestValidator(embeddingsRequestSchema) }));
  const toCanonical = (body: Record<string, unknown>): CanonicalConversion => anthropicToCanonical(body as AnthropicMessagesRequest);
  router.post('/v1/messages', routed({ protocol: 'anthropic', operation: 'chat', codec: anthropicCodec, validate: requestValidator(messagesRequestSchema), checkHeaders: checkAnthropicVersion, toCanonical }));
  router.post('/v1/messages/count_tokens', countTokensRoute(gateway, bodyLimit, logger));
  router.get('/v1/models', async (ctx) => {
    const denied = gateway.security.authorizeCaller?.(ctx.req.headers, ctx.url);
    if (denied) throw denied;
    ctx.body = { object: 'list', data: await gateway.catalog.list() };
  });
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', (ctx) => {
    const problems = gateway.draining ? [] : gateway.readiness.problems();
    const ready = !gateway.draining && problems.length === 0;
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? { status: 'ready' } : gateway.draining ? { status: 'draining' } : { status: 'not_ready', problems };
  });
  gateway.admin.mount(router, () => gateway.security.authorizeAdmin, bodyLimit, logger);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
