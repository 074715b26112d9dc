import { randomUUID } from 'node:crypto';
import type { Logger, Store } from '@switchyard/core';
import type { BreakerTable, SharedState } from './breaker.js';

const PREFIX = 'circuit-breaker:';
const CHANNEL = 'circuit-breaker:transitions';
/** Stored states outlive any open period, then expire when nobody touches them. */
const TTL_MS = 24 * 60 * 60 * 1000;

interface Message {
  readonly origin: string;
  readonly key: string;
  readonly state: SharedState;
}

/**
 * Breaker states through `gateway.store`: each transition is stored and published; other
 * replicas adopt it when the message arrives, and read every state back every `syncMs` in case
 * a message was lost (pub/sub is fire-and-forget) or they started after it.
 */
export class SharedStates {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #table: () => BreakerTable;
  readonly #origin = randomUUID();
  #timer: NodeJS.Timeout | undefined;
  #pulling: Promise<void> | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(store: Store, logger: Logger, table: () => BreakerTable) {
    this.#store = store;
    this.#logger = logger;
    this.#table = table;
  }

  publish(key: string): void {
    const state = this.#table().shared(key);
    if (!state) return;
    const failed = (err: unknown): void =>
      this.#logger.warn({ err, breaker: key }, 'circuit-breaker: could not share a state');
    this.#store.set(PREFIX + key, state, TTL_MS).catch(failed);
    this.#store.publish(CHANNEL, { origin: this.#origin, key, state } satisfies Message).catch(failed);
  }

  /** Adopts newer transitions other replicas stored for these keys. */
  async pull(keys: Iterable<string>): Promise<void> {
    for (const key of keys) {
      const remote = await this.#store.get<SharedState>(PREFIX + key).catch(() => undefined);
      if (remote) this.#adopt(key, remote);
    }
  }

  async start(everyMs: number, keys: () => Iterable<string>): Promise<void> {
    this.#unsubscribe = await this.#store
      .subscribe(CHANNEL, (message) => {
        const m = message as Message;
        if (m.origin !== this.#origin && typeof m.key === 'string' && m.state) this.#adopt(m.key, m.state);
      })
      .catch((err: unknown) => {
        this.#logger.warn({ err }, 'circuit-breaker: could not subscribe to shared transitions; polling only');
        return undefined;
      });
    const tick = (): void => {
      this.#pulling ??= this.pull(keys()).finally(() => (this.#pulling = undefined));
    };
    tick();
    this.#timer = setInterval(tick, everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pulling;
    await this.#unsubscribe?.().catch(() => undefined);
  }

  #adopt(key: string, remote: SharedState): void {
    if (this.#table().adopt(key, remote)) {
      const ejected = remote.ejected === undefined ? {} : { ejected: remote.ejected };
      this.#logger.info(
        {
          event: 'circuit_transition',
          plugin: 'circuit-breaker',
          breaker: key,
          to: remote.state,
          reason: remote.reason,
          ...ejected,
          shared: true,
        },
        `circuit ${key} ${remote.state}${remote.ejected ? ', ejected' : ''} (from another replica)`,
      );
    }
  }
}
