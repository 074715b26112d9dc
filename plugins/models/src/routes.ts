import type { Gateway } from '@switchyard/core';
import type { AliasConfig } from './aliases.js';
import { ModelResolver } from './resolve.js';

/** The model names a requested name may be routed to, for a name a plugin resolves itself (e.g. a `tag:` query); undefined for others. */
export type NameReach = (name: string) => readonly string[] | undefined;

/** Called with the resolver that now answers, whenever a served set changed. */
export type ModelsChangedListener = (resolver: ModelResolver) => void;

/**
 * Model names → targets for one gateway generation (provided as MODEL_ROUTES): the resolver,
 * the served model lists plugins set (model discovery, Azure deployments), and who to tell when
 * they change. The resolver is built at first use, once every provider type is defined.
 */
export class ModelRoutes {
  readonly #gateway: Pick<Gateway, 'instances' | 'providers' | 'logger'>;
  /** The config's `models:` aliases. */
  readonly aliases: readonly AliasConfig[];
  /** Served model lists plugins set for instances, over their configured `models`. */
  readonly #served = new Map<string, readonly string[]>();
  readonly #listeners: Array<{ plugin: string; listener: ModelsChangedListener }> = [];
  readonly #reaches: NameReach[] = [];
  #resolver: ModelResolver | undefined;

  constructor(gateway: Pick<Gateway, 'instances' | 'providers' | 'logger'>, aliases: readonly AliasConfig[]) {
    this.#gateway = gateway;
    this.aliases = aliases;
  }

  /** The resolver that answers now; replaced whole when a served set changes. */
  get resolver(): ModelResolver {
    this.#resolver ??= this.#build();
    return this.#resolver;
  }

  /** The served models a plugin set for an instance, if any. */
  served(instance: string): readonly string[] | undefined {
    return this.#served.get(instance);
  }

  /**
   * Sets the models an instance serves, in place of its configured `models`: the resolver is
   * rebuilt and every onChange listener called, off the request path.
   */
  serve(instance: string, models: readonly string[]): void {
    this.#served.set(instance, Object.freeze([...models]));
    const resolver = (this.#resolver = this.#build());
    for (const { plugin, listener } of this.#listeners) {
      try {
        listener(resolver);
      } catch (err) {
        // One plugin's failing index must not stop the others from seeing the change.
        this.#gateway.logger.error({ err, plugin }, 'a served-models listener failed');
      }
    }
  }

  /**
   * Calls `listener` whenever a served set changed (e.g. to rebuild an index of served targets);
   * a throwing listener is logged with the name of the `plugin` that added it.
   */
  onChange(plugin: string, listener: ModelsChangedListener): void {
    this.#listeners.push({ plugin, listener });
  }

  /** In apply(): a plugin that routes names of its own (found at selectRoute DISCOVER) says which models they reach. */
  addReach(reach: NameReach): void {
    this.#reaches.push(reach);
  }

  /**
   * Every model a requested name may be routed to: an alias's or an `instance/model`'s targets,
   * and what plugins that resolve names of their own report (addReach), so that limits per model
   * hold whatever the name.
   */
  reach(name: string): readonly string[] {
    const models = this.resolver.resolve(name).map((t) => t.model);
    for (const reach of this.#reaches) models.push(...(reach(name) ?? []));
    return models;
  }

  #build(): ModelResolver {
    const { instances, providers } = this.#gateway;
    return new ModelResolver(instances, this.aliases, providers, this.#served);
  }
}
