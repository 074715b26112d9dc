/**
 * The `@switchyard/core/routing` subpath: what selectRoute taps build and read — the attempt
 * plan, the model resolver, failover policies and the caller's error when nothing is left.
 */
export { RoutePlan } from './routing/route-plan.js';
export type { Discovery, Exclusion, ExclusionNote, Ordering } from './routing/route-plan.js';
export { ModelResolver } from './routing/resolve.js';
export { noTargetError } from './routing/core-taps.js';
export { FailoverPolicies, backoffDelay, retryAfterMs } from './routing/policy.js';
export type { FailoverPolicy } from './routing/policy.js';
