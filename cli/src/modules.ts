import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwitchyardError } from '@switchyard/core';
import type { Plugin } from '@switchyard/core';

/**
 * Loads the plugin modules a config file names under `modules:` (package names, or paths
 * relative to the config file). A module's default export is a plugin, a factory returning
 * one, or an array of either.
 */
export async function loadPluginModules(specifiers: readonly string[], baseDir: string): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  for (const specifier of specifiers) {
    const target =
      specifier.startsWith('.') || isAbsolute(specifier) ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
    let mod: { default?: unknown };
    try {
      mod = (await import(target)) as { default?: unknown };
    } catch (err) {
      throw new SwitchyardError(
        'SWITCHYARD_ERR_CONFIG_READ',
        `modules: cannot load "${specifier}": ${(err as Error).message}`,
        { cause: err },
      );
    }
    plugins.push(...pluginsOf(mod, specifier));
  }
  return plugins;
}

/** The plugins a module exports by default: a plugin, a factory returning one, or an array of either. */
export function pluginsOf(mod: { default?: unknown }, specifier: string): Plugin[] {
  const exported = Array.isArray(mod.default) ? mod.default : [mod.default];
  return exported.map((entry) => {
    const plugin = typeof entry === 'function' ? (entry as () => unknown)() : entry;
    if (!isPlugin(plugin)) {
      throw new SwitchyardError(
        'SWITCHYARD_ERR_CONFIG_READ',
        `modules: "${specifier}" must export by default a plugin ({ name, apply }) or a function returning one`,
      );
    }
    return plugin;
  });
}

function isPlugin(value: unknown): value is Plugin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Plugin).name === 'string' &&
    typeof (value as Plugin).apply === 'function'
  );
}
