import type { RoutePlan } from '@switchyard/core/routing';

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

/** The plan condensed for the request line: counts, who excluded, the first `named` targets of the order. */
export function summarizePlan(plan: RoutePlan, named = 3): PlanSummary {
  const summary: PlanSummary = { found: plan.discovered.length, order: plan.targets.slice(0, named).map((t) => t.id) };
  if (plan.exclusions.length) {
    const excluded: Record<string, number> = {};
    for (const e of plan.exclusions) excluded[e.by] = (excluded[e.by] ?? 0) + 1;
    summary.excluded = excluded;
  }
  if (plan.orderings.length) summary.orderedBy = plan.orderings.map((o) => o.by);
  return summary;
}
