import type { Period } from './schema.js';

const DAY_MS = 86_400_000;

/** One period of a budget: its id (part of the store key), start and end in epoch ms (UTC). */
export interface PeriodSpan {
  readonly id: string;
  readonly start: number;
  /** Infinity for `none`. */
  readonly end: number;
}

const current = new Map<Period, PeriodSpan>();

/** The period `at` (epoch ms) falls in: a UTC day, a week from Monday, a calendar month, or all time. */
export function periodOf(period: Period, at: number): PeriodSpan {
  // Most calls fall in the period the previous one did: it is kept per kind.
  const last = current.get(period);
  if (last && at >= last.start && at < last.end) return last;
  const span = computePeriod(period, at);
  current.set(period, span);
  return span;
}

function computePeriod(period: Period, at: number): PeriodSpan {
  const d = new Date(at);
  switch (period) {
    case 'day': {
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      return { id: isoDay(start), start, end: start + DAY_MS };
    }
    case 'week': {
      const today = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const start = today - ((d.getUTCDay() + 6) % 7) * DAY_MS;
      return { id: `w${isoDay(start)}`, start, end: start + 7 * DAY_MS };
    }
    case 'month': {
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      return { id: isoDay(start).slice(0, 7), start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    }
    case 'none':
      return { id: 'all', start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY };
  }
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export function dayOf(at: number): string {
  return periodOf('day', at).id;
}

function isoDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Every `YYYY-MM-DD` from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += DAY_MS)
    days.push(isoDay(t));
  return days;
}

export { DAY_MS };
