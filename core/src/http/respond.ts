import { Readable } from 'node:stream';
import type { Context } from 'koa';
import { toSwitchyardError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { TimedPlugins } from '../hooks.js';
import type { Logger } from '../logger.js';
import type { ProtocolCodec, StreamObservation } from '../protocols/codec.js';
import { completionChunks } from '../protocols/completion-stream.js';
import type { ChatCompletionChunk } from '../protocols/canonical.js';
import type { Reply } from '../types.js';
import type { Delivery } from '../upstream/attempt.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** Writes any error in the caller's protocol, with its status and headers. Internals stay hidden. */
export function sendError(ctx: Context, codec: ProtocolCodec, thrown: unknown, logger: Logger): void {
  const error = toSwitchyardError(thrown);
  if (!error.expose || error.status >= 500) {
    logger[error.status >= 500 && error.code === 'SWITCHYARD_ERR_INTERNAL' ? 'error' : 'warn'](
      { err: error.cause ?? error, code: error.code, requestId: ctx.state.requestId as string },
      error.message,
    );
  }
  ctx.status = error.status;
  if (error.headers) ctx.set(error.headers);
  ctx.body = codec.errorBody(error);
}

/** Headers every routed response carries: the target served and the attempts it took. */
export function setRouteHeaders(ctx: Context, x: Exchange): void {
  if (x.target) ctx.set('x-switchyard-target', x.target.id);
  if (x.attempt > 0) ctx.set('x-switchyard-attempts', String(x.attempt));
  if (x.responseHeaders) ctx.set(x.responseHeaders as Record<string, string>);
  if (x.warnings.length) ctx.set('x-switchyard-warnings', x.warnings.join('; ').replace(/[\r\n]/g, ' '));
}

/**
 * Writes a successful delivery or a plugin's reply. Streams flow with backpressure via Readable.
 * A `completion` reply is rendered for the caller's codec and needs the exchange.
 */
export function sendDelivery(ctx: Context, delivery: Delivery | Reply, codec: ProtocolCodec, logger: Logger, x?: Exchange): void {
  switch (delivery.kind) {
    case 'bytes':
      ctx.status = delivery.status;
      ctx.set('content-type', delivery.contentType);
      ctx.body = delivery.body;
      return;
    case 'json':
      ctx.status = delivery.status;
      if ('headers' in delivery && delivery.headers) ctx.set(delivery.headers as Record<string, string>);
      ctx.body = delivery.body;
      return;
    case 'stream':
      ctx.status = 200;
      ctx.set(SSE_HEADERS);
      if ('headers' in delivery && delivery.headers) ctx.set(delivery.headers as Record<string, string>);
      ctx.body = Readable.from(delivery.body, { objectMode: false });
      return;
    case 'error':
      sendError(ctx, codec, delivery.error, logger);
      return;
    case 'completion': {
      if (!x) throw new Error('a completion reply needs its exchange');
      const headers = delivery.headers ? { headers: delivery.headers as Record<string, string> } : {};
      if (!delivery.stream) {
        sendDelivery(ctx, { kind: 'json', status: 200, body: codec.encodeResponse(delivery.completion, x), ...headers }, codec, logger);
        return;
      }
      const chunks = completionChunks(delivery.completion, x.request?.stream_options?.include_usage === true);
      const obs: StreamObservation = { events: 0, done: false };
      sendDelivery(ctx, { kind: 'stream', body: codec.encodeStream(iterate(chunks), x, obs), ...headers }, codec, logger);
      return;
    }
  }
}

async function* iterate(chunks: readonly ChatCompletionChunk[]): AsyncGenerator<ChatCompletionChunk> {
  yield* chunks;
}

const tenth = (ms: number): string => (Math.round(ms * 10) / 10).toString();

/**
 * `Server-Timing`: each plugin's (names made HTTP tokens: `switchyard:resolve` → `switchyard-resolve`) time in the request hooks (desc: the request hooks it taps), the
 * wait on upstreams and the total, at 0.1 ms resolution, up to this moment. For a stream the
 * header leaves with the head, so it covers up to the first event (`upstream` counts the
 * served attempt's time to first event).
 */
export function setServerTiming(ctx: Context, x: Exchange, streaming: boolean, plugins: TimedPlugins): void {
  let header = '';
  const spans = x.timings.spans;
  if (spans) header = perPlugin(spans, plugins);
  if (x.attempt > 0) header += `upstream;dur=${tenth(x.timings.upstreamMs + (streaming ? (x.timings.ttftMs ?? 0) : 0))}, `;
  ctx.set('server-timing', `${header}total;dur=${tenth(performance.now() - x.timings.start)}`);
}

/** Timed tap calls summed per plugin, as Server-Timing entries (plugins in registration order). */
function perPlugin(spans: readonly number[], plugins: TimedPlugins): string {
  const sums = new Float64Array(plugins.size).fill(-1);
  for (let i = 0; i < spans.length; i += 2) {
    const p = spans[i]!;
    sums[p] = (sums[p]! < 0 ? 0 : sums[p]!) + spans[i + 1]!;
  }
  let header = '';
  for (let p = 0; p < sums.length; p++) if (sums[p]! >= 0) header += `${plugins.prefix(p)}${tenth(sums[p]!)}, `;
  return header;
}
