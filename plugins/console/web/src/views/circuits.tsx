import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Failure, Loading, Note, StateBadge } from '../components.js';
import * as f from '../format.js';
import { usePoll } from '../poll.js';
import type { BreakerSnapshot, Circuits, Routes } from '../types.js';

interface Loaded {
  circuits: Circuits | undefined;
  routes: Routes;
}

/** GET /admin/circuits (the circuit-breaker plugin's) beside GET /admin/routes; 404 means no breaker is installed. */
async function load(): Promise<Loaded> {
  const [circuits, routes] = await Promise.all([
    api<Circuits>('/admin/circuits').catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }),
    api<Routes>('/admin/routes'),
  ]);
  return { circuits, routes };
}

/** Circuits per instance with their state, and eject / restore. */
export function CircuitsView({ refreshMs }: { refreshMs: number }) {
  const { data, error, refresh } = usePoll(load, refreshMs);
  const [confirming, setConfirming] = useState<string | undefined>(undefined);
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  if (!data) return error ? <Failure error={error} what="circuits" /> : <Loading />;
  if (!data.circuits) {
    return (
      <section>
        <h1>Circuits</h1>
        <Note>The circuit-breaker plugin is not installed: no circuits are kept, and instances cannot be ejected.</Note>
      </section>
    );
  }
  const priority = new Map(data.routes.instances.map((i) => [i.name, i.priority]));

  const act = async (instance: string, action: 'eject' | 'restore'): Promise<void> => {
    setBusy(true);
    try {
      const body = action === 'eject' && reason.trim() ? { reason: reason.trim() } : undefined;
      await api(`/admin/circuits/${encodeURIComponent(instance)}/${action}`, { method: 'POST', body });
      setOutcome({
        ok: true,
        text:
          action === 'eject'
            ? `${instance} ejected: no request goes there until it is restored.`
            : `${instance} restored.`,
      });
      setConfirming(undefined);
      setReason('');
    } catch (err) {
      setOutcome({
        ok: false,
        text: `${action} ${instance} failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    } finally {
      setBusy(false);
      refresh();
    }
  };

  return (
    <section>
      <h1>Circuits</h1>
      <p class="caption">
        One breaker per instance (or instance × model). Ejecting takes an instance out of routing whatever its state,
        until restored.
      </p>
      {error ? <Failure error={error} what="the latest states" /> : null}
      {outcome ? (
        <p class={outcome.ok ? 'done' : 'failure'} role="status" data-testid="circuit-outcome">
          {outcome.text}
        </p>
      ) : null}
      <div class="scroll">
        <table class="grid" data-testid="circuits">
          <thead>
            <tr>
              <th>Instance</th>
              <th>Type</th>
              <th class="num">Priority</th>
              <th>State</th>
              <th>Why</th>
              <th class="num">Failures in a row</th>
              <th class="num">Window (failed / all)</th>
              <th class="num">Openings</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.circuits.instances.flatMap((instance) =>
              instance.breakers.map((b, i) => {
                const ejected = instance.breakers.some((x) => x.ejected);
                return (
                  <tr key={b.key} data-testid="circuit-row" data-name={instance.name} data-key={b.key}>
                    <td class="name">{b.key}</td>
                    <td>{instance.type}</td>
                    <td class="num">{priority.get(instance.name) ?? f.DASH}</td>
                    <td>
                      <StateBadge state={b.state} ejected={Boolean(b.ejected)} />
                    </td>
                    <td class="why" data-field="why">
                      {why(b)}
                    </td>
                    <td class="num">{b.consecutiveFailures}</td>
                    <td class="num">
                      {b.windowFailures} / {b.windowRequests}
                    </td>
                    <td class="num">{b.openings}</td>
                    <td class="actions">
                      {i > 0 ? null : ejected ? (
                        <button
                          type="button"
                          disabled={busy}
                          data-testid="restore"
                          onClick={() => void act(instance.name, 'restore')}
                        >
                          Restore
                        </button>
                      ) : confirming === instance.name ? (
                        <span class="confirm">
                          <input
                            type="text"
                            placeholder="reason (optional)"
                            maxLength={200}
                            value={reason}
                            data-testid="eject-reason"
                            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
                          />
                          <button
                            type="button"
                            class="danger"
                            disabled={busy}
                            data-testid="confirm-eject"
                            onClick={() => void act(instance.name, 'eject')}
                          >
                            Eject
                          </button>
                          <button type="button" disabled={busy} onClick={() => setConfirming(undefined)}>
                            Cancel
                          </button>
                        </span>
                      ) : (
                        <button type="button" data-testid="eject" onClick={() => setConfirming(instance.name)}>
                          Eject…
                        </button>
                      )}
                    </td>
                  </tr>
                );
              }),
            )}
          </tbody>
        </table>
      </div>
      <h2>Models</h2>
      <ul class="models">
        {data.circuits.models.map((m) => (
          <li key={m.name} data-testid="circuit-model" data-name={m.name}>
            <span class="name">{m.name}</span>
            {m.targets.map((t) => (
              <span key={t.id} class="target">
                {t.id} <StateBadge state={t.state} ejected={t.ejected ?? false} />
              </span>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

function why(b: BreakerSnapshot): string {
  const now = Date.now();
  const parts: string[] = [];
  if (b.ejected) parts.push(`ejected: ${b.ejected.reason} (since ${f.time(b.ejected.at)})`);
  if (b.state === 'open' && b.openUntil)
    parts.push(`${b.reason ?? 'open'}; next probe in ${f.seconds(b.openUntil - now)}`);
  else if (b.state !== 'closed' && b.reason) parts.push(b.reason);
  if (b.parkedUntil && b.parkedUntil > now) parts.push(`rate limited for ${f.seconds(b.parkedUntil - now)}`);
  if (b.probesInFlight) parts.push(`${b.probesInFlight} probe(s) in flight`);
  return parts.join(' · ') || f.DASH;
}
