import type { Exchange } from '../exchange.js';
import type { Logger } from '../logger.js';
import { summarizePlan } from '../routing/summary.js';

/**
 * One line per routed request, when it is over: who asked for what, where it went, how it
 * ended, and what a conversion dropped. Built only when the `info` level is on.
 */
export function logRequest(logger: Logger, x: Exchange, status: number, aborted: boolean): void {
  if (!logger.isLevelEnabled('info')) return;
  logger.info(
    {
      requestId: x.id,
      protocol: x.protocol,
      operation: x.operation,
      model: x.model,
      stream: x.stream,
      ...(x.caller ? { caller: x.caller.name } : {}),
      ...(x.target ? { target: x.target.id } : {}),
      ...(x.plan.discovered.length ? { route: summarizePlan(x.plan) } : {}),
      attempts: x.attempt,
      status,
      latencyMs: Math.round(performance.now() - x.timings.start),
      upstreamMs: Math.round(x.timings.upstreamMs),
      ...(x.timings.ttftMs === undefined ? {} : { ttftMs: Math.round(x.timings.ttftMs) }),
      ...(x.warnings.length ? { warnings: x.warnings } : {}),
      ...(aborted ? { aborted: true } : {}),
    },
    'request',
  );
}
