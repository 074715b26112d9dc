import { SwitchyardError } from './errors.js';
import type { Exchange } from './exchange.js';
import type { GatewayHooks } from './hooks.js';
import type { Logger } from './logger.js';
import type { ProtocolCodec } from './protocols/codec.js';
import type { ProviderRegistry } from './providers.js';
import type { UpstreamClient } from './upstream/client.js';
import { runAttempt } from './upstream/attempt.js';
import type { Delivery } from './upstream/attempt.js';
import type { AttemptResult, UpstreamRequest } from './types.js';

export interface DispatchDeps {
  readonly hooks: GatewayHooks;
  readonly providers: ProviderRegistry;
  readonly http: UpstreamClient;
  readonly logger: Logger;
  readonly maxAttempts: number;
}

export type DispatchOutcome = { ok: true; delivery: Delivery } | { ok: false; error: SwitchyardError };

/**
 * Tries the plan in order until one target succeeds, a business error ends it, or attempts run
 * out. Failover happens only before anything reached the client: a stream is committed at its
 * first event, inside runAttempt.
 */
export async function dispatch(x: Exchange, codec: ProtocolCodec, deps: DispatchDeps): Promise<DispatchOutcome> {
  const report = async (result: AttemptResult): Promise<void> => {
    await deps.hooks.onResult.promise(result, x).catch((err: unknown) => {
      deps.logger.error({ err, requestId: x.id }, 'onResult failed');
    });
  };
  const failures: Array<{ result: AttemptResult; error: SwitchyardError }> = [];

  for (const target of x.plan.targets) {
    if (x.attempt >= deps.maxAttempts || x.aborted) break;
    x.attempt++;
    x.target = target;
    const adapter = deps.providers.require(target.instance.type);
    const request = await buildRequest(x, deps.hooks, target.instance.type);
    const output = await runAttempt({ x, target, adapter, codec, http: deps.http, request, report });
    if (output.ok) return output;
    failures.push(output);
    if (output.result.outcome === 'business_error' || output.result.outcome === 'cancelled') {
      return { ok: false, error: output.error };
    }
  }
  return { ok: false, error: exhausted(failures) };
}

async function buildRequest(x: Exchange, hooks: GatewayHooks, type: string): Promise<UpstreamRequest> {
  const initial: UpstreamRequest = { url: '', method: 'POST', headers: {}, body: undefined, stream: x.stream };
  const hook = hooks.convertRequest.get(type);
  const request = hook ? await hook.promise(initial, x) : initial;
  if (!request.url) {
    throw new SwitchyardError('SWITCHYARD_ERR_INTERNAL', `no plugin built a request for provider type "${type}"`, { expose: false });
  }
  return request;
}

/** The caller's error once every attempt failed: 429 if the last was rate limited, 504 if it timed out, else 502. */
function exhausted(failures: Array<{ result: AttemptResult; error: SwitchyardError }>): SwitchyardError {
  const last = failures.at(-1);
  if (!last) return new SwitchyardError('SWITCHYARD_ERR_NO_TARGET', 'no target could be tried', { expose: true });
  if (failures.length === 1) return last.error;
  const summary = failures.map((f) => f.error.message).join('; ');
  const message = `all ${failures.length} attempts failed: ${summary}`;
  if (last.result.outcome === 'rate_limited') {
    return new SwitchyardError('SWITCHYARD_ERR_RATE_LIMITED', message, { expose: true, ...(last.error.headers ? { headers: last.error.headers } : {}) });
  }
  const code = last.result.failure === 'timeout' ? 'SWITCHYARD_ERR_UPSTREAM_TIMEOUT' : 'SWITCHYARD_ERR_UPSTREAM_FAILED';
  return new SwitchyardError(code, message, { expose: true });
}
