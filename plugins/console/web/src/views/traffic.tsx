import { api } from '../api.js';
import { Card, Failure, Loading, Note, Sparkline } from '../components.js';
import * as f from '../format.js';
import { usePoll } from '../poll.js';
import type { SeriesFigures, Traffic } from '../types.js';

/** Live traffic per model and per target, from GET /admin/console/traffic. */
export function TrafficView({ refreshMs }: { refreshMs: number }) {
  const { data, error } = usePoll(() => api<Traffic>('/admin/console/traffic'), refreshMs);
  if (!data) return error ? <Failure error={error} what="traffic" /> : <Loading />;
  const { total } = data;
  const span = Math.round(data.spanSeconds);
  return (
    <section>
      <h1>Live traffic</h1>
      <p class="caption" data-testid="traffic-caption">
        Over the last {span} s (window {data.windowSeconds} s), refreshed every {f.seconds(refreshMs)}; as of{' '}
        {f.time(data.at)}.
      </p>
      {error ? <Failure error={error} what="the latest figures" /> : null}
      <div class="cards">
        <Card id="rate" label="Requests / s" value={f.rate(total.rate)} hint={`${total.requests} requests`} />
        <Card
          id="errors"
          label="Error rate"
          value={f.percent(total.errorRate)}
          hint={`${total.errors} answered 4xx/5xx`}
        />
        <Card id="p50" label="Latency p50" value={f.ms(total.latencyMs?.p50)} />
        <Card id="p95" label="Latency p95" value={f.ms(total.latencyMs?.p95)} />
        <Card id="ttft" label="Time to first token p50" value={f.ms(total.ttftMs?.p50)} hint="streams only" />
        <Card
          id="tokens"
          label="Tokens in / out"
          value={`${f.count(total.tokens.input)} / ${f.count(total.tokens.output)}`}
        />
        <Card id="cost" label="Estimated cost" value={f.usd(total.costUsd)} />
      </div>
      <h2>Per model</h2>
      <SeriesTable kind="model" rows={data.models} span={span} unit="requests" />
      <h2>Per target</h2>
      <p class="caption">
        Each attempt counts, failovers included; an error is any outcome but success (a caller hanging up aside).
      </p>
      <SeriesTable kind="target" rows={data.targets} span={span} unit="attempts" />
    </section>
  );
}

function SeriesTable({
  kind,
  rows,
  span,
  unit,
}: {
  kind: 'model' | 'target';
  rows: readonly SeriesFigures[];
  span: number;
  unit: string;
}) {
  if (rows.length === 0)
    return (
      <Note>
        No {unit} in the last {span} s.
      </Note>
    );
  return (
    <div class="scroll">
      <table class="grid" data-testid={`traffic-${kind}s`}>
        <thead>
          <tr>
            <th>{kind === 'model' ? 'Model' : 'Target'}</th>
            <th class="num">{unit === 'requests' ? 'Req/s' : 'Att/s'}</th>
            <th class="num">{unit === 'requests' ? 'Requests' : 'Attempts'}</th>
            <th class="num">Errors</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
            <th class="num">TTFT p50</th>
            <th class="num">TTFT p95</th>
            <th class="num">Tokens in</th>
            <th class="num">Tokens out</th>
            <th class="num">Cost</th>
            <th>Per second</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} data-testid="traffic-row" data-kind={kind} data-name={r.name}>
              <td class="name">{r.name}</td>
              <td class="num" data-field="rate">
                {f.rate(r.rate)}
              </td>
              <td class="num" data-field="requests">
                {r.requests}
              </td>
              <td class={`num${r.errors ? ' bad' : ''}`} data-field="errorRate">
                {f.percent(r.errorRate)}
              </td>
              <td class="num" data-field="p50">
                {f.ms(r.latencyMs?.p50)}
              </td>
              <td class="num" data-field="p95">
                {f.ms(r.latencyMs?.p95)}
              </td>
              <td class="num" data-field="ttftP50">
                {f.ms(r.ttftMs?.p50)}
              </td>
              <td class="num" data-field="ttftP95">
                {f.ms(r.ttftMs?.p95)}
              </td>
              <td class="num" data-field="tokensIn">
                {f.count(r.tokens.input)}
              </td>
              <td class="num" data-field="tokensOut">
                {f.count(r.tokens.output)}
              </td>
              <td class="num" data-field="cost">
                {f.usd(r.costUsd)}
              </td>
              <td>
                <Sparkline values={r.history} label={`${r.name}: ${unit} per second`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
