import { contract, definePlugin, Type } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import type { Plugin } from '@switchyard/core';
import { ModelDiscovery } from './discovery.js';

export const PLUGIN = 'discovery';
export { ModelDiscovery } from './discovery.js';
export type { DiscoveryDeps } from './discovery.js';

/** Lists an instance's models now (by instance name); true when its served set changed. Never throws. */
export const DISCOVERY = contract<{ refresh(instance: string): Promise<boolean> }>('discovery:api');

/**
 * Instances configured `discover: true` serve what their upstream's model listing says: listed
 * when the gateway starts (start-up waits at most `discoverTimeoutMs`) and every
 * `discoverIntervalMs`; a failed listing keeps the last good set. Context windows a listing
 * reports go into the model table. Each generation lists again after a config reload.
 */
export function discovery(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    provides: [DISCOVERY],
    needs: [MODEL_ROUTES],
    apply(gateway) {
      const routes = gateway.need(MODEL_ROUTES);
      const running = new ModelDiscovery({
        instances: gateway.instances,
        providers: gateway.providers,
        http: gateway.http,
        logger: gateway.logger,
        listed: (instance, models) => gateway.contract(MODEL_INFO)?.setListed(instance, models),
        changed: (instance, served) => routes.serve(instance, served),
      });
      gateway.provide(DISCOVERY, {
        refresh: async (name) => {
          const instance = running.instances.find((i) => i.name === name);
          return instance ? running.refresh(instance) : false;
        },
      });
      if (running.instances.length === 0) return;
      gateway.hooks.ready.tapPromise(PLUGIN, () => running.start());
      gateway.hooks.close.tap(PLUGIN, () => running.stop());
    },
  });
}

export default discovery;
