import { SwitchyardError } from './errors.js';

/** A readiness check: returns the problems it sees, none when ready. */
export type ReadinessCheck = () => readonly string[];

/**
 * Checks that `/ready` consults: plugins add them in apply(), e.g. a circuit breaker reporting
 * models whose every target is open. `/ready` answers 200 only while every check returns none.
 */
export class ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>();

  /** Registers a check under a unique name (usually the plugin's). */
  add(name: string, check: ReadinessCheck): void {
    if (this.#checks.has(name))
      throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_DUPLICATE', `readiness check "${name}" is already registered`);
    this.#checks.set(name, check);
  }

  /** Every problem, prefixed with its check's name; a throwing check counts as a problem. */
  problems(): string[] {
    const problems: string[] = [];
    for (const [name, check] of this.#checks) {
      try {
        for (const line of check()) problems.push(`${name}: ${line}`);
      } catch (err) {
        problems.push(`${name}: check failed: ${(err as Error).message}`);
      }
    }
    return problems;
  }
}
