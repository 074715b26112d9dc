import { checkConfig, invalidConfig } from './config/load.js';
import { typeFields } from './config/schema.js';
import type { SwitchyardConfig } from './config/schema.js';
import { schemaProblems } from './config/validate.js';
import { SwitchyardError } from './errors.js';
import { Gateway } from './gateway.js';
import type { GatewayOptions, Plugin, Recipe, StoreFactory } from './gateway.js';
import { RouteStage } from './hooks.js';
import { createLogger } from './logger.js';
import { applyPlugins, contributionsOf, pluginSections, resolvePlugins } from './plugin/host.js';
import type { Problem, Registration } from './plugin/host.js';
import type { ProviderAdapter } from './providers.js';
import { tapCoreRouting } from './routing/core-taps.js';
import { MemoryStore } from './store/memory-store.js';

/** Builds a gateway: resolves config, registers presets and plugins, checks everything, lists every problem at once. */
export function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  return buildGateway(options, undefined);
}

/**
 * A gateway, or with `previous` the next generation of one (same logger and store, state kept
 * through keep()). Every static problem — core sections, plugin sections, the store, provider
 * types and fields, what plugins' check() finds — is collected before anything is created, and reported together.
 */
async function buildGateway(options: GatewayOptions, previous: Gateway | undefined): Promise<Gateway> {
  const entries = [...(options.presets ?? []).flatMap((p) => p.plugins), ...(options.plugins ?? [])];
  const { sections, leftOut } = pluginSections(entries, options.config);
  const checked = checkConfig(options.config ?? {}, options.env ?? process.env, sections, leftOut);
  const config = checked.config;
  const problems: Problem[] = checked.problems.map((line) => ({ code: 'SWITCHYARD_ERR_CONFIG_INVALID', line }));
  const logger = previous?.logger ?? options.logger ?? createLogger(config.log ?? {});
  const registrations = resolvePlugins(options.presets ?? [], options.plugins ?? [], config.plugins, problems);
  const adapters = providerTypes(registrations);
  problems.push(...providerProblems(config, adapters));
  for (const { plugin } of registrations) problems.push(...checkProblems(plugin, config));
  const factory = previous || options.store ? undefined : storeFactory(config.store, registrations, problems);
  if (problems.length) throw configProblems(problems, options.source);

  // A reload keeps the serving generation's store (and a failed one must leave it open).
  const ownsStore = !previous && !options.store;
  const store =
    previous?.store ?? options.store ?? (factory ? await factory.create(config.store, logger) : new MemoryStore());
  const recipe: Recipe = {
    options: { ...options, logger, store },
    config: options.config ?? {},
    source: options.source,
    rebuild: buildGateway,
  };
  const disabled = Object.entries(config.plugins).filter(([, section]) => section === false);
  const pluginOptions = Object.fromEntries([
    ...disabled,
    ...registrations.map((r) => [r.plugin.name, r.options] as const),
  ]);
  const contributions = contributionsOf(registrations);
  const gateway = new Gateway({ config, logger, store, recipe, pluginOptions, previous, contributions });
  try {
    for (const [type, { adapter }] of adapters) gateway.providers.define(type, adapter);
    for (const { plugin } of registrations)
      for (const protocol of plugin.protocols ?? []) gateway.protocols.define(protocol, plugin.name);
    tapCoreRouting(gateway.hooks, gateway.providers);
    gateway.readiness.add('switchyard', () =>
      gateway.instances.length === 0
        ? ['no provider is configured: nothing can be served (add one under providers:)']
        : [],
    );
    await applyPlugins(gateway, registrations);
    warnIfNothingDiscovers(gateway);
  } catch (err) {
    if (ownsStore) await store.close();
    throw err;
  }
  return gateway;
}

/**
 * Providers and routed endpoints, but no plugin turning a model name into targets (a selectRoute
 * tap at DISCOVER): every routed request would be a 404, so the operator hears it at startup.
 */
function warnIfNothingDiscovers(gateway: Gateway): void {
  if (gateway.instances.length === 0 || gateway.protocols.names().length === 0) return;
  if (gateway.hooks.selectRoute.taps.some((tap) => tap.stage === RouteStage.DISCOVER)) return;
  gateway.logger.warn(
    { event: 'no_model_routing' },
    'no plugin turns model names into targets (a selectRoute tap at stage DISCOVER): every routed request ' +
      'will be answered 404 model_not_found; register @switchyard/plugin-models (first) to serve model names',
  );
}

/** What a plugin's check() finds; a check that throws is reported as a problem of its plugin, with the others. */
function checkProblems(plugin: Plugin, config: SwitchyardConfig): Problem[] {
  try {
    return (plugin.check?.(config) ?? []).map((line) => ({ code: 'SWITCHYARD_ERR_CONFIG_INVALID', line }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return [
      { code: 'SWITCHYARD_ERR_PLUGIN_APPLY', line: `plugin "${plugin.name}": its config check failed: ${message}` },
    ];
  }
}

function configProblems(problems: readonly Problem[], source: string | undefined): SwitchyardError {
  const lines = problems.map((p) => p.line);
  return new SwitchyardError(problems[0]!.code, invalidConfig(lines, source).message, {
    expose: false,
    problems: lines,
  });
}

/** Provider types the registered plugins declare, with the plugin of each; a type is declared once. */
function providerTypes(
  registrations: readonly Registration[],
): Map<string, { adapter: ProviderAdapter; plugin: string }> {
  const types = new Map<string, { adapter: ProviderAdapter; plugin: string }>();
  for (const { plugin } of registrations) {
    for (const { type, adapter } of plugin.providers ?? []) {
      const owner = types.get(type);
      if (owner)
        throw new SwitchyardError(
          'SWITCHYARD_ERR_PROVIDER_DUPLICATE',
          `provider type "${type}" is already defined by plugin "${owner.plugin}"`,
        );
      types.set(type, { adapter, plugin: plugin.name });
    }
  }
  return types;
}

const NO_FIELDS = { type: 'object', properties: {}, additionalProperties: false };

/** Provider entries whose type no plugin declares, or with fields their adapter does not know. */
function providerProblems(
  config: SwitchyardConfig,
  adapters: ReadonlyMap<string, { adapter: ProviderAdapter }>,
): Problem[] {
  const problems: Problem[] = [];
  config.providers.forEach((entry, i) => {
    if (typeof entry?.type !== 'string') return;
    const adapter = adapters.get(entry.type)?.adapter;
    if (!adapter) {
      const known = [...adapters.keys()].join(', ') || 'none';
      problems.push({
        code: 'SWITCHYARD_ERR_PROVIDER_UNKNOWN_TYPE',
        line: `providers[${i}].type: no provider plugin defines type "${entry.type}" (defined: ${known})`,
      });
      return;
    }
    const extra = typeFields(entry);
    const schema = adapter.instanceSchema ?? NO_FIELDS;
    const lines = schemaProblems(schema, extra, `providers[${i}]`);
    for (const line of lines) problems.push({ code: 'SWITCHYARD_ERR_CONFIG_INVALID', line });
    if (lines.length === 0) Object.assign(entry, extra); // defaults of the type's own fields
  });
  return problems;
}

/** The plugin-brought store `store.type` names (undefined: memory), its section checked against the plugin's schema. */
function storeFactory(
  section: SwitchyardConfig['store'],
  registrations: readonly Registration[],
  problems: Problem[],
): StoreFactory | undefined {
  if (section.type === 'memory') {
    if (Object.keys(section).length > 1)
      problems.push({ code: 'SWITCHYARD_ERR_CONFIG_INVALID', line: 'store: the memory store takes no field but type' });
    return undefined;
  }
  const factories = registrations.flatMap((r) => r.plugin.stores ?? []);
  const factory = factories.find((f) => f.type === section.type);
  if (!factory) {
    const known = ['memory', ...factories.map((f) => f.type)].join(', ');
    problems.push({
      code: 'SWITCHYARD_ERR_CONFIG_INVALID',
      line: `store.type: no plugin brings a store of type "${section.type}" (known: ${known})`,
    });
    return undefined;
  }
  for (const line of schemaProblems(factory.schema, section, 'store'))
    problems.push({ code: 'SWITCHYARD_ERR_CONFIG_INVALID', line });
  return factory;
}
