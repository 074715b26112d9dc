import type { SpendRow } from './ledger.js';
import { DAY_MS, dayOf } from './periods.js';

/** What `GET /admin/spend` asks: filters, a day range and a format. */
export interface SpendQuery {
  readonly key?: string;
  readonly team?: string;
  readonly model?: string;
  readonly from: string;
  readonly to: string;
  readonly format: 'json' | 'csv';
}

/** The longest range one query may cover. */
export const MAX_DAYS = 400;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A query from URL parameters (`from`/`to`: `YYYY-MM-DD`, UTC, both included; default the last 31 days to today); a string says what is wrong. */
export function parseSpendQuery(
  query: Readonly<Record<string, string | string[] | undefined>>,
  accept: string | undefined,
  now: number,
): SpendQuery | { problem: string; param: string } {
  const one = (name: string): string | undefined => {
    const v = query[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const to = one('to') ?? dayOf(now);
  const from = one('from') ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 30 * DAY_MS);
  for (const [param, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
      return { problem: `${param} must be a date, YYYY-MM-DD (UTC)`, param };
  }
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (days < 1) return { problem: 'from must not be after to', param: 'from' };
  if (days > MAX_DAYS) return { problem: `a query covers at most ${MAX_DAYS} days`, param: 'from' };
  const format = one('format') ?? (accept?.includes('text/csv') ? 'csv' : 'json');
  if (format !== 'json' && format !== 'csv') return { problem: 'format must be json or csv', param: 'format' };
  const key = one('key');
  const team = one('team');
  const model = one('model');
  return { from, to, format, ...(key ? { key } : {}), ...(team ? { team } : {}), ...(model ? { model } : {}) };
}

/** Rows matching the filters, by day, key, team and model. */
export function filterRows(rows: readonly SpendRow[], q: SpendQuery): SpendRow[] {
  return rows
    .filter(
      (r) =>
        (q.key === undefined || r.key === q.key) &&
        (q.team === undefined || r.team === q.team) &&
        (q.model === undefined || r.model === q.model),
    )
    .sort(
      (a, b) =>
        a.day.localeCompare(b.day) ||
        a.key.localeCompare(b.key) ||
        a.team.localeCompare(b.team) ||
        a.model.localeCompare(b.model),
    );
}

export function totalsOf(rows: readonly SpendRow[]): { usd: number; requests: number } {
  return rows.reduce((t, r) => ({ usd: t.usd + r.usd, requests: t.requests + r.requests }), { usd: 0, requests: 0 });
}

const COLUMNS = ['day', 'key', 'team', 'model', 'usd', 'requests'] as const;

/** RFC 4180 CSV with a header line; a cell that a spreadsheet would run as a formula is quoted with a leading `'`. */
export function toCsv(rows: readonly SpendRow[]): string {
  const lines = [COLUMNS.join(',')];
  for (const r of rows) lines.push(COLUMNS.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}
