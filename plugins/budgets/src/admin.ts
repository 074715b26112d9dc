import { SwitchyardError } from '@switchyard/core';
import type { Gateway, RouteReply, RouteRequest } from '@switchyard/core';
import type { Scope } from './budgeter.js';
import type { StoreHealth } from './health.js';
import type { Ledger, Reading } from './ledger.js';
import { daysBetween, periodOf } from './periods.js';
import type { PeriodSpan } from './periods.js';
import type { BudgetsOptions } from './schema.js';
import { filterRows, parseSpendQuery, toCsv, totalsOf } from './spend.js';

export interface AdminDeps {
  readonly plugin: string;
  readonly options: BudgetsOptions;
  readonly ledger: Ledger;
  readonly health: StoreHealth;
  readonly now: () => number;
  readonly seen: ReadonlyMap<string, Scope>;
}

/** `GET /admin/spend` (records, filtered, JSON or CSV) and `GET /admin/budgets` (each budget's current period). */
export function addAdminRoutes(gateway: Gateway, d: AdminDeps): void {
  gateway.routes.add({
    method: 'GET',
    path: '/admin/spend',
    plugin: d.plugin,
    handle: (req) => spendReply(d, req),
  });
  gateway.routes.add({
    method: 'GET',
    path: '/admin/budgets',
    plugin: d.plugin,
    handle: () => budgetsReply(d),
  });
}

/** The spend records the query asks for, as CSV or as JSON with their totals. */
async function spendReply(d: AdminDeps, req: RouteRequest): Promise<RouteReply> {
  const q = parseSpendQuery(
    req.query,
    typeof req.headers.accept === 'string' ? req.headers.accept : undefined,
    d.now(),
  );
  if ('problem' in q) throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', q.problem, { param: q.param });
  const rows = filterRows(await d.ledger.spend(daysBetween(q.from, q.to)), q);
  if (q.format === 'csv') {
    return {
      body: toCsv(rows),
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="spend-${q.from}-${q.to}.csv"`,
      },
    };
  }
  const { format: _format, ...filters } = q;
  return { body: { ...filters, rows, totals: totalsOf(rows) } };
}

/** The store's state and every budget known (configured or used) in its current period. */
async function budgetsReply(d: AdminDeps): Promise<RouteReply> {
  const at = d.now();
  const scopes = [...configuredScopes(d.options), ...[...d.seen.values()]].filter(
    (s, i, all) => all.findIndex((o) => o.id === s.id) === i,
  );
  const spans = scopes.map((s) => periodOf(s.budget.period, at));
  const readings = await d.ledger.read(
    scopes.map((s, i) => `${s.id}:${spans[i]!.id}`),
    at,
  );
  return {
    body: {
      store: d.ledger.kind,
      onStoreError: d.options.onStoreError,
      ...d.health.counts(),
      budgets: scopes.map((s, i) => budgetRow(s, spans[i]!, readings[i]!, d.options)),
    },
  };
}

/** One budget of `GET /admin/budgets`: its limit, its period's spend and reservations, and when the period resets. */
function budgetRow(s: Scope, span: PeriodSpan, reading: Reading, options: BudgetsOptions) {
  return {
    scope: s.id,
    usd: s.budget.usd,
    period: s.budget.period,
    softLimit: s.budget.softLimit ?? options.softLimit,
    spentUsd: reading.spent,
    reservedUsd: reading.reserved,
    ...(Number.isFinite(span.end)
      ? {
          periodStart: new Date(span.start).toISOString(),
          resetsAt: new Date(span.end).toISOString(),
        }
      : {}),
  };
}

function configuredScopes(options: BudgetsOptions): Scope[] {
  return [
    ...(options.global ? [{ id: 'global', label: 'the gateway', budget: options.global }] : []),
    ...Object.entries(options.teams).map(([name, budget]) => ({ id: `team:${name}`, label: `team "${name}"`, budget })),
    ...Object.entries(options.keys).map(([name, budget]) => ({ id: `key:${name}`, label: `key "${name}"`, budget })),
  ];
}
