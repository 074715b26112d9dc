import { SwitchyardError } from '../errors.js';

/**
 * A typed value one plugin provides and others use: a service (`gateway.provide()`) or a
 * per-request value on the Exchange (`x.set()`). Named, so two copies of a module agree.
 * The providing plugin exports it (usually from a `/contract` subpath) and lists it under
 * `provides`; a plugin that cannot work without it lists it under `needs`.
 */
export interface Contract<T> {
  readonly name: string;
  /** Phantom field carrying the value type; never set. */
  readonly __type?: T;
}

export function contract<T>(name: string): Contract<T> {
  return Object.freeze({ name });
}

/** The services plugins provided to one gateway generation. */
export class Contracts {
  readonly #values = new Map<string, { value: unknown; plugin: string }>();

  /** @internal the plugin host checks `plugin` declared the contract */
  set(c: Contract<unknown>, value: unknown, plugin: string): void {
    const earlier = this.#values.get(c.name);
    if (earlier) throw contractError(`contract "${c.name}" is already provided by plugin "${earlier.plugin}"`);
    this.#values.set(c.name, { value, plugin });
  }

  get<T>(c: Contract<T>): T | undefined {
    return this.#values.get(c.name)?.value as T | undefined;
  }

  has(c: Contract<unknown>): boolean {
    return this.#values.has(c.name);
  }
}

export function contractError(message: string): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_PLUGIN_CONTRACT', message);
}

/**
 * A value a plugin declares for a contract another plugin collects (`contributes` on the
 * plugin): static data, gathered from every registered plugin before any apply(), so the
 * collecting plugin sees them all whatever the order (e.g. provider plugins' built-in model entries).
 */
export interface Contribution<T = unknown> {
  readonly contract: Contract<T>;
  readonly value: T;
}

export function contribution<T>(c: Contract<T>, value: T): Contribution<T> {
  return Object.freeze({ contract: c, value });
}
