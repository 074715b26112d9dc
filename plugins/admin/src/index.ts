import { definePlugin, Type } from '@switchyard/core';
import { maskSecrets } from '@switchyard/core/config';
import type { Plugin } from '@switchyard/core';

export const PLUGIN = 'admin';

/**
 * Operator endpoints (admin keys; loopback callers only without an auth plugin):
 * `GET /admin/config`, the effective config of the generation serving (secrets masked, every
 * plugin's options with their defaults), its number, load time and source, and the reload counts;
 * `POST /admin/reload`, which reloads as SIGHUP does (422 with every problem when the new config
 * is refused). Gauges `config_generation`, `config_reloads_ok`, `config_reloads_failed`.
 */
export function admin(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    apply(gateway) {
      gateway.routes.add({
        method: 'POST',
        path: '/admin/reload',
        plugin: PLUGIN,
        handle: async () => {
          const result = await gateway.reload();
          return { status: result.ok ? 200 : 422, body: result };
        },
      });
      gateway.routes.add({
        method: 'GET',
        path: '/admin/config',
        plugin: PLUGIN,
        handle: () => {
          const serving = gateway.current;
          const config = maskSecrets({ ...serving.config, plugins: serving.pluginOptions() });
          const source = serving.source === undefined ? {} : { source: serving.source };
          return {
            body: {
              generation: serving.generation,
              loadedAt: serving.loadedAt.toISOString(),
              ...source,
              reloads: gateway.reloads,
              config,
            },
          };
        },
      });
      const gauge = (name: string, help: string, read: () => number): void =>
        gateway.status.addGauge(name, PLUGIN, help, read);
      gauge(
        'config_generation',
        'Config generation serving requests (1 at start, +1 per successful reload)',
        () => gateway.current.generation,
      );
      gauge('config_reloads_ok', 'Successful config reloads since start', () => gateway.reloads.ok);
      gauge(
        'config_reloads_failed',
        'Config reloads refused (invalid config, plugin failure) since start',
        () => gateway.reloads.failed,
      );
    },
  });
}

export default admin;
