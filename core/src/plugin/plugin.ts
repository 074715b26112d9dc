import type { Gateway } from '../gateway.js';

/** A named capability that taps the gateway's hooks once, at startup. */
export interface Plugin<Options = unknown> {
  /** Unique across the gateway; also the name of its section under `plugins:` in config. */
  readonly name: string;
  /** JSON Schema of the options; checked (and defaults filled) before apply(). */
  readonly schema?: Record<string, unknown>;
  /** Plugins that must be registered before this one. */
  readonly dependencies?: readonly string[];
  apply(gateway: Gateway, options: Options): void | Promise<void>;
}

/** A plugin with options given in code; config sections override them field by field. */
export interface PluginWithOptions<Options = unknown> {
  readonly plugin: Plugin<Options>;
  readonly options?: Partial<Options>;
}

// Options are checked against each plugin's schema at registration, so entries can be heterogeneous.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PluginEntry = Plugin<any> | PluginWithOptions<any>;

/** A named list of plugins with default options: a ready gateway. */
export interface Preset {
  readonly name: string;
  readonly plugins: readonly PluginEntry[];
}

/** Pairs a plugin with options, keeping their types together. */
export function withOptions<Options>(plugin: Plugin<Options>, options: Partial<Options>): PluginWithOptions<Options> {
  return { plugin, options };
}
