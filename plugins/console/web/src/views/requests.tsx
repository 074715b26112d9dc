import { useRef } from 'preact/hooks';
import { api } from '../api.js';
import { Failure, Loading, Note } from '../components.js';
import * as f from '../format.js';
import { usePoll } from '../poll.js';
import type { RequestPage, RequestRecord } from '../types.js';

/** Most requests the page keeps. */
const KEEP = 500;

/** The latest requests, metadata only, from GET /admin/console/requests (newest first, only what is new each time). */
export function RequestsView({ refreshMs }: { refreshMs: number }) {
  const seen = useRef<{ last: number; rows: RequestRecord[] }>({ last: 0, rows: [] });
  const { data, error } = usePoll(async () => {
    const page = await api<RequestPage>(`/admin/console/requests?after=${seen.current.last}`);
    // A restarted gateway counts from 0 again.
    if (page.last < seen.current.last) seen.current = { last: 0, rows: [] };
    seen.current = { last: page.last, rows: [...page.requests, ...seen.current.rows].slice(0, KEEP) };
    return seen.current.rows;
  }, refreshMs);
  if (!data) return error ? <Failure error={error} what="requests" /> : <Loading />;
  return (
    <section>
      <h1>Recent requests</h1>
      <p class="caption">Newest first, metadata only: no prompt or answer text is kept.</p>
      {error ? <Failure error={error} what="the latest requests" /> : null}
      {data.length === 0 ? (
        <Note>No request since the gateway started.</Note>
      ) : (
        <div class="scroll">
          <table class="grid" data-testid="requests">
            <thead>
              <tr>
                <th>Time</th>
                <th>Request id</th>
                <th>Caller</th>
                <th>Model</th>
                <th>Target</th>
                <th class="num">Status</th>
                <th class="num">Attempts</th>
                <th class="num">Latency</th>
                <th class="num">TTFT</th>
                <th class="num">Tokens in / out</th>
                <th class="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {data.map((r) => (
                <tr key={r.seq} data-testid="request-row" data-id={r.id}>
                  <td>{f.time(r.at)}</td>
                  <td>
                    <code title={r.id}>{r.id.length > 13 ? `${r.id.slice(0, 12)}…` : r.id}</code>
                  </td>
                  <td>{r.caller ?? f.DASH}</td>
                  <td class="name">
                    {r.model}
                    {r.stream ? <span class="hint"> stream</span> : null}
                  </td>
                  <td data-field="target">{r.target ?? f.DASH}</td>
                  <td class={`num${r.status >= 400 ? ' bad' : ''}`} data-field="status" title={r.errorCode}>
                    {r.status}
                    {r.cache ? <span class="hint"> {r.cache}</span> : null}
                  </td>
                  <td class="num">{r.attempts}</td>
                  <td class="num">{f.ms(r.latencyMs)}</td>
                  <td class="num">{f.ms(r.ttftMs)}</td>
                  <td class="num" data-field="tokens">
                    {r.tokens ? `${r.tokens.input} / ${r.tokens.output}` : f.DASH}
                  </td>
                  <td class="num">{f.usd(r.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
