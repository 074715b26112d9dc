import type { ServerResponse } from 'node:http';
import { toSwitchyardError } from '../errors.js';
import type { SwitchyardError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { Logger } from '../logger.js';
import type { ProtocolCodec } from '../protocols/codec.js';
import type { PieceSink, PushedPieces } from '../protocols/push.js';
import type { ResponseHead } from './head.js';

const JSON_TYPE = 'application/json';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/**
 * Writes a JSON body (or bytes as they came) in one go: with `head`, its fields and these in one
 * writeHead(); without (responses outside the routed path), onto what was set on `res`.
 */
export function writeBody(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers?: Readonly<Record<string, string>>,
  head?: ResponseHead,
): void {
  const payload = Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body);
  if (head) {
    if (headers) head.add(headers);
    if (contentType === JSON_TYPE) head.setOwn('content-type', JSON_TYPE);
    else head.set('content-type', contentType); // an upstream's, passed through
    head.setOwn('content-length', String(Buffer.byteLength(payload)));
    head.send(res, status);
  } else {
    if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
    res.setHeader('content-type', contentType);
    res.setHeader('content-length', Buffer.byteLength(payload));
    res.statusCode = status;
  }
  res.end(payload);
}

/** Writes any error in the caller's protocol, with its status and headers; internals stay hidden and are logged. */
export function writeError(
  res: ServerResponse,
  thrown: unknown,
  protocol: { errorBody(error: SwitchyardError): unknown },
  logger: Logger,
  requestId: string,
  head?: ResponseHead,
): void {
  const error = toSwitchyardError(thrown);
  if (!error.expose || error.status >= 500) {
    logger[error.status >= 500 && error.code === 'SWITCHYARD_ERR_INTERNAL' ? 'error' : 'warn'](
      { err: error.cause ?? error, code: error.code, requestId },
      error.message,
    );
  }
  if (res.headersSent) return void res.end();
  writeBody(res, error.status, protocol.errorBody(error), 'application/json', error.headers, head);
}

/** Headers every routed response carries: the target served, the attempts it took, plugins' headers and warnings. */
export function setRouteHeaders(head: ResponseHead, x: Exchange): void {
  if (x.target) head.set('x-switchyard-target', headerText(x.target.id));
  if (x.attempt > 0) head.setOwn('x-switchyard-attempts', String(x.attempt));
  const extra = x.responseHeaders;
  if (extra) head.add(extra);
  if (x.warnings.length) head.set('x-switchyard-warnings', warningsHeader(x.warnings));
}

/** Most characters of `x-switchyard-warnings`: clients refuse a head past 16 KiB (Node's and undici's default). */
const WARNINGS_HEADER_MAX = 4096;

/** The warnings, joined by `; `, cut at WARNINGS_HEADER_MAX (the request log keeps them all). */
function warningsHeader(warnings: readonly string[]): string {
  const text = headerText(warnings.join('; ').replace(/[\r\n]/g, ' '));
  if (text.length <= WARNINGS_HEADER_MAX) return text;
  const kept = text.slice(0, WARNINGS_HEADER_MAX).replace(/\\u[0-9a-f]{0,3}$/, '');
  return `${kept} ... (${text.length - kept.length} characters more: the request log has every warning)`;
}

/**
 * A header value of text a caller chose (a model name, a dropped field's name): a character
 * outside printable ASCII as `\uXXXX`. Node refuses a value beyond Latin-1 when the head is
 * written, after the upstream answered, and a client reads Latin-1 bytes as no UTF-8 it sent.
 */
function headerText(value: string): string {
  return /[^\t\x20-\x7e]/.test(value)
    ? value.replace(/[^\t\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : value;
}

/** A stream being written: a shutdown past its grace period cuts it between two events. */
export interface OpenStream {
  /** Stops writing after the current piece, writes `error` as the last event in the caller's protocol and ends. */
  cut(error: SwitchyardError): Promise<void>;
  /** Settles once the pieces are over and their attempt has reported (a caller who left included). */
  readonly over: Promise<void>;
}

/**
 * Writes an SSE stream straight to the response, piece by piece, waiting for `drain` whenever
 * the socket's buffer is full: a slow reader slows the upstream read instead of filling memory.
 * Ends when the pieces do, when the caller leaves, or when cut. The head leaves with the first
 * piece (a stream is delivered once its first event is in hand): no write of its own.
 */
export function writeStream(
  res: ServerResponse,
  head: ResponseHead,
  pieces: AsyncIterable<string | Uint8Array>,
  headers: Readonly<Record<string, string>> | undefined,
  codec: ProtocolCodec,
  abort: () => void,
): OpenStream {
  head.add(SSE_HEADERS);
  if (headers) head.add(headers);
  const writer = new StreamWriter(res, head, codec, abort);
  if (isPushed(pieces)) writer.push(pieces);
  else void writer.pull(pieces);
  return writer;
}

/**
 * One stream's writer: the sink pushed pieces are written to (no promise per piece), or the
 * loop pulling them one by one; a full socket buffer pauses pushed pieces until `drain`, and a
 * caller gone or a cut stops them.
 */
class StreamWriter implements PieceSink, OpenStream {
  readonly #res: ServerResponse;
  readonly #head: ResponseHead;
  readonly #codec: ProtocolCodec;
  readonly #abort: () => void;
  #pieces: PushedPieces | undefined;
  /** The error event of a cut: written last, instead of the rest. */
  #last: string | undefined;
  #stopped = false;
  #waiting = false;
  #resume: (() => void) | undefined;
  readonly over: Promise<void>;
  #over!: () => void;

  constructor(res: ServerResponse, head: ResponseHead, codec: ProtocolCodec, abort: () => void) {
    this.#res = res;
    this.#head = head;
    this.#codec = codec;
    this.#abort = abort;
    this.over = new Promise((resolve) => (this.#over = resolve));
  }

  push(pieces: PushedPieces): void {
    this.#pieces = pieces;
    pieces.pipe(this);
  }

  /** Pulls the pieces one by one, awaiting each. */
  async pull(pieces: AsyncIterable<string | Uint8Array>): Promise<void> {
    const res = this.#res;
    const iterator = pieces[Symbol.asyncIterator]();
    try {
      for (
        let next = await iterator.next();
        !next.done && this.#last === undefined && !res.destroyed;
        next = await iterator.next()
      ) {
        this.#head.send(res, 200);
        if (!res.write(next.value)) await drained(res);
      }
    } catch {
      // The pieces end with their own error event; a throw here means the caller or a cut stopped them.
    } finally {
      this.end();
      await iterator.return?.().catch(() => undefined);
      this.#over();
    }
  }

  /** @internal A pushed piece; false: the caller's buffer is full. */
  write(piece: string | Uint8Array): boolean {
    const res = this.#res;
    if (this.#last !== undefined || res.destroyed) {
      if (!this.#stopped) this.#pieces!.return().catch(() => undefined);
      this.#stopped = true;
      return true;
    }
    this.#head.send(res, 200);
    if (res.write(piece)) return true;
    if (!this.#waiting) {
      this.#waiting = true;
      // Made at the first full buffer: most streams never wait.
      const resume = (this.#resume ??= () => {
        this.#waiting = false;
        res.off('drain', resume);
        res.off('close', resume);
        this.#pieces!.resume();
      });
      res.on('drain', resume);
      res.on('close', resume);
    }
    return false;
  }

  /** @internal The pieces are over (pushed ones: and reported). */
  end(): void {
    if (this.#pieces) this.#over();
    const res = this.#res;
    if (this.#last !== undefined || res.destroyed) return;
    this.#head.send(res, 200);
    res.end();
  }

  cut(error: SwitchyardError): Promise<void> {
    const res = this.#res;
    this.#last = this.#codec.streamError(error);
    this.#abort();
    if (res.writableEnded || res.destroyed) return Promise.resolve();
    this.#head.send(res, 200);
    return new Promise((resolve) => res.end(this.#last, () => resolve()));
  }
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
