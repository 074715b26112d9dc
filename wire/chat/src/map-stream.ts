import { PushLayer, RETURNED } from '@switchyard/core/stream';
import type { PushListener, PushSource } from '@switchyard/core/stream';

/** What mapStream() does with each item of its source. */
export interface StreamMapping<T, U> {
  /**
   * Appends to `out` what `item` becomes (none, one or several items). Returns false when the
   * source is not wanted any further: once `out` is read, it is closed and the stream ends.
   * Throwing ends the stream with that error.
   */
  each(item: T, out: U[]): boolean | void;
  /** Appends the last items once the source is over (not after each() said stop). Throwing ends the stream with that error. */
  end?(out: U[]): void;
}

/**
 * A stream of what each item of `source` maps to, read as the source is: the work of an async
 * generator looping over it, as a plain iterator, since a converted stream runs one per item
 * and per layer (an async generator costs a promise, an iterator result and an await per item
 * and per layer). Leaving early (return()) closes the source, as a generator's loop would.
 * When the source pushes (PushSource), so does the mapped stream.
 */
export function mapStream<T, U>(source: AsyncIterable<T>, mapping: StreamMapping<T, U>): AsyncIterableIterator<U> {
  return new MappedStream(source[Symbol.asyncIterator](), mapping);
}

const DONE = Object.freeze({ value: undefined, done: true }) as IteratorReturnResult<undefined>;

class MappedStream<T, U> extends PushLayer<T, U> implements AsyncIterableIterator<U>, PushSource<U>, PushListener<T> {
  readonly #mapping: StreamMapping<T, U>;
  #out: U[] = [];
  #at = 0;
  /** each() asked to stop: the source is closed once `#out` is read. */
  #stopping = false;
  #ended = false;

  constructor(source: AsyncIterator<T>, mapping: StreamMapping<T, U>) {
    super(source);
    this.#mapping = mapping;
  }

  next(): Promise<IteratorResult<U>> {
    if (this.#at < this.#out.length) return Promise.resolve({ value: this.#take(), done: false });
    if (this.#ended) return Promise.resolve(DONE);
    if (this.#stopping) return this.return();
    return this.source.next().then(this.#onItem, this.#onError);
  }

  listen(listener: PushListener<U>): void {
    this.listener = listener;
    while (this.#at < this.#out.length) listener.item(this.#take());
    this.#out.length = this.#at = 0;
    if (this.#ended) return listener.end();
    if (this.#stopping) {
      this.return().catch(ignore);
      return listener.end();
    }
    this.listenToSource(this);
  }

  /** @internal An item of the source (listen()). */
  item(value: T): void {
    if (this.#ended) return;
    const out = this.#out;
    let more: boolean | void;
    try {
      more = this.#mapping.each(value, out);
    } catch (err) {
      this.return().catch(ignore);
      return this.listener!.error(err);
    }
    // A listener may stop this stream (return()) while it takes these: that empties `out`.
    for (let i = 0; i < out.length; i++) this.listener!.item(out[i]!);
    out.length = 0;
    if (more === false && !this.#ended) {
      this.return().catch(ignore);
      this.listener!.end();
    }
  }

  /** @internal The source is over (listen()). */
  override end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const out = this.#out;
    try {
      this.#mapping.end?.(out);
    } catch (err) {
      out.length = 0;
      return this.listener!.error(err);
    }
    for (let i = 0; i < out.length; i++) this.listener!.item(out[i]!);
    out.length = 0;
    this.listener!.end();
  }

  /** @internal The source broke (listen()). */
  override error(err: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.listener!.error(err);
  }

  return(): Promise<IteratorResult<U>> {
    if (this.#ended) return RETURNED;
    this.#ended = true;
    this.#out.length = this.#at = 0;
    if (!this.source.return) return RETURNED;
    const returned = this.source.return();
    return returned === RETURNED ? RETURNED : returned.then(done);
  }

  #take(): U {
    const item = this.#out[this.#at]!;
    this.#out[this.#at++] = undefined as U;
    return item;
  }

  readonly #onItem = (result: IteratorResult<T>): IteratorResult<U> | Promise<IteratorResult<U>> => {
    this.#out.length = this.#at = 0;
    try {
      if (result.done) {
        this.#ended = true;
        this.#mapping.end?.(this.#out);
      } else if (this.#mapping.each(result.value, this.#out) === false) this.#stopping = true;
    } catch (err) {
      // As a generator's loop would: the source is closed, then the error goes on.
      if (result.done) throw err;
      return this.return().then(() => Promise.reject(err));
    }
    return this.next();
  };

  /** The source threw: it is over, and so is this stream. */
  readonly #onError = (err: unknown): never => {
    this.#ended = true;
    throw err;
  };
}

const ignore = (): undefined => undefined;

function done(): IteratorReturnResult<undefined> {
  return DONE;
}
