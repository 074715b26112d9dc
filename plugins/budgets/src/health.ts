import type { Logger } from '@switchyard/core';

/** Whether the budget store answers: the first failure after a healthy spell and the recovery are each logged once. */
export class StoreHealth {
  #failing = false;
  #errors = 0;
  #allowed = 0;
  #denied = 0;

  constructor(
    private readonly logger: Logger,
    readonly kind: string,
    private readonly policy: 'allow' | 'deny',
  ) {}

  ok(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.logger.warn(
      { event: 'store_up', plugin: 'budgets', store: this.kind },
      'budget store reachable again: budgets enforced again',
    );
  }

  failed(err: unknown): void {
    this.#errors++;
    if (this.#failing) return;
    this.#failing = true;
    const then =
      this.policy === 'allow' ? 'LETTING BUDGETED REQUESTS THROUGH UNCHECKED' : 'REFUSING BUDGETED REQUESTS WITH 503';
    this.logger.error(
      {
        event: 'store_down',
        plugin: 'budgets',
        store: this.kind,
        onStoreError: this.policy,
        reason: (err as Error)?.message ?? String(err),
      },
      `BUDGET STORE UNREACHABLE: ${then} (onStoreError: ${this.policy}) until it answers again`,
    );
  }

  decided(): void {
    if (this.policy === 'allow') this.#allowed++;
    else this.#denied++;
  }

  counts(): { failing: boolean; storeErrors: number; allowedOnStoreError: number; deniedOnStoreError: number } {
    return {
      failing: this.#failing,
      storeErrors: this.#errors,
      allowedOnStoreError: this.#allowed,
      deniedOnStoreError: this.#denied,
    };
  }
}
