import type { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';

type Fn = (a: unknown, b?: unknown) => unknown;
type RegisteredTap = { type: 'sync' | 'async' | 'promise'; fn: (...args: unknown[]) => unknown };
type Inspectable = { taps: RegisteredTap[]; interceptors: Array<Record<string, unknown>>; _args: string[] };

/**
 * The request path calls its hooks through these runners rather than tapable's compiled `promise()`,
 * which allocates a promise and a closure per tap on every call: a loop over the taps as registered
 * (interceptors' `register` applied), awaiting only what returned a promise. A hook with interceptors
 * that watch calls (`call`, `tap`, `result`…) keeps tapable's own call. Index loops: a for-of
 * iterator in an async function is allocated per call.
 */
function tapFns(hook: unknown): Fn[] | undefined {
  const { taps, interceptors, _args: args } = hook as Inspectable;
  if (interceptors.some((i) => Object.keys(i).some((k) => k !== 'register' && k !== 'name'))) return undefined;
  return taps.map((tap) => (tap.type === 'async' ? callbackTap(tap.fn, args.length) : (tap.fn as Fn)));
}

/** A `tapAsync` tap as a promise-returning one; its callback comes after the hook's own arguments. */
function callbackTap(fn: (...args: unknown[]) => unknown, arity: number): Fn {
  return (a, b) =>
    new Promise((resolve, reject) => {
      const done = (err: unknown, value?: unknown): void => (err ? reject(err) : resolve(value));
      if (arity === 1) fn(a, done);
      else fn(a, b, done);
    });
}

const isPromise = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** Runs the taps in order; the first that returns something other than undefined ends the call with it. */
export function bailRunner<A, R>(hook: AsyncSeriesBailHook<[A], R>): (a: A) => Promise<R | undefined> {
  const fns = tapFns(hook);
  if (!fns) return (a) => hook.promise(a) as Promise<R | undefined>;
  return async (a) => {
    for (let i = 0; i < fns.length; i++) {
      let r = fns[i]!(a);
      if (isPromise(r)) r = await r;
      if (r !== undefined) return r as R;
    }
    return undefined;
  };
}

/** Runs the taps in order, each given what the last returned (undefined keeps the value). */
export function waterfallRunner<T, B>(hook: AsyncSeriesWaterfallHook<[T, B]>): (value: T, b: B) => Promise<T> {
  const fns = tapFns(hook);
  if (!fns) return (value, b) => hook.promise(value, b);
  return async (value, b) => {
    for (let i = 0; i < fns.length; i++) {
      let r = fns[i]!(value, b);
      if (isPromise(r)) r = await r;
      if (r !== undefined) value = r as T;
    }
    return value;
  };
}

/** Runs the taps in order. */
export function seriesRunner<A, B>(
  hook: AsyncSeriesHook<[A, B]> | AsyncSeriesHook<[A]>,
): (a: A, b?: B) => Promise<void> {
  const fns = tapFns(hook);
  if (!fns) return (a, b) => (hook as AsyncSeriesHook<[A, B]>).promise(a, b as B);
  return async (a, b) => {
    for (let i = 0; i < fns.length; i++) {
      const r = fns[i]!(a, b);
      if (isPromise(r)) await r;
    }
  };
}
