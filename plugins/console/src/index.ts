import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { definePlugin } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';
import { loadAssets } from './assets.js';
import type { ConsoleAssets } from './assets.js';
import { attemptObservation, modelName, requestObservation, requestRecord } from './observe.js';
import { optionsSchema } from './options.js';
import type { ConsoleOptions } from './options.js';
import { addConsoleRoutes } from './routes.js';
import { RequestTail } from './tail.js';
import { TrafficWindow } from './traffic.js';

export const PLUGIN = 'console';
export type { ConsoleOptions } from './options.js';
export { TrafficWindow, percentiles, OTHER } from './traffic.js';
export type { Observation, Percentiles, SeriesFigures, TrafficSnapshot } from './traffic.js';
export { RequestTail } from './tail.js';
export type { RequestRecord, TailPage } from './tail.js';
export { loadAssets, SECURITY_HEADERS } from './assets.js';
export type { Asset, ConsoleAssets } from './assets.js';

/** The page the build writes next to this module. */
const WEB_DIR = fileURLToPath(new URL('./web/', import.meta.url));

/**
 * The web console at `/console`: live traffic per model and target, circuits (eject, restore),
 * route explain, gateway keys, the effective config with reload, and a tail of recent requests.
 * Its data comes only from admin endpoints, behind the admin key.
 */
export function webConsole(): Plugin<ConsoleOptions> {
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    apply(gateway, options) {
      // Figures and the tail outlive config reloads (new sizes start them afresh).
      const traffic = gateway.keep(
        PLUGIN,
        `traffic:${options.windowSeconds}:${options.maxSamples}:${options.maxSeries}`,
        () => new TrafficWindow(options),
      );
      const tail = gateway.keep(PLUGIN, `tail:${options.maxRequests}`, () => new RequestTail(options.maxRequests));
      // Read (and hashed) at the first request for the page, not at start; kept across reloads.
      const assets = gateway.keep(PLUGIN, `assets:${options.path}`, () => {
        let read: { assets: ConsoleAssets | undefined } | undefined;
        return () => (read ??= { assets: loadAssets(WEB_DIR, options.path) }).assets;
      });
      if (!existsSync(join(WEB_DIR, 'index.html')))
        gateway.logger.warn(
          { plugin: PLUGIN, dir: WEB_DIR },
          'console: the page was not built (npm run build); its path answers 503',
        );
      gateway.hooks.onResult.tap(PLUGIN, (result, x) =>
        traffic.record('target', result.target.id, attemptObservation(result, x)),
      );
      gateway.hooks.onFinish.tap(PLUGIN, (x) => {
        const latencyMs = performance.now() - x.timings.start;
        traffic.record('model', modelName(x), requestObservation(x, latencyMs));
        tail.add(requestRecord(x, Date.now(), latencyMs));
      });
      addConsoleRoutes(gateway, { plugin: PLUGIN, options, traffic, tail, assets });
    },
  });
}
export default webConsole;
