import { createRequire } from 'node:module';
import type { Dispatcher, Pool as UndiciPool } from 'undici';
import { RequestAbortedError, UpstreamAbort } from './abort.js';
import { UpstreamBody } from './body.js';
import { decoderFor, DecodingController, unreadableEncoding } from './content-encoding.js';

export { UpstreamBody } from './body.js';

// undici's Pool alone: undici's index also loads fetch, WebSocket, caches and mocks, and its cookie
// module reads globalThis.Headers, which loads Node's own bundled undici too (megabytes at start).
type Pool = UndiciPool;
const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

/** Keep-alive sockets per origin. */
const CONNECTIONS = 128;
/**
 * Idle keep-alive socket lifetime when the upstream gives none (`Keep-Alive: timeout=…`; given,
 * undici closes 2 s before it). Below the 5 s after which Node's http server, uvicorn and Apache
 * close an idle connection unannounced: a request written as the upstream closes it would be
 * reset before any answer.
 */
const KEEP_ALIVE_MS = 4_000;

export interface SendOptions {
  signal: AbortSignal | UpstreamAbort;
  /** Longest silence between body chunks once the head arrived. */
  bodyTimeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Bound on remembered URLs: past it the table starts afresh (URLs with per-request parts would grow it). */
const MAX_URLS = 1024;

/** One undici Pool per origin, created on first use and reused for every request. */
export class UpstreamClient {
  readonly #pools = new Map<string, Pool>();
  /** Upstream URLs seen, split once: a gateway calls few distinct ones (one per target and endpoint). */
  readonly #urls = new Map<string, { origin: string; path: string }>();

  /**
   * Sends one request through undici's `dispatch` (no BodyReadable, no per-request stream):
   * resolves with the head, and the body arrives in an UpstreamBody that pauses the socket while
   * its reader falls behind. Aborting the signal fails the head or the body.
   */
  send(
    url: string,
    init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string | Buffer },
    options: SendOptions,
  ): Promise<UpstreamResponse> {
    const target = this.#split(url);
    return new Promise((resolve, reject) => {
      const handler = new ResponseHandler(resolve, reject, options.signal);
      this.#pool(target.origin).dispatch(
        {
          path: target.path,
          method: init.method,
          headers: init.headers,
          body: init.body ?? null,
          // The attempt's own timer covers the head (and, streaming, the first event).
          headersTimeout: 0,
          bodyTimeout: options.bodyTimeoutMs,
        },
        handler,
      );
    });
  }

  #split(url: string): { origin: string; path: string } {
    let split = this.#urls.get(url);
    if (!split) {
      const parsed = new URL(url);
      split = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      if (this.#urls.size >= MAX_URLS) this.#urls.clear();
      this.#urls.set(url, split);
    }
    return split;
  }

  /** A GET returning parsed JSON, for model listings and health probes. */
  async getJson(
    url: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<{ status: number; json: unknown }> {
    const res = await this.send(
      url,
      { method: 'GET', headers },
      { signal: AbortSignal.timeout(timeoutMs), bodyTimeoutMs: timeoutMs },
    );
    const text = (await res.body.bytes()).toString('utf8');
    try {
      return { status: res.status, json: JSON.parse(text) as unknown };
    } catch {
      return { status: res.status, json: undefined };
    }
  }

  /** Pools open now: one per upstream origin used since the last close(). */
  get poolCount(): number {
    return this.#pools.size;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: CONNECTIONS, keepAliveTimeout: KEEP_ALIVE_MS, pipelining: 1 });
      this.#pools.set(origin, pool);
    }
    return pool;
  }
}

/** What a request fails with when its signal aborts it. */
const ABORTED = 'the upstream request was aborted';

/**
 * undici's handler for one request: head → the send() promise, data → the body. An abort before
 * the request reached a socket is applied as soon as it does.
 */
class ResponseHandler implements Dispatcher.DispatchHandler {
  #resolve: ((res: UpstreamResponse) => void) | undefined;
  #reject: ((err: unknown) => void) | undefined;
  readonly #signal: AbortSignal | UpstreamAbort;
  #controller: Dispatcher.DispatchController | undefined;
  #body: UpstreamBody | undefined;
  /** Set for an answer with a content-encoding: the raw bytes go through it. */
  #decoding: DecodingController | undefined;
  #aborted = false;

  constructor(
    resolve: (res: UpstreamResponse) => void,
    reject: (err: unknown) => void,
    signal: AbortSignal | UpstreamAbort,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
    if (signal.aborted) this.#onAbort();
    else if (signal instanceof UpstreamAbort) signal.listen(this.#onAbort);
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  readonly #onAbort = (): void => {
    this.#aborted = true;
    const error = new RequestAbortedError(ABORTED);
    // Still queued for a socket: fail now; the request is dropped once it reaches one.
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    reject?.(error);
    this.#controller?.abort(error);
  };

  #unlisten(): void {
    const signal = this.#signal;
    if (signal instanceof UpstreamAbort) signal.listen(undefined);
    else signal.removeEventListener('abort', this.#onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#aborted) controller.abort(new RequestAbortedError(ABORTED));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx: the real head follows
    const resolve = this.#resolve;
    if (!resolve) return;
    const encoding = headers['content-encoding'];
    if (encoding !== undefined) return this.#startDecoded(controller, statusCode, headers, encoding, resolve);
    this.#resolve = this.#reject = undefined;
    this.#body = new UpstreamBody(controller);
    resolve({ status: statusCode, headers, body: this.#body });
  }

  #startDecoded(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    encoding: string | string[],
    resolve: (res: UpstreamResponse) => void,
  ): void {
    const decoder = decoderFor(encoding);
    if (decoder === null) return controller.abort(unreadableEncoding(encoding));
    this.#resolve = this.#reject = undefined;
    if (decoder === undefined) this.#body = new UpstreamBody(controller);
    else {
      const decoding = (this.#decoding = new DecodingController(controller, decoder, encoding));
      this.#body = new UpstreamBody(decoding);
      decoding.feed(this.#body);
      // What is passed on describes the decoded body.
      delete headers['content-encoding'];
      delete headers['content-length'];
    }
    resolve({ status, headers, body: this.#body });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#decoding) return this.#decoding.write(chunk);
    try {
      this.#body?.push(chunk);
    } catch (err) {
      // A reader refused the chunk (an SSE event too long): the body fails with why, the request is dropped.
      controller.abort(err as Error);
    }
  }

  onResponseEnd(): void {
    this.#unlisten();
    if (this.#decoding) this.#decoding.end();
    else this.#body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#unlisten();
    this.#decoding?.destroy();
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    if (reject) reject(error);
    else this.#body?.fail(error);
  }
}
