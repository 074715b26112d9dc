import type { Static, TObject } from '@sinclair/typebox';
import type { Gateway, OptionsInput, Plugin, PluginWithOptions } from '../gateway.js';

export type { OptionsInput, Plugin, PluginEntry, PluginWithOptions, Preset, StoreFactory } from '../gateway.js';

/** Pairs a plugin with options, keeping their types together. */
export function withOptions<Options>(
  plugin: Plugin<Options>,
  options: OptionsInput<Options>,
): PluginWithOptions<Options> {
  return { plugin, options };
}

export interface PluginDefinition<S extends TObject> extends Omit<Plugin<Static<S>>, 'schema' | 'apply'> {
  /**
   * The options as a TypeBox object schema: it gives their TypeScript type, their validation
   * (fields with a `default` are filled in, so they are not optional in apply()) and the
   * options table of the plugin's README.
   */
  readonly options: S;
  apply(gateway: Gateway, options: Static<S>): void | Promise<void>;
}

/** A plugin whose options are one schema: type, validation, defaults and docs from the same source. */
export function definePlugin<S extends TObject>(definition: PluginDefinition<S>): Plugin<Static<S>> {
  const { options, ...rest } = definition;
  return { ...rest, schema: options };
}
