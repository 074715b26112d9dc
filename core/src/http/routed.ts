import type { IncomingMessage, ServerResponse } from 'node:http';
import { dispatch } from '../dispatch.js';
import type { DispatchDeps } from '../dispatch.js';
import { toSwitchyardError } from '../errors.js';
import type { SwitchyardError } from '../errors.js';
import { Exchange } from '../exchange.js';
import { isPromise } from '../hook-runners.js';
import { INBOUND_WARNINGS } from '../protocols/codec.js';
import type { Decoded, InboundProtocol, InboundRoute } from '../protocols/codec.js';
import { noTargetError } from '../routing/core-taps.js';
import { RoutePlan } from '../routing/route-plan.js';
import type { Reply } from '../types.js';
import type { Delivery } from '../upstream/attempt.js';
import { readJsonRequest } from './body.js';
import type { ResponseHead } from './head.js';
import type { OpenStreams } from './open-streams.js';
import { requestOutcome } from './outcome.js';
import { setServerTiming } from './timing.js';
import { setRouteHeaders, writeBody, writeError, writeStream } from './writer.js';

/** The status logged and counted for a request whose caller left before any answer (nginx's convention). */
const CLIENT_CLOSED = 499;

/** What serving a routed request needs, built once per generation. */
export interface RoutedDeps extends DispatchDeps {
  readonly bodyLimit: string;
  /** `server.timing`: 'plugins' names each plugin on every routed response; true only when the request asks (x-switchyard-timing). */
  readonly timing: boolean | 'plugins';
  readonly streams: OpenStreams;
}

/**
 * One routed request, written straight to the response: body read and decoded by its protocol,
 * beforeRoute, selectRoute, dispatch over the plan, then the answer (JSON, bytes as the upstream
 * sent them, or a stream with backpressure) or an error in the caller's protocol. When the
 * response is over, whatever path it took: onFinish (where the request log writes its line).
 */
export async function serveRouted(
  deps: RoutedDeps,
  protocol: InboundProtocol,
  route: InboundRoute,
  requestId: string,
  head: ResponseHead,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { hooks, logger } = deps;
  let body: Record<string, unknown> = {};
  let raw: Buffer | undefined;
  let decoded: Decoded = {};
  let refused: unknown;
  try {
    ({ body, raw } = await readJsonRequest(req, deps.bodyLimit));
    const decoding = route.decode(body, req.headers);
    decoded = isPromise(decoding) ? await decoding : decoding;
  } catch (err) {
    refused = err;
  }
  // A refused body gets its exchange too: onFinish for every request.
  const x = newExchange(deps, protocol, route, requestId, req, body, raw, decoded);
  let failure: SwitchyardError | undefined;
  let routing: Promise<void> | undefined = undefined;
  let routed = false;
  // 'close' comes once: `on` spares the once-wrapper per request.
  res.on('close', () => {
    deps.streams.delete(res);
    if (!res.writableFinished) x.abort();
    const status = !res.headersSent && x.aborted ? CLIENT_CLOSED : res.statusCode;
    x.response = requestOutcome(x, status, failure);
    if (!hooks.onFinish.isUsed()) return;
    // A caller who hangs up mid-attempt or mid-stream: onFinish waits for the attempt to report, so what it cost is settled.
    if (routing && !routed) void routing.then(() => finish(deps, x));
    else finish(deps, x);
  });
  const fail = (err: unknown): void => {
    // Nothing reaches a caller who hung up, and it is not our failure: its request line says 499.
    if (x.aborted)
      return void logger.debug(
        { requestId, reason: toSwitchyardError(err).message },
        'caller closed the connection before the answer',
      );
    failure = toSwitchyardError(err);
    if (deps.timing && !res.headersSent) setServerTiming(head, x, false, hooks.timedPlugins);
    writeError(res, failure, protocol, logger, requestId, head);
  };
  if (refused !== undefined) return fail(refused);
  routing = routeAndAnswer(deps, protocol, x, head, res, fail).then(
    () => void (routed = true),
    (err: unknown) => {
      routed = true;
      fail(err);
    },
  );
}

function newExchange(
  deps: RoutedDeps,
  protocol: InboundProtocol,
  route: InboundRoute,
  requestId: string,
  req: IncomingMessage,
  body: Record<string, unknown>,
  raw: Buffer | undefined,
  decoded: Decoded,
): Exchange {
  const x = new Exchange({
    id: requestId,
    protocol: protocol.name,
    operation: route.operation,
    body,
    raw,
    request: decoded.request,
    headers: req.headers,
    url: req.url ?? '',
    plan: new RoutePlan(),
  });
  if (decoded.warnings?.length) x.set(INBOUND_WARNINGS, decoded.warnings);
  if (deps.timing === 'plugins' || (deps.timing && req.headers['x-switchyard-timing'] !== undefined))
    x.timings.spans = [];
  return x;
}

/** onFinish, whose failure is logged. */
function finish(deps: RoutedDeps, x: Exchange): void {
  try {
    const done = deps.hooks.run.onFinish(x);
    if (isPromise(done)) done.then(undefined, (err: unknown) => onFinishFailed(deps, x, err));
  } catch (err) {
    onFinishFailed(deps, x, err);
  }
}

function onFinishFailed(deps: RoutedDeps, x: Exchange, err: unknown): void {
  deps.logger.error({ err, requestId: x.id }, 'onFinish failed');
}

/** beforeRoute, selectRoute, dispatch over the plan, then the answer or the failure. */
async function routeAndAnswer(
  deps: RoutedDeps,
  protocol: InboundProtocol,
  x: Exchange,
  head: ResponseHead,
  res: ServerResponse,
  fail: (err: unknown) => void,
): Promise<void> {
  const { hooks } = deps;
  // The hooks answer at once while their taps do: awaited only when they did not.
  let reply = hooks.run.beforeRoute(x);
  if (isPromise(reply)) reply = await reply;
  if (reply) {
    if (reply.kind === 'error') return fail(reply.error);
    if (deps.timing) setServerTiming(head, x, false, hooks.timedPlugins);
    return deliver(deps, head, res, reply, protocol, x);
  }
  let plan = hooks.run.selectRoute(x.plan, x);
  if (isPromise(plan)) plan = await plan;
  if (plan.size === 0) return fail(noTargetError(x));
  const outcome = await dispatch(x, protocol, deps);
  setRouteHeaders(head, x);
  if (!outcome.ok) return fail(outcome.error);
  if (deps.timing) setServerTiming(head, x, outcome.delivery.kind === 'stream', hooks.timedPlugins);
  return deliver(deps, head, res, outcome.delivery, protocol, x);
}

/**
 * Writes a successful delivery, or a plugin's reply. A stream's promise settles once it is over
 * and its attempt reported, so onFinish after a caller who left sees what the attempt cost.
 */
function deliver(
  deps: RoutedDeps,
  head: ResponseHead,
  res: ServerResponse,
  delivery: Delivery | Exclude<Reply, { kind: 'error' }>,
  protocol: InboundProtocol,
  x: Exchange,
): void | Promise<void> {
  const headers = 'headers' in delivery ? delivery.headers : undefined;
  switch (delivery.kind) {
    case 'bytes':
      return writeBody(res, delivery.status, delivery.body, delivery.contentType, undefined, head);
    case 'json':
      return writeBody(res, delivery.status, delivery.body, 'application/json', headers, head);
    case 'stream': {
      const writer = writeStream(res, head, delivery.body, headers, protocol, () => x.abort());
      deps.streams.add(res, writer);
      return writer.over;
    }
  }
}
