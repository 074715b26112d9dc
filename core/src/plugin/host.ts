import { isObject } from '../config/load.js';
import { CORE_SECTIONS } from '../config/schema.js';
import { schemaProblems } from '../config/validate.js';
import { SwitchyardError } from '../errors.js';
import type { CoreErrorCode, ErrorSpec } from '../errors.js';
import type { Gateway } from '../gateway.js';
import { contractError } from './contract.js';
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

/**
 * Resolves presets and plugins into an ordered registration list with merged options.
 * Throws at once on programming errors (duplicate names, missing dependencies, contracts
 * nobody provides, error codes defined twice); collects configuration problems (bad options,
 * unknown sections) so that all are reported together.
 */
export function resolvePlugins(
  presets: readonly Preset[],
  plugins: readonly PluginEntry[],
  sections: Record<string, unknown>,
  problems: Problem[],
): Registration[] {
  const registrations: Registration[] = [];
  const seen = new Map<string, string>();
  const provided = new Map<string, string>();
  const codes = new Map<string, ErrorSpec>();
  const disabled = new Set(Object.keys(sections).filter((name) => sections[name] === false));
  const add = (entry: PluginEntry, preset?: string): void => {
    const { plugin, options } = 'plugin' in entry ? entry : { plugin: entry, options: undefined };
    // `plugins: { <name>: false }` leaves a preset's plugin out.
    if (disabled.has(plugin.name)) return void seen.set(plugin.name, 'disabled');
    const where = preset ? `preset "${preset}"` : 'the plugin list';
    checkPlace(plugin, where, seen);
    checkContracts(plugin, provided);
    checkErrorCodes(plugin, codes);
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

/**
 * The top-level config sections the given plugins own (`Plugin.sections`), by name: their
 * schemas; and those of the plugins the config leaves out (`plugins: { <name>: false }`), by
 * name: their plugin, so that such a section is reported as left out rather than unknown. A
 * section is owned once, and never one of core's.
 */
export function pluginSections(
  entries: readonly PluginEntry[],
  config: unknown,
): { sections: Record<string, object>; leftOut: Map<string, string> } {
  const given = isObject(config) && isObject(config.plugins) ? config.plugins : {};
  const sections: Record<string, object> = {};
  const leftOut = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const entry of entries) {
    const plugin = 'plugin' in entry ? entry.plugin : entry;
    for (const [name, schema] of Object.entries(plugin.sections ?? {})) {
      if (given[plugin.name] === false) {
        leftOut.set(name, plugin.name);
        continue;
      }
      const owner = CORE_SECTIONS.has(name) ? 'core' : owners.get(name);
      if (owner !== undefined && owner !== plugin.name)
        throw new SwitchyardError(
          'SWITCHYARD_ERR_PLUGIN_DUPLICATE',
          `plugin "${plugin.name}" owns config section "${name}", which ${owner === 'core' ? 'core owns' : `plugin "${owner}" owns`}`,
        );
      owners.set(name, plugin.name);
      sections[name] = schema;
    }
  }
  return { sections, leftOut };
}

/** The registered plugins' `contributes`, by contract name, in registration order. */
export function contributionsOf(registrations: readonly Registration[]): Map<string, unknown[]> {
  const byContract = new Map<string, unknown[]>();
  for (const { plugin } of registrations)
    for (const { contract, value } of plugin.contributes ?? []) {
      const values = byContract.get(contract.name) ?? [];
      values.push(value);
      byContract.set(contract.name, values);
    }
  return byContract;
}

/** A plugin is registered once, after the plugins it depends on (`seen`: where each registered plugin came from, or `disabled`). */
function checkPlace(plugin: Plugin, where: string, seen: ReadonlyMap<string, string>): void {
  const earlier = seen.get(plugin.name);
  if (earlier !== undefined)
    throw new SwitchyardError(
      'SWITCHYARD_ERR_PLUGIN_DUPLICATE',
      `plugin "${plugin.name}" is registered twice (by ${earlier} and by ${where})`,
    );
  const missing = plugin.dependencies?.find(
    (dependency) => !seen.has(dependency) || seen.get(dependency) === 'disabled',
  );
  if (missing !== undefined)
    throw new SwitchyardError(
      'SWITCHYARD_ERR_PLUGIN_DEPENDENCY',
      `plugin "${plugin.name}" needs plugin "${missing}" registered before it`,
    );
}

/** A plugin's `needs` must be provided by a plugin registered before it; a contract is provided once. */
function checkContracts(plugin: Plugin, provided: Map<string, string>): void {
  for (const c of plugin.needs ?? []) {
    if (!provided.has(c.name)) {
      const known = [...provided].map(([name, by]) => `${name} (${by})`).join(', ') || 'none';
      throw contractError(
        `plugin "${plugin.name}" needs "${c.name}", which no plugin registered before it provides (provided: ${known})`,
      );
    }
  }
  for (const c of plugin.provides ?? []) {
    const by = provided.get(c.name);
    if (by !== undefined) throw contractError(`plugins "${by}" and "${plugin.name}" both provide "${c.name}"`);
    provided.set(c.name, plugin.name);
  }
}

/** A code two plugins define must mean the same thing. */
function checkErrorCodes(plugin: Plugin, codes: Map<string, ErrorSpec>): void {
  for (const spec of plugin.errors ?? []) {
    const earlier = codes.get(spec.code);
    if (earlier && (earlier.status !== spec.status || earlier.class !== spec.class || earlier.type !== spec.type)) {
      throw contractError(`plugin "${plugin.name}" defines error code ${spec.code} differently from an earlier plugin`);
    }
    codes.set(spec.code, spec);
  }
}

/** Runs every apply() in order; a failure names its plugin. Each declared contract must be provided by then. */
export async function applyPlugins(gateway: Gateway, registrations: readonly Registration[]): Promise<void> {
  for (const { plugin, options } of registrations) {
    try {
      await gateway.withPlugin(plugin, () => plugin.apply(gateway, options));
    } catch (err) {
      if (err instanceof SwitchyardError) throw err;
      throw new SwitchyardError(
        'SWITCHYARD_ERR_PLUGIN_APPLY',
        `plugin "${plugin.name}" failed to apply: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}

function mergeOptions(fromCode: unknown, fromConfig: unknown): unknown {
  if (fromConfig === undefined) return structuredClone(fromCode ?? {});
  if (isObject(fromCode) && isObject(fromConfig))
    return { ...structuredClone(fromCode), ...structuredClone(fromConfig) };
  return structuredClone(fromConfig);
}

function checkOptions(plugin: Plugin, options: unknown, problems: Problem[]): unknown {
  if (!plugin.schema) return options;
  for (const line of schemaProblems(plugin.schema, options, `plugins.${plugin.name}`))
    problems.push({ code: 'SWITCHYARD_ERR_PLUGIN_OPTIONS', line });
  return options;
}
