import type { Dispatcher } from 'undici';
import { SwitchyardError } from '../errors.js';
import { RequestAbortedError } from './abort.js';
import { RETURNED } from '../protocols/push.js';
import type { PushListener, PushSource } from '../protocols/push.js';

/** What an UpstreamBody drives: undici's controller, or one that drives a decoder too (content-encoding.ts). */
export type BodyController = Pick<Dispatcher.DispatchController, 'paused' | 'pause' | 'resume' | 'abort'>;

/** Bytes held for a reader that is behind before the upstream socket is paused (a Readable's default). */
const HIGH_WATER = 64 * 1024;

/**
 * The largest answer read whole (decoded): an embeddings batch of 2,048 large vectors is about
 * 130 MB of JSON. Past it the answer fails: an upstream that never ends its body, or a
 * compression bomb, would otherwise fill the gateway's memory.
 */
export const MAX_WHOLE_BYTES = 256 * 1024 * 1024;

/**
 * An upstream response body fed by undici's dispatch handler: read it whole (`bytes()`),
 * chunk by chunk (`for await`), or pushed to a listener (`listen()`, paused and resumed by it).
 * While more than 64 KiB wait for a slow reader (or while a listener is paused), the upstream
 * socket is paused, so a caller that stops reading stops the upstream rather than filling
 * memory. Leaving the iteration early aborts the request. Read it once.
 */
export class UpstreamBody implements AsyncIterable<Buffer>, AsyncIterator<Buffer>, PushSource<Buffer> {
  readonly pushable = true;
  readonly #controller: BodyController;
  #queue: Buffer[] = [];
  #head = 0;
  #queued = 0;
  #ended = false;
  #error: unknown;
  /** The pending next()'s settlers, while the reader waits for a chunk. */
  #resolve: ((r: IteratorResult<Buffer>) => void) | undefined;
  #reject: ((err: unknown) => void) | undefined;
  /** One executor for every wait, rather than a closure per chunk (made at the first wait: a body read whole needs none). */
  #wait: ((resolve: (r: IteratorResult<Buffer>) => void, reject: (err: unknown) => void) => void) | undefined;
  /** Set by listen(): gets every chunk as it comes, unless paused. */
  #listener: PushListener<Buffer> | undefined;
  #listenerPaused = false;
  /** A pushed chunk is being handed to the listener. */
  #delivering = false;
  /** undici is done with the body (ended or failed). */
  #complete = false;
  /** Set by bytes(): every chunk is kept and handed over at the end. */
  #whole: { resolve: (b: Buffer) => void; reject: (err: unknown) => void } | undefined;

  constructor(controller: BodyController) {
    this.#controller = controller;
  }

  /** @internal A chunk from the upstream. */
  push(chunk: Buffer): void {
    if (this.#ended) return; // abandoned (return()): the rest is dropped
    const listener = this.#listener;
    if (listener && !this.#listenerPaused && this.#head === this.#queue.length) {
      this.#delivering = true;
      try {
        return listener.item(chunk);
      } finally {
        this.#delivering = false;
      }
    }
    const resolve = this.#resolve;
    if (resolve) {
      this.#resolve = this.#reject = undefined;
      return resolve({ value: chunk, done: false });
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#whole) {
      if (this.#queued > MAX_WHOLE_BYTES) throw tooLarge();
    } else if (this.#queued > HIGH_WATER && !this.#controller.paused) this.#controller.pause();
  }

  /** @internal The upstream finished the body. */
  end(): void {
    this.#complete = true;
    this.#ended = true;
    if (this.#whole) return this.#whole.resolve(this.#take());
    if (this.#listener) return this.#flush();
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    resolve?.({ value: undefined, done: true });
  }

  /** @internal The body broke (reset, body timeout, abort). */
  fail(error: unknown): void {
    this.#complete = true;
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (this.#whole) return this.#whole.reject(error);
    if (this.#listener) return this.#flush();
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    reject?.(error);
  }

  /** The whole body if it already arrived, at once (nothing to wait for); else undefined, and bytes() waits for it. */
  bytesNow(): Buffer | undefined {
    return this.#complete && this.#error === undefined && !this.#whole ? this.#take() : undefined;
  }

  /** The whole body, without a copy when it came in one chunk. */
  bytes(): Promise<Buffer> {
    if (this.#ended) return this.#error === undefined ? Promise.resolve(this.#take()) : Promise.reject(this.#error);
    if (this.#controller.paused) this.#controller.resume();
    return new Promise((resolve, reject) => (this.#whole = { resolve, reject }));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.#head < this.#queue.length) {
      const chunk = this.#queue[this.#head]!;
      this.#queue[this.#head++] = EMPTY;
      this.#queued -= chunk.length;
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      }
      if (this.#controller.paused && this.#queued <= HIGH_WATER / 2 && !this.#ended) this.#controller.resume();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.#ended)
      return this.#error === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(this.#error);
    if (this.#controller.paused) this.#controller.resume();
    this.#wait ??= (resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    };
    return new Promise(this.#wait);
  }

  /**
   * Pushes the body to `listener` from now on: what is queued at once, then each chunk as it
   * comes, then its end or error. Instead of next(), not beside it.
   */
  listen(listener: PushListener<Buffer>): void {
    this.#listener = listener;
    this.#flush();
  }

  /** A listener is behind: chunks wait (and past 64 KiB, so does the upstream) until resume(). */
  pause(): void {
    this.#listenerPaused = true;
  }

  resume(): void {
    if (!this.#listenerPaused) return;
    this.#listenerPaused = false;
    this.#flush();
  }

  /** Hands the listener what is queued, then the end, while it is not paused. */
  #flush(): void {
    const queue = this.#queue;
    while (this.#listener && !this.#listenerPaused && this.#head < queue.length) {
      const chunk = queue[this.#head]!;
      queue[this.#head++] = EMPTY;
      this.#queued -= chunk.length;
      this.#listener.item(chunk);
    }
    const listener = this.#listener;
    if (!listener || this.#listenerPaused) return;
    queue.length = this.#head = 0;
    if (!this.#ended) {
      if (this.#controller.paused) this.#controller.resume();
      return;
    }
    this.#listener = undefined;
    if (this.#error === undefined) listener.end();
    else listener.error(this.#error);
  }

  /** The reader stopped early: the rest of the body is not wanted, so the request is aborted. */
  return(): Promise<IteratorResult<Buffer>> {
    this.#listener = undefined;
    if (!this.#ended) {
      this.#ended = true;
      this.#queue.length = 0;
      // Left while a pushed chunk is handed on (a decoder that saw its end marker): undici may
      // still be reading the body's end in the same data, which keeps the connection for reuse.
      if (this.#delivering) queueMicrotask(() => this.#abandon());
      else this.#abandon();
    }
    return RETURNED;
  }

  #abandon(): void {
    if (!this.#complete) this.#controller.abort(new RequestAbortedError('the upstream body was not read to the end'));
  }

  #take(): Buffer {
    const chunks = this.#head ? this.#queue.slice(this.#head) : this.#queue;
    this.#queue = [];
    this.#head = this.#queued = 0;
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}

const EMPTY = Buffer.alloc(0);

/** Thrown by push() (the client then drops the upstream request, and bytes() rejects with it). */
function tooLarge(): SwitchyardError {
  const mib = MAX_WHOLE_BYTES / 1024 / 1024;
  return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `upstream answer over ${mib} MiB`, { expose: true });
}
