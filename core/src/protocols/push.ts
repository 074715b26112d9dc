/** Who a pushing stream hands its items to. */
export interface PushListener<T> {
  item(value: T): void;
  end(): void;
  error(error: unknown): void;
}

/**
 * A stream that can push its items to a listener as they come instead of being read with next():
 * no promise per item and per layer. Only the upstream body holds items back while paused; a
 * layer above it may still hand on what one chunk became.
 */
export interface PushSource<T> {
  /** Whether listen() works: the stream's own source pushes (down to an upstream body). */
  readonly pushable: boolean;
  /** Pushes to `listener` from now on (what was already read but not handed out first), instead of next(). */
  listen(listener: PushListener<T>): void;
  pause(): void;
  resume(): void;
}

/**
 * What return() of an iterator that finishes at once gives: one settled promise of the done
 * result for every stream, which a caller may recognise and need not wait for.
 */
export const RETURNED: Promise<IteratorReturnResult<undefined>> = Promise.resolve(
  Object.freeze({ value: undefined, done: true as const }),
);

export function canPush<T>(stream: unknown): stream is PushSource<T> {
  return (stream as Partial<PushSource<T>> | undefined)?.pushable === true;
}

/**
 * A stream layer read from `source` (it is its own iterator): it pushes when its source does,
 * its source's end and error passed on to `listener`, and pausing or resuming it pauses or
 * resumes the source (down to the upstream body).
 */
export abstract class PushLayer<In, Out = unknown> {
  protected readonly source: AsyncIterator<In>;
  /** Set by the layer's listen(): where it pushes what it makes of its source's items. */
  protected listener: PushListener<Out> | undefined;

  protected constructor(source: AsyncIterator<In>) {
    this.source = source;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** @internal The source ended (listen()). */
  end(): void {
    this.listener!.end();
  }

  /** @internal The source broke (listen()). */
  error(error: unknown): void {
    this.listener!.error(error);
  }

  get pushable(): boolean {
    return canPush(this.source);
  }

  pause(): void {
    (this.source as unknown as PushSource<In>).pause();
  }

  resume(): void {
    (this.source as unknown as PushSource<In>).resume();
  }

  /** Has the source push its items to `listener` (this layer) from now on. */
  protected listenToSource(listener: PushListener<In>): void {
    (this.source as unknown as PushSource<In>).listen(listener);
  }
}

/** Where a delivered stream writes its pieces when it pushes them (PushedPieces.pipe()). */
export interface PieceSink {
  /** False: the caller's buffer is full; the stream waits for resume(). */
  write(piece: string | Uint8Array): boolean;
  /** The stream is over (its last piece written, or stopped); nothing more comes. */
  end(): void;
}

/**
 * A delivered stream's pieces, readable with next() or, when `pushable`, pushed to a sink as they
 * come (pipe()).
 */
export interface PushedPieces extends AsyncIterableIterator<string | Uint8Array> {
  readonly pushable: boolean;
  pipe(sink: PieceSink): void;
  resume(): void;
  return(): Promise<IteratorResult<string | Uint8Array>>;
}
