import type { Gateway, ProviderInstance, Target } from '@switchyard/core';
import type { AliasConfig } from './aliases.js';

/** Where the resolver reads each provider type's model prefixes. */
type ProviderTypes = Pick<Gateway['providers'], 'get'>;

/**
 * Model names → candidate targets, in DESIGN order: alias → `instance/model` → instances
 * listing the model → instances (listing no models) whose type claims the name's prefix.
 * A model list is a rule: `instance/model` reaches only a model the instance serves (listed,
 * matched by a `*` glob of its list, or — without a list — claimed by its type's prefixes).
 * Built once per configuration (and again whenever discovery changes a served set, see
 * `served`); a lookup is a few map reads.
 */
export class ModelResolver {
  readonly #aliases = new Map<string, Target[]>();
  readonly #instances = new Map<string, ProviderInstance>();
  readonly #listed = new Map<string, Target[]>();
  /** Exact names each instance serves, and its glob entries (configured `models` only). */
  readonly #served = new Map<string, { names: ReadonlySet<string>; globs: readonly RegExp[] } | undefined>();
  /** Instances with glob entries, by priority: they list every name a glob matches. */
  readonly #globbed: Array<{ instance: ProviderInstance; globs: readonly RegExp[] }> = [];
  readonly #byPrefix: Array<{ prefix: string; instances: ProviderInstance[] }> = [];
  readonly #prefixesOf = new Map<string, readonly string[]>();

  /**
   * @param served discovered model lists per instance name: they replace the instance's
   *   configured `models` (an instance with a served list claims no prefixes).
   */
  constructor(
    instances: readonly ProviderInstance[],
    aliases: readonly AliasConfig[],
    providers: ProviderTypes,
    served?: ReadonlyMap<string, readonly string[]>,
  ) {
    const byPriority = [...instances].sort((a, b) => a.priority - b.priority);
    for (const instance of byPriority) this.#indexServed(instance, served?.get(instance.name));
    this.#indexPrefixes(byPriority, providers);
    for (const alias of aliases) {
      // Aliases are the operator's own mapping: they may name any model of an instance.
      this.#aliases.set(
        alias.name,
        alias.targets.flatMap((ref) => this.#instanceRef(ref, 'alias', false) ?? []),
      );
    }
  }

  /** An instance's served names and globs: its discovered list, else its configured `models`; none claims by prefix. */
  #indexServed(instance: ProviderInstance, discovered: readonly string[] | undefined): void {
    this.#instances.set(instance.name, instance);
    const list = discovered ?? instance.models;
    if (list === undefined) return void this.#served.set(instance.name, undefined);
    // Discovered ids are upstream names, never globs.
    const globs = discovered ? [] : list.filter(isGlob).map(globToRegExp);
    const names = new Set(discovered ? list : list.filter((m) => !isGlob(m)));
    this.#served.set(instance.name, { names, globs });
    if (globs.length) this.#globbed.push({ instance, globs });
    for (const model of names) {
      const targets = this.#listed.get(model) ?? [];
      targets.push(target(instance, model, 'listed'));
      this.#listed.set(model, targets);
    }
  }

  /** The prefixes the types of instances without a served list claim, longest first (so `gpt-4o-` can be claimed apart from `gpt-`). */
  #indexPrefixes(byPriority: readonly ProviderInstance[], providers: ProviderTypes): void {
    const prefixes = new Map<string, ProviderInstance[]>();
    for (const instance of byPriority) {
      if (this.#served.get(instance.name) !== undefined) continue;
      const own = providers.get(instance.type)?.modelPrefixes ?? [];
      this.#prefixesOf.set(instance.name, own);
      for (const prefix of own) prefixes.set(prefix, [...(prefixes.get(prefix) ?? []), instance]);
    }
    for (const [prefix, list] of [...prefixes].sort((a, b) => b[0].length - a[0].length))
      this.#byPrefix.push({ prefix, instances: list });
  }

  /** Candidate targets for a model name; empty when nothing claims it. */
  resolve(model: string): Target[] {
    const alias = this.#aliases.get(model);
    if (alias) return alias;
    const direct = this.#instanceRef(model, 'instance', true);
    if (direct) return [direct];
    const listed = this.#listed.get(model);
    const globbed = this.#globbed.length ? this.#globbed.filter((g) => g.globs.some((re) => re.test(model))) : [];
    if (globbed.length) return this.#withGlobbed(model, listed ?? [], globbed);
    if (listed) return listed;
    for (const { prefix, instances } of this.#byPrefix) {
      if (model.startsWith(prefix)) return instances.map((i) => target(i, model, 'prefix'));
    }
    return [];
  }

  /** Whether `instance` serves `model`: listed (or matched by a glob of its list), else claimed by its type's prefixes. */
  serves(instance: string, model: string): boolean {
    if (!this.#instances.has(instance)) return false;
    const served = this.#served.get(instance);
    if (served) return served.names.has(model) || served.globs.some((re) => re.test(model));
    return (this.#prefixesOf.get(instance) ?? []).some((prefix) => model.startsWith(prefix));
  }

  /** Every target a listed model or an alias names, once each (prefix-claimed and glob-matched models are open-ended and not included). */
  servedTargets(): Target[] {
    const byId = new Map<string, Target>();
    for (const list of [...this.#listed.values(), ...this.#aliases.values()])
      for (const t of list) if (!byId.has(t.id)) byId.set(t.id, t);
    return [...byId.values()];
  }

  /** Every public model name: served models and aliases, once each (never a glob). */
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

  /** Exactly listed targets and glob-matching instances, merged by priority (an instance once). */
  #withGlobbed(
    model: string,
    listed: readonly Target[],
    globbed: ReadonlyArray<{ instance: ProviderInstance }>,
  ): Target[] {
    const targets = [...listed];
    const seen = new Set(listed.map((t) => t.instance.name));
    for (const { instance } of globbed) if (!seen.has(instance.name)) targets.push(target(instance, model, 'listed'));
    return targets.sort((a, b) => a.instance.priority - b.instance.priority);
  }

  #instanceRef(ref: string, rule: Target['rule'], mustServe: boolean): Target | undefined {
    const slash = ref.indexOf('/');
    if (slash <= 0) return undefined;
    const name = ref.slice(0, slash);
    const instance = this.#instances.get(name);
    if (!instance) return undefined;
    const model = ref.slice(slash + 1);
    if (mustServe && !this.serves(name, model)) return undefined;
    return target(instance, model, rule);
  }
}

/** A `models` entry with `*` is a glob: `llama-*`, or `*` for any name. */
function isGlob(entry: string): boolean {
  return entry.includes('*');
}

/** `*` matches any run of characters (`/` included); everything else is literal. */
function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
}

function target(instance: ProviderInstance, model: string, rule: Target['rule']): Target {
  return Object.freeze({ id: `${instance.name}/${model}`, instance, model, rule });
}
