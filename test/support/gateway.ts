import { createGateway, createLogger } from '@switchyard/core';
import type { ConfigInput, Gateway, Logger, PluginEntry, Store } from '@switchyard/core';
import { standard } from '@switchyard/preset-standard';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import type { ModelRoutes } from '@switchyard/plugin-models/contract';

export interface RunningGateway {
  gateway: Gateway;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

const nameOf = (entry: PluginEntry): string => ('plugin' in entry ? entry.plugin.name : entry.name);

/**
 * A real gateway (standard preset) on a random loopback port. A plugin given in `plugins`
 * replaces the preset's plugin of the same name, so a test can pass it options in code. A `store`
 * given is the gateway's (closed with it), e.g. a Redis store with settings config cannot set.
 */
export async function startGateway(
  config: ConfigInput,
  options: { plugins?: PluginEntry[]; logger?: Logger; preset?: boolean; store?: Store } = {},
): Promise<RunningGateway> {
  const explicit = new Set((options.plugins ?? []).map(nameOf));
  const preset = standard();
  const gateway = await createGateway({
    // No drain delay: close() stops listening at once (test/e2e/drain-process.test.ts covers the delay).
    config: { ...config, server: { host: '127.0.0.1', port: 0, drainDelayMs: 0, ...config.server } },
    presets:
      options.preset === false ? [] : [{ ...preset, plugins: preset.plugins.filter((p) => !explicit.has(nameOf(p))) }],
    plugins: options.plugins ?? [],
    logger: options.logger ?? createLogger({ level: 'silent' }),
    ...(options.store ? { store: options.store } : {}),
  });
  const { url } = await gateway.listen();
  return { gateway, url, close: () => gateway.close({ drainDelayMs: 0 }) };
}

/** A provider entry pointing at a mock upstream. */
export function mockProvider(
  name: string,
  baseUrl: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { name, type: 'openai', baseUrl, apiKey: `sk-upstream-secret-${name}-0123456789`, ...extra };
}

/** A logger whose lines are kept in memory, for asserting on what was logged. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: createLogger({ level: 'debug', destination: stream }), lines };
}

/** The models plugin's name resolution of a gateway (it must be registered). */
export function routesOf(gateway: Gateway): ModelRoutes {
  return gateway.need(MODEL_ROUTES);
}
