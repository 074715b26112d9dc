import type { Exchange, Plugin } from '@switchyard/core';
import { HUNG_MS } from './wait.js';

/** A plugin that hands out every finished exchange (after onFinish's other taps), oldest first. */
export function finishedExchanges(): { plugin: Plugin; next(timeoutMs?: number): Promise<Exchange> } {
  const done: Exchange[] = [];
  const waiting: Array<(x: Exchange) => void> = [];
  const plugin: Plugin = {
    name: 'test-finished',
    apply(gateway) {
      gateway.hooks.onFinish.tap({ name: 'test-finished', stage: 1000 }, (x) => {
        const waiter = waiting.shift();
        if (waiter) waiter(x);
        else done.push(x);
      });
    },
  };
  return {
    plugin,
    next(timeoutMs = HUNG_MS) {
      const ready = done.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no request finished (hung)')), timeoutMs);
        waiting.push((x) => {
          clearTimeout(timer);
          resolve(x);
        });
      });
    },
  };
}
