import type { Target } from './types.js';

/** A target's circuit as a breaker plugin sees it. */
export type CircuitState = 'closed' | 'half_open' | 'open';

export interface TargetHealth {
  readonly circuit: CircuitState;
  /** False while the target would be refused (circuit open). */
  readonly healthy: boolean;
  readonly reason?: string;
}

const HEALTHY: TargetHealth = Object.freeze({ circuit: 'closed', healthy: true });

interface HealthSource {
  readonly plugin: string;
  readonly of: (target: Target) => TargetHealth | undefined;
}

interface Gauge {
  readonly plugin: string;
  readonly help: string;
  readonly read: () => number;
}

/**
 * What plugins know about targets and themselves, read by others without depending on them:
 * a breaker reports each target's circuit, a balancer its sticky-session count; routing
 * stats, metrics and /ready read them here. Sources are added in apply().
 */
export class StatusBoard {
  readonly #health: HealthSource[] = [];
  readonly #gauges = new Map<string, Gauge>();

  /** Adds a health source; the first that answers for a target decides. */
  addHealth(plugin: string, of: (target: Target) => TargetHealth | undefined): void {
    this.#health.push({ plugin, of });
  }

  /** A target's health: the first source's answer, else closed and healthy. */
  health(target: Target): TargetHealth {
    for (const source of this.#health) {
      const health = source.of(target);
      if (health) return health;
    }
    return HEALTHY;
  }

  /** True when some plugin reports health (a breaker is installed). */
  get tracksHealth(): boolean {
    return this.#health.length > 0;
  }

  /** Adds a named gauge (`sticky_sessions`), read when metrics or stats are collected. */
  addGauge(name: string, plugin: string, help: string, read: () => number): void {
    this.#gauges.set(name, { plugin, help, read });
  }

  gauges(): Array<{ name: string; plugin: string; help: string; value: number }> {
    return [...this.#gauges].map(([name, g]) => ({ name, plugin: g.plugin, help: g.help, value: g.read() }));
  }
}
