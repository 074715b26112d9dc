import type { Logger } from '@switchyard/core';

/**
 * Tracks whether the counter store answers. The first failure after a healthy spell is
 * logged loudly (error level, with the policy in force); recovery is logged once too; every
 * failure is counted for the status endpoint.
 */
export class StoreHealth {
  #failing = false;
  #errors = 0;
  #allowed = 0;
  #denied = 0;
  #since = 0;

  constructor(
    private readonly logger: Logger,
    readonly kind: string,
  ) {}

  ok(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.logger.warn(
      { event: 'store_up', plugin: 'rate-limit', store: this.kind, errors: this.#since },
      `rate-limit store reachable again after ${this.#since} failed operations: limits enforced again`,
    );
    this.#since = 0;
  }

  /** A request admitted (allow) or refused (deny) because the store could not be asked. */
  decided(policy: 'allow' | 'deny'): void {
    if (policy === 'allow') this.#allowed++;
    else this.#denied++;
  }

  failed(err: unknown, policy: 'allow' | 'deny'): void {
    this.#errors++;
    this.#since++;
    if (this.#failing) return;
    this.#failing = true;
    const then = policy === 'allow' ? 'LETTING REQUESTS THROUGH UNLIMITED' : 'REFUSING REQUESTS WITH 503';
    this.logger.error(
      {
        event: 'store_down',
        plugin: 'rate-limit',
        store: this.kind,
        onStoreError: policy,
        reason: (err as Error)?.message ?? String(err),
      },
      `RATE-LIMIT STORE UNREACHABLE: ${then} (onStoreError: ${policy}) until it answers again`,
    );
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
