import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import { ConvertStage, definePlugin, exchangeKey } from '@switchyard/core';
import type { AttemptResult, Exchange, Plugin, UpstreamRequest } from '@switchyard/core';
import { PRICING_COST } from '@switchyard/plugin-pricing/contract';
import { requestAttributes, resultAttributes, systemOf, targetAttributes, usageAttributes } from './attributes.js';
import { optionsSchema } from './options.js';
import type { OtelOptions } from './options.js';

export const PLUGIN = 'otel';
export { systemOf } from './attributes.js';
export type { OtelOptions } from './options.js';

interface Trace {
  readonly span: Span;
  readonly context: Context;
  /** Attempt spans in flight, by attempt number (two at once when hedging). */
  readonly attempts: Map<number, Span>;
}

const TRACE = exchangeKey<Trace>('otel:trace');
/** First in beforeRoute, so the span covers auth and limits too. */
const FIRST = -10_000;
/** After every provider's request building and adjustments. */
const LAST_ADJUST = ConvertStage.ADJUST + 10_000;

/**
 * OpenTelemetry tracing through `@opentelemetry/api` only: a SERVER span per routed request
 * with a CLIENT child per upstream attempt, GenAI semantic-convention attributes. Spans go to
 * whatever tracer provider the application registered; without one they are no-ops.
 */
export function otel(): Plugin<OtelOptions> {
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    apply(gateway, options) {
      const tracer = trace.getTracer(options.tracerName);
      const begin = (x: Exchange): void => startRequest(tracer, x);
      const attemptStarts = (req: UpstreamRequest, x: Exchange): UpstreamRequest =>
        startAttempt(tracer, req, x, options);
      const attemptEnds = (result: AttemptResult, x: Exchange): void => endAttempt(result, x);
      const finish = (x: Exchange): void => endRequest(x, options);

      gateway.hooks.beforeRoute.tap({ name: PLUGIN, stage: FIRST }, begin);
      for (const type of new Set(gateway.instances.map((i) => i.type))) {
        gateway.hooks.convertRequest.for(type).tap({ name: PLUGIN, stage: LAST_ADJUST }, attemptStarts);
      }
      gateway.hooks.onResult.tap(PLUGIN, attemptEnds);
      gateway.hooks.onFinish.tap(PLUGIN, finish);
    },
  });
}

function startRequest(tracer: Tracer, x: Exchange): void {
  const parent = propagation.extract(context.active(), x.headers);
  const span = tracer.startSpan(
    `${x.operation} ${x.model}`,
    { kind: SpanKind.SERVER, startTime: performance.timeOrigin + x.timings.start, attributes: requestAttributes(x) },
    parent,
  );
  x.set(TRACE, { span, context: trace.setSpan(parent, span), attempts: new Map() });
}

function startAttempt(tracer: Tracer, req: UpstreamRequest, x: Exchange, options: OtelOptions): UpstreamRequest {
  const t = x.get(TRACE);
  const target = x.target;
  if (!t || !target) return req;
  const span = tracer.startSpan(
    `${x.operation} ${target.model}`,
    { kind: SpanKind.CLIENT, attributes: targetAttributes(target) },
    t.context,
  );
  t.attempts.set(x.attempt, span);
  if (options.propagateUpstream) propagation.inject(trace.setSpan(t.context, span), req.headers);
  return req;
}

function endAttempt(result: AttemptResult, x: Exchange): void {
  const t = x.get(TRACE);
  const span = t?.attempts.get(result.attempt);
  if (!t || !span) return;
  t.attempts.delete(result.attempt);
  span.setAttributes(resultAttributes(result));
  if (result.outcome !== 'success')
    span.setStatus({ code: SpanStatusCode.ERROR, ...(result.message ? { message: result.message } : {}) });
  span.end();
}

function endRequest(x: Exchange, options: OtelOptions): void {
  const t = x.get(TRACE);
  if (!t) return;
  for (const span of t.attempts.values()) span.end();
  const outcome = x.response;
  const served = x.target;
  const { span } = t;
  // Named by the requested model only once a target took it: a name nothing routes (an unknown
  // model, a refused request) is a caller's choice, and span names are what trace backends index
  // and span metrics label. The attribute `gen_ai.request.model` still says what was asked.
  if (!served) span.updateName(x.operation);
  if (served) {
    span.setAttributes({
      'gen_ai.system': systemOf(served.instance.type),
      'switchyard.target': served.id,
      'switchyard.attempts': x.attempt,
    });
    if (outcome && outcome.status < 400) span.setAttribute('gen_ai.response.model', served.model);
  }
  if (options.recordCaller && x.caller) span.setAttribute('switchyard.caller', x.caller.name);
  if (outcome) {
    span.setAttributes({ 'http.response.status_code': outcome.status, ...usageAttributes(outcome.usage) });
    const cost = x.get(PRICING_COST)?.usd;
    if (cost !== undefined) span.setAttribute('switchyard.cost_usd', cost);
    if (outcome.errorCode) span.setAttribute('error.type', outcome.errorCode);
    // A server span's 4xx is the caller's doing, not an error of the span (OpenTelemetry HTTP conventions).
    if (outcome.status >= 500 || (outcome.error !== undefined && outcome.status < 400))
      span.setStatus({ code: SpanStatusCode.ERROR, ...(outcome.error ? { message: outcome.error } : {}) });
  }
  span.end();
}

export default otel;
