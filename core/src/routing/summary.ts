import type { RoutePlan } from './route-plan.js';

/** How many of the final order a summary names. */
const NAMED = 3;

export interface PlanSummary {
  /** Candidates discovered. */
  found: number;
  /** Candidates excluded, by plugin name. */
  excluded?: Record<string, number>;
  /** The first targets of the final order. */
  order: string[];
  /** Plugins that reordered, in the order they did. */
  orderedBy?: string[];
}

/** The plan condensed for the request log line: counts, who excluded, the head of the order. */
export function summarizePlan(plan: RoutePlan): PlanSummary {
  const summary: PlanSummary = { found: plan.discovered.length, order: plan.targets.slice(0, NAMED).map((t) => t.id) };
  if (plan.exclusions.length) {
    const excluded: Record<string, number> = {};
    for (const e of plan.exclusions) excluded[e.by] = (excluded[e.by] ?? 0) + 1;
    summary.excluded = excluded;
  }
  if (plan.orderings.length) summary.orderedBy = plan.orderings.map((o) => o.by);
  return summary;
}
