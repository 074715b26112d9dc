import type { ComponentChildren } from 'preact';
import type { ApiError } from './api.js';
import type { CircuitState } from './types.js';

/** Requests per second over the window, as a small line. */
export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const width = 120;
  const height = 24;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`)
    .join(' ');
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

export function Card({ label, value, hint, id }: { label: string; value: string; hint?: string; id: string }) {
  return (
    <div class="card" data-testid={`card-${id}`}>
      <div class="card-label">{label}</div>
      <div class="card-value" data-field="value">
        {value}
      </div>
      {hint ? <div class="card-hint">{hint}</div> : null}
    </div>
  );
}

const STATE_TEXT: Record<CircuitState, string> = { closed: 'closed', open: 'open', half_open: 'half-open' };

export function StateBadge({ state, ejected }: { state: CircuitState; ejected?: boolean }) {
  return (
    <span class="badges">
      <span class={`badge state-${state}`} data-field="state">
        {STATE_TEXT[state]}
      </span>
      {ejected ? (
        <span class="badge ejected" data-field="ejected">
          ejected
        </span>
      ) : null}
    </span>
  );
}

/** An endpoint's failure, in words. */
export function Failure({ error, what }: { error: ApiError; what: string }) {
  return (
    <p class="failure" role="alert" data-testid="failure">
      Could not load {what}: {error.message}
      {error.status ? ` (HTTP ${error.status})` : ''}
    </p>
  );
}

export function Note({ children }: { children: ComponentChildren }) {
  return <p class="note">{children}</p>;
}

export function Loading() {
  return <p class="note">Loading…</p>;
}
