import type * as Tapable from 'tapable';
import { requireCjs } from './cjs.js';
import { SwitchyardError } from './errors.js';
import { bailRunner, NOTHING, seriesRunner, waterfallRunner } from './hook-runners.js';
import type { MaybePromise } from './hook-runners.js';
import type { Exchange } from './exchange.js';
import type { Logger } from './logger.js';
import type { RoutePlan } from './routing/route-plan.js';
import type { AttemptResult, Reply, UpstreamRequest } from './types.js';

const { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, HookMap } = requireCjs(
  'tapable',
) as typeof Tapable;

/** Stages of selectRoute. */
export const RouteStage = { DISCOVER: -100, FILTER: 0, ORDER: 100 } as const;
/** Stages of convertRequest. */
export const ConvertStage = { BUILD: 0, ADJUST: 100 } as const;

/** A registered tap, as tapable hands it to `register` interceptors. */
type Tap = { name: string; type: 'sync' | 'async' | 'promise'; fn: (...args: unknown[]) => unknown; stage?: number };
type AnyHook = { intercept(interceptor: { register?: (tap: Tap) => Tap }): void };

export class GatewayHooks {
  /** Auth, limits, request checks. Return a Reply to end the request here. */
  readonly beforeRoute = new AsyncSeriesBailHook<[x: Exchange], Reply | void>(['x']);
  /** Build, filter and order the attempt plan. */
  readonly selectRoute = new AsyncSeriesWaterfallHook<[plan: RoutePlan, x: Exchange]>(['plan', 'x']);
  /** Per provider type: canonical request → wire request, then adjustments. */
  readonly convertRequest = new HookMap(
    () => new AsyncSeriesWaterfallHook<[req: UpstreamRequest, x: Exchange]>(['req', 'x']),
  );
  /** After every upstream attempt. A throwing tap is logged and never breaks the response. */
  readonly onResult = new AsyncSeriesHook<[result: AttemptResult, x: Exchange]>(['result', 'x']);
  /**
   * Once per routed request, when its response is over — sent, failed, refused by a plugin or
   * abandoned by the caller — whatever path it took. Release per-request resources here
   * (concurrency slots, reservations). A throwing tap is logged and never affects the others.
   */
  readonly onFinish = new AsyncSeriesHook<[x: Exchange]>(['x']);
  /** Once the server listens. Plugins that own timers or connections start them here. */
  readonly ready = new AsyncParallelHook<[]>([]);
  /** On shutdown, after in-flight requests finished. Release timers and connections. */
  readonly close = new AsyncParallelHook<[]>([]);

  /** With `timing`: the plugins whose taps are timed, by the index exchange spans record. */
  readonly timedPlugins = new TimedPlugins();

  #sealed = false;
  #runners: HookRunners | undefined;

  /** How the request path calls the request hooks (hook-runners.ts): built from the taps, kept once sealed. */
  get run(): HookRunners {
    if (this.#runners) return this.#runners;
    const convert = new Map<string, (req: UpstreamRequest, x: Exchange) => MaybePromise<UpstreamRequest>>();
    const runners: HookRunners = {
      beforeRoute: bailRunner(this.beforeRoute),
      selectRoute: waterfallRunner(this.selectRoute),
      onResult: seriesRunner(this.onResult),
      onFinish: seriesRunner(this.onFinish),
      convertRequest: (type, req, x) => {
        let run = convert.get(type);
        if (!run) {
          const hook = this.convertRequest.get(type);
          run = hook ? waterfallRunner(hook) : (r: UpstreamRequest) => r;
          convert.set(type, run);
        }
        return run(req, x);
      },
    };
    if (this.#sealed) this.#runners = runners;
    return runners;
  }

  /**
   * With `timing`, every tap of the request hooks (beforeRoute, selectRoute, convertRequest,
   * onResult) is wrapped to add its duration to the exchange, for the Server-Timing header.
   * Decided here, at startup: without it the taps run unwrapped.
   */
  constructor(logger: Logger, options: { timing?: boolean } = {}) {
    // Each hook with its number of arguments, which a `tapAsync` tap's callback follows.
    const arities: Array<[unknown, number]> = [
      [this.beforeRoute, 1],
      [this.selectRoute, 2],
      [this.onResult, 2],
      [this.onFinish, 1],
      [this.ready, 0],
      [this.close, 0],
    ];
    for (const [hook, arity] of arities)
      (hook as AnyHook).intercept({ register: (tap) => promised(this.#guard(tap), arity) });
    this.convertRequest.intercept({
      factory: (_key, hook) => {
        (hook as unknown as AnyHook).intercept({ register: (tap) => promised(this.#guard(tap), 2) });
        return hook;
      },
    });
    (this.onResult as unknown as AnyHook).intercept({ register: (tap) => isolate(tap, logger, 'onResult') });
    (this.onFinish as unknown as AnyHook).intercept({ register: (tap) => isolate(tap, logger, 'onFinish') });
    if (options.timing) {
      const taps = this.timedPlugins;
      (this.beforeRoute as unknown as AnyHook).intercept({ register: (tap) => timed(tap, 'beforeRoute', 0, taps) });
      (this.selectRoute as unknown as AnyHook).intercept({ register: (tap) => timed(tap, 'selectRoute', 1, taps) });
      (this.onResult as unknown as AnyHook).intercept({ register: (tap) => timed(tap, 'onResult', 1, taps) });
      this.convertRequest.intercept({
        factory: (key, hook) => {
          (hook as unknown as AnyHook).intercept({
            register: (tap) => timed(tap, `convertRequest.${String(key)}`, 1, taps),
          });
          return hook;
        },
      });
    }
  }

  /** After listen(): tapping any hook throws. */
  seal(): void {
    this.#sealed = true;
  }

  #guard(tap: Tap): Tap {
    if (this.#sealed) {
      throw new SwitchyardError(
        'SWITCHYARD_ERR_HOOKS_SEALED',
        `plugin "${tap.name}" tapped a hook after listen(); tap hooks in apply() only`,
      );
    }
    return tap;
  }
}

/** Each returns at once while every tap did, else a promise (hook-runners.ts); a sync tap's throw is thrown. */
export interface HookRunners {
  beforeRoute(x: Exchange): MaybePromise<Reply | void>;
  selectRoute(plan: RoutePlan, x: Exchange): MaybePromise<RoutePlan>;
  convertRequest(type: string, req: UpstreamRequest, x: Exchange): MaybePromise<UpstreamRequest>;
  onResult(result: AttemptResult, x: Exchange): MaybePromise<void>;
  onFinish(x: Exchange): MaybePromise<void>;
}

/**
 * A `tapAsync` tap as a promise tap, converted once as it registers (its callback after the
 * hook's `arity` arguments): the wrappers below and the runners (hook-runners.ts) see sync and
 * promise taps only.
 */
function promised(tap: Tap, arity: number): Tap {
  if (tap.type !== 'async') return tap;
  const fn = tap.fn;
  const call = (args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      fn(...args.slice(0, arity), (err?: unknown, value?: unknown) => (err ? reject(err) : resolve(value)));
    });
  return { ...tap, type: 'promise', fn: (...args) => call(args) };
}

/** Wraps a tap so its failure is logged with its name and the chain goes on. */
function isolate(tap: Tap, logger: Logger, hook: string): Tap {
  const fn = tap.fn;
  const report = (err: unknown): void => logger.error({ err, plugin: tap.name, hook }, `${hook} tap failed`);
  let wrapped: (...args: unknown[]) => unknown;
  if (tap.type === 'promise') {
    // The isolated hooks take at most two arguments: no rest array per call.
    wrapped = (a, b) => {
      try {
        const result = fn(a, b) as Promise<unknown> | undefined;
        return result === undefined || result === NOTHING ? NOTHING : result.then(undefined, report);
      } catch (err) {
        report(err);
        return NOTHING;
      }
    };
  } else {
    wrapped = (a, b) => {
      try {
        fn(a, b);
      } catch (err) {
        report(err);
      }
    };
  }
  return { ...tap, fn: wrapped };
}

/** A plugin name as a Server-Timing metric name (an HTTP token): `switchyard:resolve` → `switchyard-resolve`. */
export function timingName(plugin: string): string {
  return plugin.replace(/[^A-Za-z0-9!#$%&'*+.^_`|~-]/g, '-');
}

/**
 * The plugins whose taps are timed (Server-Timing), each with the hooks it taps; filled while
 * plugins register, read when a header is written. A span names a plugin by its index here.
 */
export class TimedPlugins {
  readonly #index = new Map<string, number>();
  readonly #hooks: string[][] = [];
  #prefixes: string[] | undefined;

  /** The plugin's index, recording that it taps `hook`. */
  add(plugin: string, hook: string): number {
    let i = this.#index.get(plugin);
    if (i === undefined) {
      i = this.#hooks.push([]) - 1;
      this.#index.set(plugin, i);
    }
    if (!this.#hooks[i]!.includes(hook)) this.#hooks[i]!.push(hook);
    this.#prefixes = undefined;
    return i;
  }

  get size(): number {
    return this.#hooks.length;
  }

  /** `name;desc="hooks";dur=` of plugin `i`, built once. */
  prefix(i: number): string {
    this.#prefixes ??= [...this.#index.keys()].map((name, k) => `${name};desc="${this.#hooks[k]!.join(' ')}";dur=`);
    return this.#prefixes[i]!;
  }
}

/**
 * Wraps a tap so the time it takes is appended to the exchange (argument `position`) as two
 * numbers, its plugin's index in `plugins` and the ms: no strings or maps per call.
 * Server-Timing sums them once, when the header is written. Only exchanges that asked for
 * per-plugin timing carry `timings.spans`; for every other one the wrapper calls the tap
 * straight through (no closure, no extra promise). Wrappers take the hooks' fixed arity (no
 * rest arrays).
 */
function timed(tap: Tap, hook: string, position: 0 | 1, plugins: TimedPlugins): Tap {
  const fn = tap.fn as (...args: unknown[]) => unknown;
  const id = plugins.add(timingName(tap.name), hook);
  const spansOf = (a: unknown, b: unknown): number[] | undefined =>
    ((position === 0 ? a : b) as Exchange).timings.spans;
  let wrapped: (...args: unknown[]) => unknown;
  if (tap.type === 'promise') {
    wrapped = (a, b) => {
      const spans = spansOf(a, b);
      if (!spans) return fn(a, b);
      const started = performance.now();
      return (fn(a, b) as Promise<unknown>).then((value) => {
        spans.push(id, performance.now() - started);
        return value;
      });
    };
  } else {
    wrapped = (a, b) => {
      const spans = spansOf(a, b);
      if (!spans) return fn(a, b);
      const started = performance.now();
      try {
        return fn(a, b);
      } finally {
        spans.push(id, performance.now() - started);
      }
    };
  }
  return { ...tap, fn: wrapped };
}
