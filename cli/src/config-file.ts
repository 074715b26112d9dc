import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { interpolate, parseConfigText } from '@switchyard/core/config';
import { SwitchyardError } from '@switchyard/core';
import type { ConfigInput, Plugin, Preset } from '@switchyard/core';
import { nameOf, sectionPlugins } from './first-party.js';
import { loadPluginModules } from './modules.js';

export interface ConfigFile {
  /** The tree as written: the gateway interpolates and checks it, every problem at once. */
  config: ConfigInput;
  /** Plugins the file brings: its `modules:`, then first-party plugins named by their sections. */
  plugins: Plugin[];
  /** Every plugin name the gateway will know: the preset's and the file's. */
  registered: Set<string>;
}

/**
 * Reads and parses a config file, and loads the plugins it brings. The core sections are not
 * checked here: createGateway() checks them with the plugin sections and provider types, so a
 * file with problems of several kinds is refused with all of them at once.
 */
export async function readConfigFile(
  file: string,
  preset: Preset,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfigFile> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_CONFIG_READ',
      `cannot read config file ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const config = parseConfigText(text, path);
  if (config !== null && config !== undefined && (typeof config !== 'object' || Array.isArray(config))) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_CONFIG_INVALID',
      `invalid configuration in ${path}: the file must hold a mapping of sections`,
    );
  }
  // Interpolated only to learn which plugins to load; the gateway interpolates the tree itself and reports what is missing.
  const { value } = interpolate(config ?? {}, env);
  const { modules, plugins: sections } = value as { modules?: unknown; plugins?: unknown };
  const specifiers = Array.isArray(modules)
    ? modules.filter((m): m is string => typeof m === 'string' && m !== '')
    : [];
  const fromModules = await loadPluginModules(specifiers, dirname(path));
  const registered = new Set([...preset.plugins.map(nameOf), ...fromModules.map((p) => p.name)]);
  const bySection = await sectionPlugins(sections, registered);
  for (const p of bySection) registered.add(p.name);
  return { config: (config ?? {}) as ConfigInput, plugins: [...fromModules, ...bySection], registered };
}
