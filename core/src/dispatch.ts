import { SwitchyardError } from './errors.js';
import type { Exchange } from './exchange.js';
import type { GatewayHooks } from './hooks.js';
import type { Logger } from './logger.js';
import { isPromise } from './hook-runners.js';
import type { MaybePromise } from './hook-runners.js';
import { INBOUND_WARNINGS } from './protocols/codec.js';
import type { ProtocolCodec } from './protocols/codec.js';
import type { ProviderRegistry } from './providers.js';
import type { UpstreamClient } from './upstream/client.js';
import { HEDGE_LOST, runAttempt } from './upstream/attempt.js';
import { OVERLOADED } from './upstream/upstream-error.js';
import type { AttemptContext, AttemptOutput, Delivery } from './upstream/attempt.js';
import type { UpstreamAbort } from './upstream/abort.js';
import type { TtftTracker } from './routing/latency.js';
import type { AttemptResult, Target, UpstreamRequest } from './types.js';
import { backoffDelay, retryAfterMs, ROUTING_OVERRIDES } from './routing/policy.js';
import type { FailoverPolicies, FailoverPolicy } from './routing/policy.js';

export interface DispatchDeps {
  readonly hooks: GatewayHooks;
  readonly providers: ProviderRegistry;
  readonly http: UpstreamClient;
  readonly logger: Logger;
  /** Failover policies: the config's routing, with a request's ROUTING_OVERRIDES. */
  readonly policies: FailoverPolicies;
  /** Time to first token per target, for hedging: recorded once some policy hedges (`policies.hedging`). */
  readonly latency?: TtftTracker;
}

export type DispatchOutcome = { ok: true; delivery: Delivery } | { ok: false; error: SwitchyardError };

type Failed = { result: AttemptResult; error: SwitchyardError };

/**
 * Tries the plan in order until one target succeeds, an outcome the policy does not fail over
 * on ends it (business errors and cancellations always do), attempts run out or the deadline
 * passes. With `retryLastTarget`, the last candidate is retried after a jittered backoff while
 * attempts remain. With `hedge`, an attempt slower than its target's p95 time to first token
 * gets a twin on the next target (see hedge()). Failover happens only before anything reached
 * the client: a stream is committed at its first event, inside runAttempt.
 */
export async function dispatch(x: Exchange, codec: ProtocolCodec, deps: DispatchDeps): Promise<DispatchOutcome> {
  const report = (result: AttemptResult): MaybePromise<void> => reportResult(deps, x, result);
  const policy = deps.policies.for(x.get(ROUTING_OVERRIDES));
  const deadline = policy.deadlineMs === undefined ? Number.POSITIVE_INFINITY : x.timings.start + policy.deadlineMs;
  const targets = x.plan.targets;
  const failures: Failed[] = [];
  let late = false;

  for (let i = 0; x.attempt < policy.maxAttempts && !x.aborted; i++) {
    const target = targets[i] ?? (await retryTarget(x, policy, i, failures, deadline));
    if (target === undefined || target === LATE) {
      late = target === LATE;
      break;
    }
    if (x.aborted) break;
    if (x.failoverEnded) return { ok: false, error: x.failoverEnded };
    const left = deadline - performance.now();
    if (left <= 0) {
      late = true;
      break;
    }
    const timeoutMs = Math.max(1, Math.min(target.instance.timeoutMs, Math.ceil(left)));
    const twin = policy.hedge && x.attempt + 1 < policy.maxAttempts ? targets[i + 1] : undefined;
    const after = twin && deps.latency?.p95(target.id, policy.hedgeMinSamples);
    if (twin && after !== undefined && after < timeoutMs) {
      const hedged = await hedge(x, target, twin, after, (t, extra) =>
        attempt(x, t, codec, deps, report, timeoutWithin(t, deadline), extra),
      );
      if (hedged.fired) i++;
      for (const output of hedged.outputs) {
        if (output.ok) return served(x, output);
        failures.push(output);
      }
    } else {
      const output = await attempt(x, target, codec, deps, report, timeoutMs);
      if (output.ok) return served(x, output);
      failures.push(output);
    }
    const last = failures.at(-1)!;
    if (!policy.failoverOn.has(last.result.outcome)) return { ok: false, error: last.error };
  }
  return { ok: false, error: exhausted(failures, late ? policy.deadlineMs : undefined) };
}

const LATE = Symbol('past the deadline');

/** A successful attempt ends dispatch: the caller's bytes are no longer needed for another. */
function served(x: Exchange, output: DispatchOutcome & { ok: true }): DispatchOutcome {
  x.releaseRaw();
  return output;
}

/**
 * Past the plan's end: the last target again after a jittered backoff (`retryLastTarget`), or
 * undefined when there is none to retry, or LATE when the wait would pass the deadline.
 */
async function retryTarget(
  x: Exchange,
  policy: FailoverPolicy,
  i: number,
  failures: readonly Failed[],
  deadline: number,
): Promise<Target | typeof LATE | undefined> {
  const targets = x.plan.targets;
  const last = failures.at(-1);
  const target = targets.at(-1);
  if (!policy.retryLastTarget || !target || !last) return undefined;
  const wait = retryWait(policy, i - targets.length + 1, last.result);
  if (wait === undefined) return undefined;
  if (performance.now() + wait >= deadline) return LATE;
  await pause(wait, x);
  return target;
}

/** An attempt's timeout: its target's, cut to what is left before the deadline (at least 1 ms). */
function timeoutWithin(target: Target, deadline: number): number {
  return Math.max(1, Math.min(target.instance.timeoutMs, Math.ceil(deadline - performance.now())));
}

/** Records an attempt's result and runs onResult (at once while its taps answer at once); a failing tap is logged, never thrown. */
function reportResult(deps: DispatchDeps, x: Exchange, result: AttemptResult): MaybePromise<void> {
  x.results.push(result);
  if (deps.latency && result.outcome === 'success' && deps.policies.hedging)
    deps.latency.record(result.target.id, result.ttftMs ?? result.latencyMs);
  try {
    const done = deps.hooks.run.onResult(result, x);
    if (isPromise(done)) return done.then(undefined, (err: unknown) => onResultFailed(deps, x, err));
  } catch (err) {
    onResultFailed(deps, x, err);
  }
}

function onResultFailed(deps: DispatchDeps, x: Exchange, err: unknown): void {
  deps.logger.error({ err, requestId: x.id }, 'onResult failed');
}

type Extra = Pick<AttemptContext, 'hedge' | 'bind'>;

/** One attempt on `target`: the wire request built by the provider's taps, then sent. */
function attempt(
  x: Exchange,
  target: Target,
  codec: ProtocolCodec,
  deps: DispatchDeps,
  report: AttemptContext['report'],
  timeoutMs: number,
  extra?: Extra,
): Promise<AttemptOutput> {
  x.attempt++;
  x.target = target;
  const adapter = deps.providers.require(target.instance.type);
  const passThrough = (adapter.protocolFor ? adapter.protocolFor(target, x.protocol) : adapter.protocol) === x.protocol;
  if (!passThrough) for (const warning of x.get(INBOUND_WARNINGS) ?? []) x.warn(warning);
  const send = (request: UpstreamRequest): Promise<AttemptOutput> =>
    runAttempt(
      extra
        ? { x, target, adapter, codec, passThrough, http: deps.http, request, report, timeoutMs, ...extra }
        : { x, target, adapter, codec, passThrough, http: deps.http, request, report, timeoutMs },
    );
  try {
    const request = buildRequest(x, deps.hooks, target.instance.type);
    return isPromise(request) ? request.then(send) : send(request);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Runs `first`; if it has not answered within `afterMs`, starts `second` beside it. The first
 * to answer wins and the other is aborted (reported as cancelled, `hedge_lost`); when one
 * fails, the other is awaited. Outputs come in the order they finished.
 */
async function hedge(
  x: Exchange,
  first: Target,
  second: Target,
  afterMs: number,
  start: (target: Target, extra: Extra) => Promise<AttemptOutput>,
): Promise<{ fired: boolean; outputs: AttemptOutput[] }> {
  const live = new Set<UpstreamAbort>();
  x.bindUpstream({ abort: (reason) => live.forEach((c) => c.abort(reason)) });
  const slot = (): { bind: Extra['bind']; abort: () => void } => {
    let mine: UpstreamAbort | undefined;
    return {
      bind: (c) => {
        if (c) live.add((mine = c));
        else if (mine) live.delete(mine);
      },
      abort: () => mine?.abort(HEDGE_LOST),
    };
  };
  const slots = [slot(), slot()] as const;
  const a = start(first, { bind: slots[0].bind }).then((o) => [0, o] as const);
  let timer: NodeJS.Timeout | undefined;
  const fired = new Promise<'fire'>((resolve) => (timer = setTimeout(resolve, afterMs, 'fire')));
  const early = await Promise.race([a, fired]);
  clearTimeout(timer);
  if (early !== 'fire' || x.aborted) {
    const output = early === 'fire' ? (await a)[1] : early[1];
    return { fired: false, outputs: [output] };
  }
  const b = start(second, { bind: slots[1].bind, hedge: true }).then((o) => [1, o] as const);
  const [winner, output] = await Promise.race([a, b]);
  const other = winner === 0 ? b : a;
  if (output.ok) {
    slots[1 - winner]!.abort();
    void other.then(([, o]) => discard(o));
    x.target = winner === 0 ? first : second;
    return { fired: true, outputs: [output] };
  }
  const [late, rest] = await other;
  x.target = late === 0 ? first : second;
  return { fired: true, outputs: [output, rest] };
}

/** A stream that won too late: entered and closed at once, so that it reports and releases its upstream. */
async function discard(output: AttemptOutput): Promise<void> {
  if (!output.ok || output.delivery.kind !== 'stream') return;
  const it = output.delivery.body[Symbol.asyncIterator]();
  await it.next().catch(() => undefined);
  await it.return?.(undefined).catch(() => undefined);
}

/** How long to wait before retrying the same target; undefined when a Retry-After is longer than the backoff allows. */
function retryWait(policy: FailoverPolicy, retry: number, last: AttemptResult): number | undefined {
  const wait = backoffDelay(policy, retry);
  if (last.outcome !== 'rate_limited') return wait;
  const asked = retryAfterMs(last.retryAfter);
  if (asked === undefined) return wait;
  return asked > policy.backoffMaxMs ? undefined : Math.max(wait, asked);
}

/** Resolves after `ms`, or as soon as the caller hangs up. */
function pause(ms: number, x: Exchange): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const signal = x.signal;
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The wire request the provider's convertRequest taps build: at once while they answer at once. */
function buildRequest(x: Exchange, hooks: GatewayHooks, type: string): MaybePromise<UpstreamRequest> {
  const initial: UpstreamRequest = { url: '', method: 'POST', headers: {}, body: undefined, stream: x.stream };
  const request = hooks.run.convertRequest(type, initial, x);
  return isPromise(request) ? request.then((r) => built(r, type)) : built(request, type);
}

function built(request: UpstreamRequest, type: string): UpstreamRequest {
  if (!request.url) {
    throw new SwitchyardError('SWITCHYARD_ERR_INTERNAL', `no plugin built a request for provider type "${type}"`);
  }
  return request;
}

/**
 * The caller's error once every attempt failed: 429 if the last was rate limited, 504 if it
 * timed out or the deadline passed, else 502.
 */
function exhausted(failures: readonly Failed[], deadlineMs: number | undefined): SwitchyardError {
  const last = failures.at(-1);
  const overdue = deadlineMs === undefined ? '' : `the deadline of ${deadlineMs} ms passed`;
  if (!last) {
    if (overdue)
      return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_TIMEOUT', `${overdue} before any attempt`, { expose: true });
    return new SwitchyardError('SWITCHYARD_ERR_NO_TARGET', 'no target could be tried', { expose: true });
  }
  if (failures.length === 1 && !overdue) return last.error;
  const summary = failures.map((f) => f.error.message).join('; ');
  const message = `all ${failures.length} attempts failed: ${summary}${overdue ? `; ${overdue}` : ''}`;
  if (last.result.outcome === 'rate_limited' && !overdue) {
    return new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED', message, {
      expose: true,
      ...(last.error.headers ? { headers: last.error.headers } : {}),
    });
  }
  const code =
    overdue || last.result.failure === 'timeout' ? 'SWITCHYARD_ERR_UPSTREAM_TIMEOUT' : 'SWITCHYARD_ERR_UPSTREAM_FAILED';
  const overloaded = code === 'SWITCHYARD_ERR_UPSTREAM_FAILED' && last.error.type === OVERLOADED.type;
  return new SwitchyardError(code, message, { expose: true, ...(overloaded ? OVERLOADED : {}) });
}
