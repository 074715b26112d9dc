import { Ajv } from 'ajv';
import { formatAjvErrors } from '../config/problems.js';
import { SwitchyardError } from '../errors.js';
import type { CoreErrorCode } from '../errors.js';
import type { Gateway } from '../gateway.js';
import type { Plugin, PluginEntry, Preset } from './plugin.js';

export interface Registration {
  readonly plugin: Plugin;
  readonly options: unknown;
  /** The preset that brought it, if any. */
  readonly preset?: string;
}

/** A configuration problem with the code of its kind. */
export interface Problem {
  readonly code: CoreErrorCode;
  readonly line: string;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false });

/**
 * Resolves presets and plugins into an ordered registration list with merged options.
 * Throws at once on programming errors (duplicate names, missing dependencies); collects
 * configuration problems (bad options, unknown sections) so that all are reported together.
 */
export function resolvePlugins(
  presets: readonly Preset[],
  plugins: readonly PluginEntry[],
  sections: Record<string, unknown>,
  problems: Problem[],
): Registration[] {
  const registrations: Registration[] = [];
  const seen = new Map<string, string>();
  const disabled = new Set(Object.keys(sections).filter((name) => sections[name] === false));
  const add = (entry: PluginEntry, preset?: string): void => {
    const { plugin, options } = 'plugin' in entry ? entry : { plugin: entry, options: undefined };
    // `plugins: { <name>: false }` leaves a preset's plugin out.
    if (disabled.has(plugin.name)) return void seen.set(plugin.name, 'disabled');
    const where = preset ? `preset "${preset}"` : 'the plugin list';
    const earlier = seen.get(plugin.name);
    if (earlier !== undefined) {
      throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_DUPLICATE', `plugin "${plugin.name}" is registered twice (by ${earlier} and by ${where})`);
    }
    for (const dependency of plugin.dependencies ?? []) {
      if (!seen.has(dependency) || seen.get(dependency) === 'disabled') {
        throw new SwitchyardError(
          'SWITCHYARD_ERR_PLUGIN_DEPENDENCY',
          `plugin "${plugin.name}" needs plugin "${dependency}" registered before it`,
        );
      }
    }
    seen.set(plugin.name, where);
    registrations.push({
      plugin,
      options: checkOptions(plugin, mergeOptions(options, sections[plugin.name]), problems),
      ...(preset ? { preset } : {}),
    });
  };
  for (const preset of presets) for (const entry of preset.plugins) add(entry, preset.name);
  for (const entry of plugins) add(entry);
  for (const section of Object.keys(sections)) {
    if (!seen.has(section)) {
      problems.push({
        code: 'SWITCHYARD_ERR_PLUGIN_UNKNOWN_SECTION',
        line: `plugins.${section}: no registered plugin is named "${section}" (registered: ${[...seen.keys()].join(', ') || 'none'})`,
      });
    }
  }
  return registrations;
}

/** Runs every apply() in order; a failure names its plugin. */
export async function applyPlugins(gateway: Gateway, registrations: readonly Registration[]): Promise<void> {
  for (const { plugin, options } of registrations) {
    try {
      await gateway.providers.withOwner(plugin.name, () => plugin.apply(gateway, options));
    } catch (err) {
      if (err instanceof SwitchyardError) throw err;
      throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_APPLY', `plugin "${plugin.name}" failed to apply: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

function mergeOptions(fromCode: unknown, fromConfig: unknown): unknown {
  if (fromConfig === undefined) return structuredClone(fromCode ?? {});
  if (isObject(fromCode) && isObject(fromConfig)) return { ...structuredClone(fromCode), ...structuredClone(fromConfig) };
  return structuredClone(fromConfig);
}

function checkOptions(plugin: Plugin, options: unknown, problems: Problem[]): unknown {
  if (!plugin.schema) return options;
  const validate = ajv.compile(plugin.schema);
  if (!validate(options)) {
    for (const line of formatAjvErrors(validate.errors, `plugins.${plugin.name}`)) {
      problems.push({ code: 'SWITCHYARD_ERR_PLUGIN_OPTIONS', line });
    }
  }
  return options;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
