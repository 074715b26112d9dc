import type { ServerResponse } from 'node:http';
import type { SwitchyardError } from '../errors.js';
import type { OpenStream } from './writer.js';

/**
 * Streams being written to callers. A shutdown whose grace period ran out ends each with an
 * error event in its caller's protocol before the connections are cut, so that no client takes
 * a cut stream for a finished one.
 */
export class OpenStreams {
  readonly #open = new Map<ServerResponse, OpenStream>();

  add(res: ServerResponse, stream: OpenStream): void {
    if (!res.writableEnded && !res.destroyed) this.#open.set(res, stream);
  }

  /** The response closed (its request's own 'close' listener calls this: no listener of its own). */
  delete(res: ServerResponse): void {
    this.#open.delete(res);
  }

  get size(): number {
    return this.#open.size;
  }

  /** Cuts every stream between two events with `error` as its last event; waits at most `flushMs` for the bytes to leave. */
  async endAll(error: SwitchyardError, flushMs: number): Promise<void> {
    const ended = [...this.#open.values()].map((stream) => stream.cut(error));
    this.#open.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ended), new Promise<void>((resolve) => (timer = setTimeout(resolve, flushMs)))]);
    clearTimeout(timer);
  }
}
