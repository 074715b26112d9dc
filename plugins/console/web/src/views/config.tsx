import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Failure, Loading } from '../components.js';
import { usePoll } from '../poll.js';
import type { EffectiveConfig, ReloadResult } from '../types.js';

/** The effective config (secrets masked by the gateway) and a reload button with its result. */
export function ConfigView() {
  const { data, error, refresh } = usePoll(() => api<EffectiveConfig>('/admin/config'), 0);
  const [result, setResult] = useState<ReloadResult | { failed: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const reload = async (): Promise<void> => {
    setBusy(true);
    setResult(undefined);
    try {
      setResult(await api<ReloadResult>('/admin/reload', { method: 'POST', accept: [422] }));
    } catch (err) {
      setResult({ failed: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
      refresh();
    }
  };

  if (!data) return error ? <Failure error={error} what="the config" /> : <Loading />;
  const last = data.reloads.last;
  return (
    <section>
      <h1>Effective config</h1>
      <p class="caption" data-testid="config-meta">
        Generation <strong data-field="generation">{data.generation}</strong>, loaded{' '}
        {new Date(data.loadedAt).toLocaleString()}
        {data.source ? ` from ${data.source}` : ''}. Reloads: {data.reloads.ok} applied, {data.reloads.failed} refused
        {last ? `; the last one ${last.ok ? 'applied' : 'refused'} at ${new Date(last.at).toLocaleTimeString()}` : ''}.
      </p>
      <div class="row">
        <button type="button" class="primary" disabled={busy} data-testid="reload" onClick={() => void reload()}>
          {busy ? 'Reloading…' : 'Reload config'}
        </button>
        <span class="hint">Reads the config again (as SIGHUP does); an invalid one changes nothing.</span>
      </div>
      {result ? <Outcome result={result} /> : null}
      {error ? <Failure error={error} what="the config" /> : null}
      <p class="caption">
        Secrets are masked by the gateway (<code>****</code> and the last four characters at most).
      </p>
      <pre class="config" data-testid="config">
        {JSON.stringify(data.config, null, 2)}
      </pre>
    </section>
  );
}

function Outcome({ result }: { result: ReloadResult | { failed: string } }) {
  if ('failed' in result) {
    return (
      <p class="failure" role="alert" data-testid="reload-result">
        Reload failed: {result.failed}
      </p>
    );
  }
  if (result.ok) {
    return (
      <p class="done" role="status" data-testid="reload-result">
        Reloaded: generation {result.generation} now serves new requests.
      </p>
    );
  }
  return (
    <div class="failure" role="alert" data-testid="reload-result">
      Reload refused — generation {result.generation} keeps serving. Problems:
      <ul>
        {(result.problems ?? []).map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </div>
  );
}
