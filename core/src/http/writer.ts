import type { ServerResponse } from 'node:http';
import { toSwitchyardError } from '../errors.js';
import type { SwitchyardError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { Logger } from '../logger.js';
import type { PushedPieces } from '../protocols/push.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** Writes a JSON body (or bytes as they came) in one go. */
export function writeBody(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers?: Readonly<Record<string, string>>,
): void {
  const payload = Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body);
  if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.statusCode = status;
  res.end(payload);
}

/** Writes any error in the caller's protocol, with its status and headers; internals stay hidden and are logged. */
export function writeError(
  res: ServerResponse,
  thrown: unknown,
  protocol: { errorBody(error: SwitchyardError): unknown },
  logger: Logger,
  requestId: string,
): void {
  const error = toSwitchyardError(thrown);
  if (!error.expose || error.status >= 500) {
    logger[error.status >= 500 && error.code === 'SWITCHYARD_ERR_INTERNAL' ? 'error' : 'warn'](
      { err: error.cause ?? error, code: error.code, requestId },
      error.message,
    );
  }
  if (res.headersSent) return void res.end();
  writeBody(res, error.status, protocol.errorBody(error), 'application/json', error.headers);
}

/** Headers every routed response carries: the target served, the attempts it took, plugins' headers and warnings. */
export function setRouteHeaders(res: ServerResponse, x: Exchange): void {
  if (x.target) res.setHeader('x-switchyard-target', x.target.id);
  if (x.attempt > 0) res.setHeader('x-switchyard-attempts', String(x.attempt));
  const extra = x.responseHeaders;
  if (extra) for (const name in extra) res.setHeader(name, extra[name]!);
  if (x.warnings.length) res.setHeader('x-switchyard-warnings', x.warnings.join('; ').replace(/[\r\n]/g, ' '));
}

/** A stream being written: a shutdown past its grace period cuts it between two events. */
export interface OpenStream {
  /** Stops writing after the current piece, writes `last` and ends. */
  cut(last: string): Promise<void>;
}

/**
 * Writes an SSE stream straight to the response, piece by piece, waiting for `drain` whenever
 * the socket's buffer is full: a slow reader slows the upstream read instead of filling memory.
 * Ends when the pieces do, when the caller leaves, or when cut.
 */
export function writeStream(
  res: ServerResponse,
  pieces: AsyncIterable<string | Uint8Array>,
  headers: Readonly<Record<string, string>> | undefined,
  abort: () => void,
): { done: Promise<void>; stream: OpenStream } {
  res.statusCode = 200;
  for (const name in SSE_HEADERS) res.setHeader(name, SSE_HEADERS[name as keyof typeof SSE_HEADERS]);
  if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
  // No flushHeaders(): a stream is delivered once its first event is in hand, so the head leaves
  // with it in one write instead of a write of its own.
  let last: string | undefined;
  const done = isPushed(pieces) ? pushed(res, pieces, () => last) : pulled(res, pieces, () => last);
  const stream: OpenStream = {
    cut(error) {
      last = error;
      abort();
      if (res.writableEnded || res.destroyed) return Promise.resolve();
      return new Promise((resolve) => res.end(error, () => resolve()));
    },
  };
  return { done, stream };
}

/** Pulls the pieces one by one, awaiting each. */
async function pulled(
  res: ServerResponse,
  pieces: AsyncIterable<string | Uint8Array>,
  cut: () => string | undefined,
): Promise<void> {
  const iterator = pieces[Symbol.asyncIterator]();
  try {
    for (
      let next = await iterator.next();
      !next.done && cut() === undefined && !res.destroyed;
      next = await iterator.next()
    ) {
      if (!res.write(next.value)) await drained(res);
    }
  } catch {
    // The pieces end with their own error event; a throw here means the caller or a cut stopped them.
  } finally {
    if (cut() === undefined && !res.destroyed) res.end();
    await iterator.return?.().catch(() => undefined);
  }
}

/**
 * Lets pieces that can push themselves (a same-protocol stream) write as they come: no promise per
 * piece. A full socket buffer pauses them until `drain`; a caller gone or a cut stops them.
 */
function pushed(res: ServerResponse, pieces: PushedPieces, cut: () => string | undefined): Promise<void> {
  return new Promise((resolve) => {
    let stopped = false;
    let waiting = false;
    const resume = (): void => {
      waiting = false;
      res.off('drain', resume);
      res.off('close', resume);
      pieces.resume();
    };
    pieces.pipe({
      write(piece) {
        if (cut() !== undefined || res.destroyed) {
          if (!stopped) pieces.return().catch(() => undefined);
          stopped = true;
          return true;
        }
        if (res.write(piece)) return true;
        if (!waiting) {
          waiting = true;
          res.on('drain', resume);
          res.on('close', resume);
        }
        return false;
      },
      end() {
        if (cut() === undefined && !res.destroyed) res.end();
        resolve();
      },
    });
  });
}

function isPushed(pieces: AsyncIterable<string | Uint8Array>): pieces is PushedPieces {
  return (pieces as Partial<PushedPieces>).pushable === true;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
