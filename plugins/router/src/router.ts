import type { AttemptOutcome, AttemptResult, Gateway, Target } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { explain } from './explain.js';
import type {
  ReportedOutcome,
  RouterApi,
  RouterStatsReport,
  SelectOptions,
  TargetStats,
  TargetStatsReport,
} from './contract.js';
import { MAX_TRACKED_TARGETS } from './stats.js';
import type { RouterStats } from './stats.js';

/** The router API over one gateway generation; `table` outlives reloads (gateway.keep). */
export class Router implements RouterApi {
  readonly table: RouterStats;
  readonly #gateway: Gateway;
  /** Targets seen in results that no listing names (prefix-claimed models), for stats(). */
  readonly #seen = new Map<string, Target>();

  constructor(gateway: Gateway, table: RouterStats) {
    this.#gateway = gateway;
    this.table = table;
  }

  async select(request: Record<string, unknown>, options: SelectOptions = {}): Promise<RoutePlan> {
    return (await this.explain(request, options)).exchange.plan;
  }

  /** The plan a request would get, through every selectRoute tap, as a dry run; `tags` and `strategy` as their headers would set them. */
  explain(request: Record<string, unknown>, options: SelectOptions = {}): ReturnType<RouterApi['explain']> {
    const headers = { ...options.headers };
    if (options.tags?.length)
      headers['x-switchyard-tags'] = [headers['x-switchyard-tags'], ...options.tags].filter(Boolean).join(',');
    if (options.strategy !== undefined) headers['x-switchyard-strategy'] = options.strategy;
    return explain(this.#gateway, request, {
      headers,
      ...(options.protocol ? { protocol: options.protocol } : {}),
      ...(options.caller ? { caller: options.caller } : {}),
    });
  }

  report(targetId: string, outcome: AttemptOutcome | ReportedOutcome): void {
    this.table.record(targetId, typeof outcome === 'string' ? { outcome } : outcome);
  }

  /** Every attempt result of the gateway (onResult). */
  record(result: AttemptResult): void {
    if (!this.#seen.has(result.target.id) && this.#seen.size < MAX_TRACKED_TARGETS)
      this.#seen.set(result.target.id, result.target);
    this.table.recordResult(result);
  }

  statsOf(targetId: string): TargetStats | undefined {
    return this.table.get(targetId);
  }

  entry(targetId: string): TargetStats {
    return this.table.entry(targetId);
  }

  /** Per target (served targets and any target with results): counts, EWMAs and health; totals. */
  stats(): RouterStatsReport {
    const { status } = this.#gateway;
    const byId = new Map<string, Target>();
    for (const t of this.#gateway.contract(MODEL_ROUTES)?.resolver.servedTargets() ?? []) byId.set(t.id, t);
    for (const [id, t] of this.#seen) if (!byId.has(id)) byId.set(id, t);
    const targets: TargetStatsReport[] = [];
    const totals = { targets: 0, healthy: 0, requests: 0, successes: 0 };
    for (const t of byId.values()) {
      const s = this.table.get(t.id);
      const health = status.health(t);
      const judged = s ? s.requests - s.businessErrors : 0;
      targets.push({
        id: t.id,
        instance: t.instance.name,
        model: t.model,
        requests: s?.requests ?? 0,
        successes: s?.successes ?? 0,
        failures: s?.failures ?? 0,
        rateLimited: s?.rateLimited ?? 0,
        businessErrors: s?.businessErrors ?? 0,
        successRate: s && judged > 0 ? round(s.successes / judged, 4) : null,
        ttftMs: figure(s?.ttftMs),
        msPerOutputToken: figure(s?.msPerOutputToken),
        latencyMs: figure(s?.latencyMs),
        health,
      });
      totals.targets++;
      if (health.healthy) totals.healthy++;
      totals.requests += s?.requests ?? 0;
      totals.successes += s?.successes ?? 0;
    }
    return { totals, targets };
  }
}

function figure(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : round(value, 1);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
