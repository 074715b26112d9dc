import { SwitchyardError } from '@switchyard/core';
import type { Plugin, PluginEntry } from '@switchyard/core';
import { pluginsOf } from './modules.js';

/**
 * First-party plugins by the name of their config section: a section for one the preset lacks
 * (`plugins: { tag-routing: {} }`) loads its package, without `modules:`.
 */
export const FIRST_PARTY: Readonly<Record<string, string>> = Object.freeze({
  auth: '@switchyard/plugin-auth',
  capabilities: '@switchyard/plugin-capabilities',
  'circuit-breaker': '@switchyard/plugin-circuit-breaker',
  console: '@switchyard/plugin-console',
  constraints: '@switchyard/plugin-constraints',
  discovery: '@switchyard/plugin-discovery',
  'load-balancer': '@switchyard/plugin-load-balancer',
  metrics: '@switchyard/plugin-metrics',
  models: '@switchyard/plugin-models',
  otel: '@switchyard/plugin-otel',
  'prompt-cache': '@switchyard/plugin-prompt-cache',
  'rate-limit': '@switchyard/plugin-rate-limit',
  'response-cache': '@switchyard/plugin-response-cache',
  router: '@switchyard/plugin-router',
  strategies: '@switchyard/plugin-strategies',
  'tag-routing': '@switchyard/plugin-tag-routing',
  'protocol-openai': '@switchyard/protocol-openai',
  'protocol-anthropic': '@switchyard/protocol-anthropic',
  'provider-openai': '@switchyard/provider-openai',
  'provider-anthropic': '@switchyard/provider-anthropic',
  'provider-gemini': '@switchyard/provider-gemini',
  'provider-azure-openai': '@switchyard/provider-azure-openai',
  'provider-bedrock': '@switchyard/provider-bedrock',
  'provider-vertex': '@switchyard/provider-vertex',
  'store-redis': '@switchyard/store-redis',
});

export const nameOf = (entry: PluginEntry): string => ('plugin' in entry ? entry.plugin.name : entry.name);

/**
 * The first-party plugins whose sections appear in `sections` (not `false`) while no plugin
 * registered so far carries that name, each loaded from its package. Sections naming nothing
 * known are left for the gateway to report (see withKnownPlugins).
 */
export async function sectionPlugins(sections: unknown, registered: ReadonlySet<string>): Promise<Plugin[]> {
  if (sections === null || typeof sections !== 'object' || Array.isArray(sections)) return [];
  const plugins: Plugin[] = [];
  for (const [name, section] of Object.entries(sections)) {
    const pkg = FIRST_PARTY[name];
    if (pkg === undefined || section === false || registered.has(name)) continue;
    let mod: { default?: unknown };
    try {
      mod = (await import(pkg)) as { default?: unknown };
    } catch (err) {
      throw new SwitchyardError(
        'SWITCHYARD_ERR_CONFIG_READ',
        `plugins.${name}: the first-party plugin "${name}" is in ${pkg}, which cannot be loaded (npm install ${pkg}): ${(err as Error).message}`,
        { cause: err },
      );
    }
    plugins.push(...pluginsOf(mod, pkg));
  }
  return plugins;
}

const UNKNOWN_SECTION = /^plugins\.(.+?): no registered plugin is named /;

/**
 * A config error whose unknown plugin sections also name the first-party plugins a section
 * alone would load (the gateway itself only knows the plugins registered).
 */
export function withKnownPlugins(err: unknown, registered: ReadonlySet<string>): unknown {
  if (!(err instanceof SwitchyardError) || !err.problems?.some((line) => UNKNOWN_SECTION.test(line))) return err;
  const loadable = Object.keys(FIRST_PARTY).filter((name) => !registered.has(name));
  if (loadable.length === 0) return err;
  const hint = `; first-party plugins a section alone loads: ${loadable.join(', ')}`;
  let message = err.message;
  const problems = err.problems.map((line) => {
    if (!UNKNOWN_SECTION.test(line)) return line;
    message = message.replace(line, line + hint);
    return line + hint;
  });
  const { code, status, type, kind } = err;
  return new SwitchyardError({ code, status, type, class: err.class, kind }, message, {
    expose: false,
    problems,
    cause: err,
  });
}
