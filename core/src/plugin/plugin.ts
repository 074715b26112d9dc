import type { Static, TObject } from '@sinclair/typebox';
import type { ErrorSpec } from '../errors.js';
import type { Gateway } from '../gateway.js';
import type { Logger } from '../logger.js';
import type { InboundProtocol } from '../protocols/codec.js';
import type { ProviderType } from '../providers.js';
import type { Store } from '../store/store.js';
import type { Contract } from './contract.js';

/** A store implementation a plugin brings, chosen by config `store.type`. */
export interface StoreFactory<S extends TObject = TObject> {
  readonly type: string;
  /** Schema of the config's `store` section (`type` included) for this type. */
  readonly schema: S;
  create(options: Static<S>, logger: Logger): Promise<Store>;
}

/** A named capability that taps the gateway's hooks once, at startup. */
export interface Plugin<Options = unknown> {
  /** Unique across the gateway; also the name of its section under `plugins:` in config. */
  readonly name: string;
  /** JSON Schema of the options; checked (and defaults filled) before apply(). */
  readonly schema?: Record<string, unknown>;
  /** Plugins that must be registered before this one. */
  readonly dependencies?: readonly string[];
  /** Contracts this plugin provides (services through gateway.provide(), or exchange values). */
  readonly provides?: readonly Contract<unknown>[];
  /** Contracts a plugin registered before this one must provide. */
  readonly needs?: readonly Contract<unknown>[];
  /** Error codes this plugin raises. */
  readonly errors?: readonly ErrorSpec[];
  /** Inbound protocols this plugin serves to callers (routed endpoints and codecs). */
  readonly protocols?: readonly InboundProtocol[];
  /** Provider types this plugin defines (config `providers[].type`). */
  readonly providers?: readonly ProviderType[];
  /** Stores this plugin brings, chosen by config `store.type`. */
  readonly stores?: readonly StoreFactory[];
  apply(gateway: Gateway, options: Options): void | Promise<void>;
}

/**
 * Options as given in code: any field may be left out, at any depth. The plugin receives them
 * checked and with its schema's defaults filled in (so its own type has them all).
 */
export type OptionsInput<T> = T extends readonly (infer Item)[] ? readonly OptionsInput<Item>[] : T extends object ? { [K in keyof T]?: OptionsInput<T[K]> } : T;

/** A plugin with options given in code; config sections override them field by field. */
export interface PluginWithOptions<Options = unknown> {
  readonly plugin: Plugin<Options>;
  readonly options?: OptionsInput<Options>;
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
export function withOptions<Options>(plugin: Plugin<Options>, options: OptionsInput<Options>): PluginWithOptions<Options> {
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
