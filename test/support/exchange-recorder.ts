/**
 * A test plugin that records, per upstream attempt, what the gateway got and what it is about to
 * send: the caller's protocol, operation and body, the target, the upstream request, and the
 * exchange's warnings so far (every conversion warning is in by then). Recorded synchronously
 * after every provider's BUILD and ADJUST taps, before the request leaves.
 */
import { ConvertStage } from '@switchyard/core';
import type { AttemptResult, Plugin } from '@switchyard/core';

export interface RecordedAttempt {
  protocol: string;
  operation: string;
  /** The caller's body, as parsed. */
  body: Record<string, unknown>;
  target: string;
  url: string;
  headers: Record<string, string>;
  upstreamBody: unknown;
  warnings: string[];
}

export function exchangeRecorder(): { plugin: Plugin<Record<string, never>>; attempts: RecordedAttempt[] } {
  const attempts: RecordedAttempt[] = [];
  const plugin: Plugin<Record<string, never>> = {
    name: 'test-exchange-recorder',
    schema: { type: 'object', additionalProperties: false, properties: {} },
    apply(gateway) {
      for (const type of gateway.providers.types()) {
        gateway.hooks.convertRequest
          .for(type)
          .tap({ name: 'test-exchange-recorder', stage: ConvertStage.ADJUST + 500 }, (req, x) => {
            attempts.push({
              protocol: x.protocol,
              operation: x.operation,
              body: x.body,
              target: x.target!.id,
              url: req.url,
              headers: { ...req.headers },
              upstreamBody: structuredClone(req.body),
              warnings: [...x.warnings],
            });
            return req;
          });
      }
    },
  };
  return { plugin, attempts };
}

/** A test plugin that records every upstream attempt's result; `outcomes()` lists them as [target, outcome]. */
export function resultRecorder(): {
  plugin: Plugin<Record<string, never>>;
  results: AttemptResult[];
  outcomes(): string[][];
} {
  const results: AttemptResult[] = [];
  const plugin: Plugin<Record<string, never>> = {
    name: 'test-result-recorder',
    apply: (g) => g.hooks.onResult.tap('test-result-recorder', (r) => void results.push(r)),
  };
  return { plugin, results, outcomes: () => results.map((r) => [r.target.id, r.outcome]) };
}
