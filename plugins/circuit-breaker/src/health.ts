/** Periodic health probes, one per instance, never overlapping; pure of gateway types. */
export interface HealthTarget {
  readonly name: string;
  probe(): Promise<unknown>;
}

export interface HealthCallbacks {
  passed(name: string): void;
  failed(name: string, why: string): void;
}

export class HealthChecker {
  readonly #targets: readonly HealthTarget[];
  readonly #intervalMs: number;
  readonly #callbacks: HealthCallbacks;
  readonly #running = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #pending = new Set<Promise<void>>();

  constructor(targets: readonly HealthTarget[], intervalMs: number, callbacks: HealthCallbacks) {
    this.#targets = targets;
    this.#intervalMs = intervalMs;
    this.#callbacks = callbacks;
  }

  /** Probes every target now, then every `intervalMs`. */
  start(): void {
    if (this.#timer || this.#targets.length === 0) return;
    this.runOnce();
    this.#timer = setInterval(() => this.runOnce(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for probes in flight. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#pending]);
  }

  /** One round; a target whose last probe is still running is skipped. */
  runOnce(): Promise<void> {
    const round = this.#targets.filter((t) => !this.#running.has(t.name)).map((t) => this.#probe(t));
    return Promise.all(round).then(() => undefined);
  }

  #probe(target: HealthTarget): Promise<void> {
    this.#running.add(target.name);
    const done = target
      .probe()
      .then(
        () => this.#callbacks.passed(target.name),
        (err: unknown) => this.#callbacks.failed(target.name, err instanceof Error ? err.message : String(err)),
      )
      .finally(() => {
        this.#running.delete(target.name);
        this.#pending.delete(done);
      });
    this.#pending.add(done);
    return done;
  }
}
