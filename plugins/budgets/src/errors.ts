import { errorCode, retryAdvice, SwitchyardError } from '@switchyard/core';
import type { Reading } from './ledger.js';
import type { PeriodSpan } from './periods.js';
import type { Period } from './schema.js';

/** 402: a budget has no room for the request's worst case. Not retried by clients (a 429 would be, to no avail until the reset). */
export const BUDGET_EXCEEDED = errorCode('SWITCHYARD_ERR_BUDGET_EXCEEDED', {
  status: 402,
  type: 'insufficient_quota',
  class: 'policy',
  kind: 'budget_exceeded',
});
/** 503: the budget store cannot be asked and `onStoreError` is `deny`. */
export const BUDGET_UNAVAILABLE = errorCode('SWITCHYARD_ERR_BUDGET_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'policy',
  kind: 'budget_unavailable',
});

/** The response header saying when the exhausted budget resets (ISO 8601, UTC). */
export const RESET_HEADER = 'x-switchyard-budget-reset';

const PER: Record<Period, string> = {
  day: 'per day (UTC)',
  week: 'per week (from Monday, UTC)',
  month: 'per month (UTC)',
  none: 'in all',
};

export function budgetExceeded(
  scope: string,
  usd: number,
  period: Period,
  span: PeriodSpan,
  reading: Reading,
  amount: number,
  at: number,
): SwitchyardError {
  const held = reading.reserved > 0 ? ` and ${money(reading.reserved)} held by requests in flight` : '';
  const resets = Number.isFinite(span.end) ? `it resets at ${new Date(span.end).toISOString()}` : 'it does not reset';
  const message = `budget exceeded for ${scope}: ${money(reading.spent)} spent${held} of ${money(usd)} ${PER[period]}; this request may cost up to ${money(amount)}; ${resets}`;
  const headers: Record<string, string> = Number.isFinite(span.end)
    ? { ...retryAdvice(span.end - at), [RESET_HEADER]: new Date(span.end).toISOString() }
    : retryAdvice(undefined);
  return new SwitchyardError(BUDGET_EXCEEDED, message, { publicCode: 'budget_exceeded', headers });
}

export function budgetUnavailable(): SwitchyardError {
  return new SwitchyardError(
    BUDGET_UNAVAILABLE,
    'budgets cannot be checked right now (the budget store is unreachable); retry shortly',
    {
      expose: true,
      publicCode: 'budget_unavailable',
      headers: { 'retry-after': '1' },
    },
  );
}

export function budgetsOff(key: string | undefined): SwitchyardError {
  return new SwitchyardError(
    BUDGET_UNAVAILABLE,
    `the key ${key ?? ''} has a budget, and budgets are off on this gateway (plugins.budgets): it could not be counted, so the request is refused; turn them on with plugins.budgets.enabled: true`,
    { expose: true, publicCode: 'budget_unavailable', headers: retryAdvice(undefined) },
  );
}

/** USD for people: cents from a dollar up, else four significant digits (`$0.015`, `$0.00005`). */
export function money(usd: number): string {
  if (usd >= 1 || usd === 0) return `$${usd.toFixed(2)}`;
  return `$${usd.toPrecision(4).replace(/\.?0+$/, '')}`;
}
