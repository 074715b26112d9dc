import type { IncomingHttpHeaders } from 'node:http';
import type { Gateway } from '@switchyard/core';
import { KEY_ACCESS } from '@switchyard/plugin-auth/contract';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';

const DISCOVERY_TTL_MS = 60_000;

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * The public model list: served models and aliases from config, discovered sets of
 * `discover: true` instances, plus what other instances that list no models report through
 * their provider's model listing (cached, failures skipped). With gateway keys, only the names
 * the caller's key may use: a name is listed when a target it resolves to is allowed.
 */
export class ModelCatalog {
  readonly #gateway: Gateway;
  readonly #discovered = new Map<string, { at: number; models: Promise<string[]> }>();

  constructor(gateway: Gateway) {
    this.#gateway = gateway;
  }

  async list(headers: IncomingHttpHeaders, url: string): Promise<ModelEntry[]> {
    const gateway = this.#gateway;
    const { instances, providers, http, logger } = gateway;
    // Without the models plugin nothing resolves, but configured models are still listed.
    const routes = gateway.contract(MODEL_ROUTES);
    const owners = new Map<string, string>();
    // Discovering instances serve their last good listing (or their configured models before one).
    const servedOf = (i: (typeof instances)[number]): readonly string[] | undefined =>
      routes?.served(i.name) ?? i.models;
    // Glob entries (`llama-*`, `*`) serve open-ended names: only exact names are listed.
    for (const instance of instances)
      for (const model of servedOf(instance) ?? [])
        if (!owners.has(model) && !model.includes('*')) owners.set(model, instance.type);
    const lists = await Promise.all(
      instances
        .filter((i) => servedOf(i) === undefined && !i.discover)
        .map(async (instance) => {
          const adapter = providers.get(instance.type);
          if (!adapter?.listModels) return { instance, models: [] as string[] };
          let cached = this.#discovered.get(instance.name);
          if (!cached || Date.now() - cached.at > DISCOVERY_TTL_MS) {
            cached = { at: Date.now(), models: adapter.listModels(instance, http) };
            this.#discovered.set(instance.name, cached);
          }
          try {
            return { instance, models: await cached.models };
          } catch (err) {
            this.#discovered.delete(instance.name);
            logger.warn({ instance: instance.name, err: (err as Error).message }, 'model listing failed');
            return { instance, models: [] as string[] };
          }
        }),
    );
    for (const { instance, models } of lists)
      for (const model of models) if (!owners.has(model)) owners.set(model, instance.type);
    for (const model of routes?.resolver.publicModels() ?? []) if (!owners.has(model)) owners.set(model, 'switchyard');
    const allows = gateway.contract(KEY_ACCESS)?.(headers, url);
    const visible = (id: string): boolean => {
      if (!allows) return true;
      const targets = routes?.resolver.resolve(id) ?? [];
      return targets.length ? targets.some((t) => allows(id, t)) : allows(id);
    };
    const created = Math.floor(Date.now() / 1000);
    return [...owners]
      .filter(([id]) => visible(id))
      .map(([id, owned_by]) => ({ id, object: 'model', created, owned_by }));
  }
}
