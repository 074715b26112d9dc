import type { Exchange } from '../exchange.js';
import type { TimedPlugins } from '../hooks.js';
import type { ResponseHead } from './head.js';

/** `ms` at 0.1 ms resolution, as `(Math.round(ms * 10) / 10).toString()` writes it, from integers (no fraction formatting). */
export function tenth(ms: number): string {
  const t = Math.round(ms * 10);
  if (!(t >= 0 && t < 2 ** 31)) return (t / 10).toString();
  const whole = (t / 10) | 0;
  const fraction = t - whole * 10;
  return fraction === 0 ? String(whole) : `${whole}.${fraction}`;
}

/**
 * `Server-Timing`: each plugin's time in the request hooks (names made HTTP tokens; desc: the
 * hooks it taps), the wait on upstreams and the total, at 0.1 ms resolution, up to this moment.
 * A stream's header leaves with its head, so it covers up to the first event.
 */
export function setServerTiming(head: ResponseHead, x: Exchange, streaming: boolean, plugins: TimedPlugins): void {
  let header = '';
  const spans = x.timings.spans;
  if (spans) header = perPlugin(spans, plugins);
  if (x.attempt > 0)
    header += `upstream;dur=${tenth(x.timings.upstreamMs + (streaming ? (x.timings.ttftMs ?? 0) : 0))}, `;
  head.setOwn('server-timing', `${header}total;dur=${tenth(performance.now() - x.timings.start)}`);
}

/** `total;dur=…` for a response that ran no hooks. */
export function totalTiming(started: number): string {
  return `total;dur=${tenth(performance.now() - started)}`;
}

/** Timed tap calls summed per plugin, as Server-Timing entries (plugins in registration order). */
function perPlugin(spans: readonly number[], plugins: TimedPlugins): string {
  const sums = new Float64Array(plugins.size).fill(-1);
  for (let i = 0; i < spans.length; i += 2) {
    const p = spans[i]!;
    sums[p] = (sums[p]! < 0 ? 0 : sums[p]!) + spans[i + 1]!;
  }
  let header = '';
  for (let p = 0; p < sums.length; p++) if (sums[p]! >= 0) header += `${plugins.prefix(p)}${tenth(sums[p]!)}, `;
  return header;
}
