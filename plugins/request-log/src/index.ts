import type { Static } from '@sinclair/typebox';
import { definePlugin, Type } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { logRequest, requestLogger } from './line.js';

export const PLUGIN = 'request-log';
export { requestLine, requestLogger } from './line.js';
export { summarizePlan } from './summary.js';
export type { PlanSummary } from './summary.js';

export const optionsSchema = Type.Object(
  {
    routeTargets: Type.Integer({
      minimum: 0,
      default: 3,
      description: 'How many targets of the final order the `route` summary names (`route.order`).',
    }),
  },
  { additionalProperties: false },
);

export type RequestLogOptions = Static<typeof optionsSchema>;

/**
 * One line per routed request, `"msg":"request"`, through the gateway's logger (config `log.*`)
 * when its response is over, whatever path it took (an `onFinish` tap). The standard preset
 * registers it ahead of every plugin that taps requests, so the line is written before slower `onFinish` taps (a store) run.
 */
export function requestLog(): Plugin<RequestLogOptions> {
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    apply(gateway, options) {
      const logger = requestLogger(gateway.logger);
      gateway.hooks.onFinish.tap(PLUGIN, (x) => logRequest(logger, x, options.routeTargets));
    },
  });
}
export default requestLog;
