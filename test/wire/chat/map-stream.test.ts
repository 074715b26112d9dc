import { describe, expect, it } from 'vitest';
import type { PushListener, PushSource } from '@switchyard/core/stream';
import { mapStream } from '@switchyard/wire-chat';
import type { StreamMapping } from '@switchyard/wire-chat';

/** A pulled source that records whether it was closed. */
function numbers(values: number[]) {
  const state = { closed: false };
  async function* gen() {
    try {
      yield* values;
    } finally {
      state.closed = true;
    }
  }
  return { source: gen(), state };
}

async function readAll<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

/** Each number n becomes n copies of its string, and the end appends 'end'. */
const repeat: StreamMapping<number, string> = {
  each(n, out) {
    for (let i = 0; i < n; i++) out.push(String(n));
  },
  end(out) {
    out.push('end');
  },
};

/** A source that pushes when listened to: the test hands it its items. */
class Pushing<T> implements AsyncIterableIterator<T>, PushSource<T> {
  readonly pushable = true;
  listener: PushListener<T> | undefined;
  paused = false;
  returned = false;
  [Symbol.asyncIterator](): this {
    return this;
  }
  next(): Promise<IteratorResult<T>> {
    return Promise.reject(new Error('read by listen() only'));
  }
  return(): Promise<IteratorResult<T>> {
    this.returned = true;
    return Promise.resolve({ value: undefined, done: true });
  }
  listen(listener: PushListener<T>): void {
    this.listener = listener;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
}

function collector<T>() {
  const got = { items: [] as T[], ended: false, error: undefined as unknown };
  const listener: PushListener<T> = {
    item: (value) => got.items.push(value),
    end: () => (got.ended = true),
    error: (err) => (got.error = err),
  };
  return { got, listener };
}

describe('mapStream, read with next()', () => {
  it('gives what each item becomes (none, one or several), then what end() appends', async () => {
    const { source, state } = numbers([2, 0, 1, 3]);
    expect(await readAll(mapStream(source, repeat))).toEqual(['2', '2', '1', '3', '3', '3', 'end']);
    expect(state.closed).toBe(true);
  });

  it('each() returning false: the items of that call are read, then the source is closed and end() not called', async () => {
    const { source, state } = numbers([1, 2, 3]);
    const stream = mapStream<number, string>(source, {
      each(n, out) {
        out.push(String(n));
        if (n === 2) return false;
      },
      end(out) {
        out.push('end');
      },
    });
    expect(await readAll(stream)).toEqual(['1', '2']);
    expect(state.closed).toBe(true);
  });

  it('a throw in each() closes the source and ends the stream with that error', async () => {
    const { source, state } = numbers([1, 2]);
    const stream = mapStream<number, string>(source, {
      each(n) {
        if (n === 2) throw new Error('bad item');
      },
    });
    await expect(readAll(stream)).rejects.toThrow('bad item');
    expect(state.closed).toBe(true);
  });

  it('a source that throws ends the stream with its error', async () => {
    async function* broken() {
      yield 1;
      throw new Error('upstream broke');
    }
    await expect(readAll(mapStream(broken(), repeat))).rejects.toThrow('upstream broke');
  });

  it('leaving early (return()) closes the source', async () => {
    const { source, state } = numbers([1, 2, 3]);
    const stream = mapStream(source, repeat);
    expect(await stream.next()).toEqual({ value: '1', done: false });
    expect(await stream.return!()).toEqual({ value: undefined, done: true });
    expect(state.closed).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});

describe('mapStream over a pushing source', () => {
  it('pushes too: what each item becomes, then end() and the end', () => {
    const source = new Pushing<number>();
    const stream = mapStream(source, repeat) as AsyncIterableIterator<string> & PushSource<string>;
    expect(stream.pushable).toBe(true);
    const { got, listener } = collector<string>();
    stream.listen(listener);
    source.listener!.item(2);
    source.listener!.item(1);
    expect(got.items).toEqual(['2', '2', '1']);
    source.listener!.end();
    expect(got).toEqual({ items: ['2', '2', '1', 'end'], ended: true, error: undefined });
  });

  it('pause() and resume() reach the source', () => {
    const source = new Pushing<number>();
    const stream = mapStream(source, repeat) as AsyncIterableIterator<string> & PushSource<string>;
    stream.pause();
    expect(source.paused).toBe(true);
    stream.resume();
    expect(source.paused).toBe(false);
  });

  it('each() returning false ends the pushed stream and closes the source', () => {
    const source = new Pushing<number>();
    const stream = mapStream<number, string>(source, {
      each(n, out) {
        out.push(String(n));
        return false;
      },
    }) as AsyncIterableIterator<string> & PushSource<string>;
    const { got, listener } = collector<string>();
    stream.listen(listener);
    source.listener!.item(7);
    expect(got).toEqual({ items: ['7'], ended: true, error: undefined });
    expect(source.returned).toBe(true);
  });

  it('a throw in each() or end() reaches the listener as the error', () => {
    const failing = (where: 'each' | 'end') => {
      const source = new Pushing<number>();
      const stream = mapStream<number, string>(source, {
        each(n) {
          if (where === 'each') throw new Error(`bad ${n}`);
        },
        end() {
          if (where === 'end') throw new Error('bad end');
        },
      }) as AsyncIterableIterator<string> & PushSource<string>;
      const { got, listener } = collector<string>();
      stream.listen(listener);
      source.listener!.item(1);
      if (where === 'end') source.listener!.end();
      return { got, source };
    };
    const inEach = failing('each');
    expect((inEach.got.error as Error).message).toBe('bad 1');
    expect(inEach.source.returned).toBe(true);
    expect((failing('end').got.error as Error).message).toBe('bad end');
  });

  it('a source that is not pushable makes a stream that is not either', () => {
    const { source } = numbers([1]);
    const stream = mapStream(source, repeat) as AsyncIterableIterator<string> & PushSource<string>;
    expect(stream.pushable).toBe(false);
  });
});
