import type { Exchange, Gateway } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES } from '@switchyard/plugin-models/contract';

/** The label value anything outside the configured sets collapses to. */
export const OTHER = 'other';
/** key_name of requests without an authenticated caller. */
export const ANONYMOUS = 'anonymous';
/** provider / instance of requests that reached no upstream. */
export const NONE = 'none';

/**
 * Label values from config only, never raw caller input: key names the auth plugin knows
 * (else those of config `plugins.auth.keys`),
 * instance names, and models that config, the served model list or the built-in model table
 * name. Anything else is `other`, so a caller sending random model names cannot grow the series.
 */
export class LabelGuard {
  readonly #keys: Set<string>;
  readonly #instances: Set<string>;
  #models: Set<string> | undefined;

  constructor(private readonly gateway: Gateway) {
    this.#keys = new Set(configuredKeyNames(gateway.config.plugins.auth));
    this.#instances = new Set(gateway.instances.map((i) => i.name));
  }

  keyName(x: Exchange): string {
    const name = x.caller?.name;
    if (name === undefined) return ANONYMOUS;
    const known = this.gateway.security.isKnownCaller?.(name) ?? this.#keys.has(name);
    return known ? name : OTHER;
  }

  instance(name: string | undefined): string {
    if (name === undefined) return NONE;
    return this.#instances.has(name) ? name : OTHER;
  }

  model(name: string): string {
    return this.#knownModels().has(name) ? name : OTHER;
  }

  /** The served models changed (model discovery): rebuild the set on next use. */
  forgetModels(): void {
    this.#models = undefined;
  }

  /** Built on first use, once every plugin applied and the resolver knows the served models. */
  #knownModels(): Set<string> {
    if (this.#models) return this.#models;
    const { instances } = this.gateway;
    const table = this.gateway.contract(MODEL_INFO);
    const routes = this.gateway.contract(MODEL_ROUTES);
    const models = new Set<string>(table?.knownNames());
    for (const instance of instances) for (const m of instance.models ?? []) models.add(m);
    for (const alias of routes?.aliases ?? []) {
      models.add(alias.name);
      for (const ref of alias.targets) models.add(ref.slice(ref.indexOf('/') + 1));
    }
    for (const name of table?.catalogNames() ?? []) models.add(name.slice(name.indexOf('/') + 1));
    for (const m of routes?.resolver.publicModels() ?? []) models.add(m);
    this.#models = models;
    return models;
  }
}

function configuredKeyNames(section: unknown): string[] {
  const keys = (section as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((k) =>
    typeof (k as { name?: unknown })?.name === 'string' ? [(k as { name: string }).name] : [],
  );
}

/** The inbound endpoint, from a fixed set. */
export function endpointOf(x: Exchange): string {
  if (x.operation === 'embeddings') return 'embeddings';
  return x.protocol === 'anthropic' ? 'messages' : x.protocol === 'openai-responses' ? 'responses' : 'chat_completions';
}
