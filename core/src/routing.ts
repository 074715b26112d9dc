/**
 * The `@switchyard/core/routing` subpath: what selectRoute taps build and read — the attempt
 * plan, per-request routing overrides, failover policies and the caller's error when nothing is left.
 */
export { RoutePlan } from './routing/route-plan.js';
export type { Discovery, Exclusion, ExclusionNote, Ordering } from './routing/route-plan.js';
export { noTargetError } from './routing/core-taps.js';
export { FailoverPolicies, ROUTING_OVERRIDES, backoffDelay, retryAfterMs } from './routing/policy.js';
export type { FailoverPolicy } from './routing/policy.js';
