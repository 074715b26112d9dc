import { SwitchyardError, retryAdvice } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { GatewayHooks } from '../hooks.js';
import { RouteStage } from '../hooks.js';
import type { ProviderRegistry } from '../providers.js';
import type { Exclusion } from './route-plan.js';
import type { Target } from '../types.js';

export const OPERATIONS_TAP = 'switchyard:operations';

/** Core's own selectRoute tap: of the candidates plugins discovered, those whose provider type serves the operation. */
export function tapCoreRouting(hooks: GatewayHooks, providers: ProviderRegistry): void {
  const serves = (t: Target, operation: string): boolean =>
    (providers.get(t.instance.type)?.operations ?? CHAT_ONLY).includes(operation);
  hooks.selectRoute.tap({ name: OPERATIONS_TAP, stage: RouteStage.FILTER }, (plan, x) => {
    // Nearly always every candidate serves the operation: checked first, without a closure per request.
    const targets = plan.targets;
    for (let i = 0; i < targets.length; i++)
      if (!serves(targets[i]!, x.operation))
        return plan.exclude(
          OPERATIONS_TAP,
          (t) => !serves(t, x.operation),
          (t) => `provider type ${t.instance.type} does not serve ${x.operation}`,
        );
    return plan;
  });
}

/** The operations of a provider type that names none. */
const CHAT_ONLY: readonly string[] = ['chat'];

/**
 * The caller's error when nothing is left to try: 404 when nothing was discovered, 400 when the
 * request's own needs or constraints excluded every candidate, 429 with Retry-After when every
 * other candidate only waits (its exclusion says for how long, e.g. a rate-limit cooldown),
 * else 503 naming each exclusion.
 */
export function noTargetError(x: Exchange): SwitchyardError {
  const { discovered, exclusions } = x.plan;
  if (discovered.length === 0) {
    return new SwitchyardError(
      'SWITCHYARD_ERR_MODEL_NOT_FOUND',
      `The model \`${x.model}\` does not exist or is not served by this gateway`,
      {
        publicCode: 'model_not_found',
        param: 'model',
      },
    );
  }
  const reasons = [...new Set(exclusions.map((e) => `${e.target}: ${e.reason} (${e.by})`))].join('; ');
  if (exclusions.filter((e) => e.byRequest).length >= discovered.length) {
    return new SwitchyardError(
      'SWITCHYARD_ERR_CONSTRAINT',
      `no target of \`${x.model}\` meets the request's routing constraints: ${reasons}`,
      { publicCode: 'constraint_unmet' },
    );
  }
  const waiting = waitingOnly(exclusions.filter((e) => !e.byRequest));
  if (waiting) {
    const headers = { ...waiting.headers, ...retryAdvice(waiting.retryAfterMs) };
    return new SwitchyardError(
      'SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED',
      `every target of \`${x.model}\` is rate limited: ${reasons}`,
      { expose: true, publicCode: 'rate_limit_exceeded', headers },
    );
  }
  return new SwitchyardError('SWITCHYARD_ERR_NO_TARGET', `no healthy target for \`${x.model}\`: ${reasons}`, {
    expose: true,
    publicCode: 'no_target',
  });
}

/** The exclusion that ends soonest when every one of them is only a wait, else undefined. */
function waitingOnly(exclusions: readonly Exclusion[]): (Exclusion & { retryAfterMs: number }) | undefined {
  let soonest: (Exclusion & { retryAfterMs: number }) | undefined;
  for (const e of exclusions) {
    if (e.retryAfterMs === undefined) return undefined;
    if (!soonest || e.retryAfterMs < soonest.retryAfterMs) soonest = e as Exclusion & { retryAfterMs: number };
  }
  return soonest;
}
