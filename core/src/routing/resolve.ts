import type { AliasConfig } from '../config/schema.js';
import type { ProviderRegistry } from '../providers.js';
import type { ProviderInstance, Target } from '../types.js';

/**
 * Model names → candidate targets, in DESIGN order: alias → `instance/model` → instances
 * listing the model → instances (listing no models) whose type claims the name's prefix.
 * Built once per configuration (and again whenever discovery changes a served set, see
 * `served`); a lookup is a few map reads.
 */
export class ModelResolver {
  readonly #aliases = new Map<string, Target[]>();
  readonly #instances = new Map<string, ProviderInstance>();
  readonly #listed = new Map<string, Target[]>();
  readonly #byPrefix: Array<{ prefix: string; instances: ProviderInstance[] }> = [];

  /**
   * @param served discovered model lists per instance name: they replace the instance's
   *   configured `models` (an instance with a served list claims no prefixes).
   */
  constructor(instances: readonly ProviderInstance[], aliases: readonly AliasConfig[], providers: ProviderRegistry, served?: ReadonlyMap<string, readonly string[]>) {
    const byPriority = [...instances].sort((a, b) => a.priority - b.priority);
    const modelsOf = (i: ProviderInstance): readonly string[] | undefined => served?.get(i.name) ?? i.models;
    for (const instance of byPriority) {
      this.#instances.set(instance.name, instance);
      for (const model of modelsOf(instance) ?? []) {
        const list = this.#listed.get(model) ?? [];
        list.push(target(instance, model, 'listed'));
        this.#listed.set(model, list);
      }
    }
    const prefixes = new Map<string, ProviderInstance[]>();
    for (const instance of byPriority) {
      if (modelsOf(instance) !== undefined) continue;
      for (const prefix of providers.get(instance.type)?.modelPrefixes ?? []) {
        prefixes.set(prefix, [...(prefixes.get(prefix) ?? []), instance]);
      }
    }
    // Longest prefix first, so `gpt-4o-` can be claimed apart from `gpt-`.
    for (const [prefix, list] of [...prefixes].sort((a, b) => b[0].length - a[0].length)) {
      this.#byPrefix.push({ prefix, instances: list });
    }
    for (const alias of aliases) {
      this.#aliases.set(
        alias.name,
        alias.targets.flatMap((ref) => {
          const resolved = this.#instanceRef(ref, 'alias');
          return resolved ? [resolved] : [];
        }),
      );
    }
  }

  /** Candidate targets for a model name; empty when nothing claims it. */
  resolve(model: string): Target[] {
    const alias = this.#aliases.get(model);
    if (alias) return alias;
    const direct = this.#instanceRef(model, 'instance');
    if (direct) return [direct];
    const listed = this.#listed.get(model);
    if (listed) return listed;
    for (const { prefix, instances } of this.#byPrefix) {
      if (model.startsWith(prefix)) return instances.map((i) => target(i, model, 'prefix'));
    }
    return [];
  }

  /** Every target a listed model or an alias names, once each (prefix-claimed models are open-ended and not included). */
  servedTargets(): Target[] {
    const byId = new Map<string, Target>();
    for (const list of [...this.#listed.values(), ...this.#aliases.values()]) for (const t of list) if (!byId.has(t.id)) byId.set(t.id, t);
    return [...byId.values()];
  }

  /** Every public model name: served models and aliases, once each. */
  publicModels(): string[] {
    return [...new Set([...this.#listed.keys(), ...this.#aliases.keys()])];
  }

  /** Alias targets naming an instance that does not exist, as config problems. */
  static aliasProblems(aliases: readonly AliasConfig[], instances: readonly { name: string }[]): string[] {
    const names = new Set(instances.map((i) => i.name));
    const problems: string[] = [];
    aliases.forEach((alias, i) =>
      alias.targets?.forEach((ref, j) => {
        const instance = ref.slice(0, ref.indexOf('/'));
        if (!names.has(instance)) problems.push(`models[${i}].targets[${j}]: no provider instance named "${instance}"`);
      }),
    );
    return problems;
  }

  #instanceRef(ref: string, rule: Target['rule']): Target | undefined {
    const slash = ref.indexOf('/');
    if (slash <= 0) return undefined;
    const instance = this.#instances.get(ref.slice(0, slash));
    return instance ? target(instance, ref.slice(slash + 1), rule) : undefined;
  }
}

function target(instance: ProviderInstance, model: string, rule: Target['rule']): Target {
  return Object.freeze({ id: `${instance.name}/${model}`, instance, model, rule });
}
