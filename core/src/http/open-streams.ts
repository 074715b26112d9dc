import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { SwitchyardError } from '../errors.js';
import type { ProtocolCodec } from '../protocols/codec.js';

/**
 * Streams being written to callers. A shutdown whose grace period ran out ends each with an
 * error event in its caller's protocol before the connections are cut, so that no client takes
 * a cut stream for a finished one.
 */
export class OpenStreams {
  readonly #open = new Map<ServerResponse, { body: Readable; codec: ProtocolCodec; abort: () => void }>();

  /** `abort` stops what feeds the stream (its upstream call). */
  add(res: ServerResponse, body: Readable, codec: ProtocolCodec, abort: () => void): void {
    if (res.writableEnded) return;
    this.#open.set(res, { body, codec, abort });
    res.once('close', () => this.#open.delete(res));
  }

  get size(): number {
    return this.#open.size;
  }

  /** Stops every stream at an event boundary, writes `error` as its last event and ends it; waits at most `flushMs` for the bytes to leave. */
  async endAll(error: SwitchyardError, flushMs: number): Promise<void> {
    const ended = [...this.#open].map(
      ([res, { body, codec, abort }]) =>
        new Promise<void>((resolve) => {
          // Whole events are written one per chunk: unpiping stops between two of them.
          body.unpipe(res);
          abort();
          body.destroy();
          if (res.writableEnded || res.destroyed) return resolve();
          res.once('close', resolve);
          res.end(codec.streamError(error), () => resolve());
        }),
    );
    this.#open.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ended), new Promise<void>((resolve) => (timer = setTimeout(resolve, flushMs)))]);
    clearTimeout(timer);
  }
}
