import type { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';

type Fn = (a: unknown, b?: unknown) => unknown;
type Inspectable = { taps: Array<{ fn: Fn }>; interceptors: Array<Record<string, unknown>> };

/** A value now, or a promise of it: what the runners return. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What a `tapPromise` tap returns when it has nothing to do for this request: an already
 * resolved promise of undefined, which the request path takes for undefined without waiting
 * for it (tapable's own call, which insists on a promise, gets one). Cheaper than an async
 * function that returns at once: no promise allocated, no await.
 */
export const NOTHING: Promise<undefined> = Promise.resolve(undefined);

export const isPromise = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * The request path calls its hooks through these runners rather than tapable's compiled `promise()`,
 * which allocates a promise and a closure per tap on every call: a loop over the taps as registered
 * (interceptors' `register` applied: GatewayHooks has made every `tapAsync` tap a promise tap,
 * so a tap is sync or returns a promise). While every tap answers at once (sync taps, promise taps
 * returning NOTHING), the call is synchronous and returns its value; from the first tap that
 * returns a promise on, it goes on asynchronously and returns a promise. A sync tap's throw is
 * thrown. A hook with interceptors that watch calls (`call`, `tap`, `result`…) keeps tapable's
 * own call. Index loops: a for-of iterator in an async function is allocated per call.
 */
function tapFns(hook: unknown): Fn[] | undefined {
  const { taps, interceptors } = hook as Inspectable;
  if (interceptors.some((i) => Object.keys(i).some((k) => k !== 'register' && k !== 'name'))) return undefined;
  return taps.map((tap) => tap.fn);
}

/** A tap's answer: NOTHING is undefined at once; another promise is waited for. */
function settle(r: unknown): unknown {
  return r === NOTHING ? undefined : r;
}

/** Runs the taps in order; the first that returns something other than undefined ends the call with it. */
export function bailRunner<A, R>(hook: AsyncSeriesBailHook<[A], R>): (a: A) => MaybePromise<R | undefined> {
  const fns = tapFns(hook);
  if (!fns) return (a) => hook.promise(a) as Promise<R | undefined>;
  const from = async (a: A, i: number, pending: PromiseLike<unknown>): Promise<R | undefined> => {
    let r = await pending;
    while (r === undefined && ++i < fns.length) {
      r = settle(fns[i]!(a));
      if (isPromise(r)) r = await r;
    }
    return r as R | undefined;
  };
  return (a) => {
    for (let i = 0; i < fns.length; i++) {
      const r = settle(fns[i]!(a));
      if (r === undefined) continue;
      return isPromise(r) ? from(a, i, r) : (r as R);
    }
    return undefined;
  };
}

/** Runs the taps in order, each given what the last returned (undefined keeps the value). */
export function waterfallRunner<T, B>(hook: AsyncSeriesWaterfallHook<[T, B]>): (value: T, b: B) => MaybePromise<T> {
  const fns = tapFns(hook);
  if (!fns) return (value, b) => hook.promise(value, b);
  const from = async (value: T, b: B, i: number, pending: PromiseLike<unknown>): Promise<T> => {
    let r = await pending;
    for (;;) {
      if (r !== undefined) value = r as T;
      if (++i >= fns.length) return value;
      r = settle(fns[i]!(value, b));
      if (isPromise(r)) r = await r;
    }
  };
  return (value, b) => {
    for (let i = 0; i < fns.length; i++) {
      const r = settle(fns[i]!(value, b));
      if (isPromise(r)) return from(value, b, i, r);
      if (r !== undefined) value = r as T;
    }
    return value;
  };
}

/** Runs the taps in order. */
export function seriesRunner<A, B>(
  hook: AsyncSeriesHook<[A, B]> | AsyncSeriesHook<[A]>,
): (a: A, b?: B) => MaybePromise<void> {
  const fns = tapFns(hook);
  if (!fns) return (a, b) => (hook as AsyncSeriesHook<[A, B]>).promise(a, b as B);
  const from = async (a: A, b: B | undefined, i: number, pending: PromiseLike<unknown>): Promise<void> => {
    await pending;
    while (++i < fns.length) {
      const r = settle(fns[i]!(a, b));
      if (isPromise(r)) await r;
    }
  };
  return (a, b) => {
    for (let i = 0; i < fns.length; i++) {
      const r = settle(fns[i]!(a, b));
      if (isPromise(r)) return from(a, b, i, r);
    }
  };
}
