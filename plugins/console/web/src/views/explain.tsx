import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Failure, Note } from '../components.js';
import type { Explanation, Routes } from '../types.js';

const sample = (model: string): string =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] }, null, 2);

/** Paste a request body, see the plan it would get and why (POST /admin/route/explain: no upstream is called). */
export function ExplainView() {
  const [body, setBody] = useState<string | undefined>(undefined);
  const [protocol, setProtocol] = useState<'openai' | 'anthropic'>('openai');
  const [models, setModels] = useState<string[]>([]);
  const [result, setResult] = useState<Explanation | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<Routes>('/admin/routes')
      .then((routes) => {
        const names = routes.models.map((m) => m.name);
        setModels(names);
        setBody((current) => current ?? sample(names[0] ?? 'gpt-4o-mini'));
      })
      .catch(() => setBody((current) => current ?? sample('gpt-4o-mini')));
  }, []);

  const explain = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body ?? '');
      } catch (err) {
        throw new ApiError(0, `the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      setResult(await api<Explanation>(`/admin/route/explain?protocol=${protocol}`, { method: 'POST', body: parsed }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Route explain</h1>
      <p class="caption">
        Paste a request body: the plan it would get now, through every routing plugin, as a dry run (no upstream is
        called). Constraints go in the body's <code>switchyard</code> object, e.g.{' '}
        <code>{'"switchyard": {"maxCost": 0.01}'}</code>.
      </p>
      <form
        class="explain"
        onSubmit={(e) => {
          e.preventDefault();
          void explain();
        }}
      >
        <textarea
          rows={10}
          spellcheck={false}
          aria-label="request body"
          data-testid="explain-body"
          value={body ?? ''}
          onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
        />
        <div class="row">
          <label>
            Protocol{' '}
            <select
              value={protocol}
              onChange={(e) => setProtocol((e.target as HTMLSelectElement).value as 'openai' | 'anthropic')}
            >
              <option value="openai">OpenAI chat completions</option>
              <option value="anthropic">Anthropic messages</option>
            </select>
          </label>
          <button type="submit" class="primary" disabled={busy || body === undefined} data-testid="explain">
            Explain
          </button>
          {models.length ? <span class="hint">Models: {models.join(', ')}</span> : null}
        </div>
      </form>
      {error ? <Failure error={error} what="the plan" /> : null}
      {result ? <Plan result={result} /> : null}
    </section>
  );
}

function Plan({ result }: { result: Explanation }) {
  return (
    <div class="plan" data-testid="plan">
      <h2>
        Plan for <span class="name">{result.model}</span>
      </h2>
      {result.error ? (
        <p class="failure" data-testid="plan-error">
          {result.error.status} {result.error.code}: {result.error.message}
        </p>
      ) : null}
      {result.targets.length ? (
        <ol class="targets">
          {result.targets.map((t, i) => (
            <li key={t} data-testid="plan-target" data-target={t}>
              <span class="name">{t}</span>
              {i === 0 ? <span class="badge state-closed">first</span> : <span class="hint">failover {i}</span>}
            </li>
          ))}
        </ol>
      ) : (
        <Note>No target is left.</Note>
      )}
      {result.needs && Object.keys(result.needs).length ? (
        <p class="caption">
          Needs: <code>{JSON.stringify(result.needs)}</code>
        </p>
      ) : null}
      {result.exclusions.length ? (
        <>
          <h3>Excluded</h3>
          <div class="scroll">
            <table class="grid" data-testid="plan-exclusions">
              <thead>
                <tr>
                  <th>Target</th>
                  <th>By</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {result.exclusions.map((e) => (
                  <tr key={`${e.target} ${e.by}`} data-testid="plan-exclusion" data-target={e.target}>
                    <td class="name">{e.target}</td>
                    <td>{e.by}</td>
                    <td>{e.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {result.orderings.length ? (
        <>
          <h3>Ordered by</h3>
          <ul class="orderings">
            {result.orderings.map((o, i) => (
              <li key={i}>
                <span class="name">{o.by}</span>
                {o.note ? `: ${o.note}` : ''}
                {Object.keys(o.scores).length ? (
                  <span class="hint">
                    {' '}
                    scores{' '}
                    {Object.entries(o.scores)
                      .map(([t, s]) => `${t} ${Number.isInteger(s) ? s : s.toFixed(3)}`)
                      .join(', ')}
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {result.discovered.length ? (
        <>
          <h3>Candidates</h3>
          <ul class="discovered">
            {result.discovered.map((d) => (
              <li key={d.target}>
                <span class="name">{d.target}</span>{' '}
                <span class="hint">
                  ({d.rule}, by {d.by})
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
