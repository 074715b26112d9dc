import { createRequire } from 'node:module';
import type { errors } from 'undici';

/** undici's error for an aborted request (code UND_ERR_ABORTED), from its errors module alone (client.ts says why). */
export const { RequestAbortedError } = createRequire(import.meta.url)('undici/lib/core/errors.js') as typeof errors;

/**
 * A one-shot abort switch for one upstream call, with a single listener slot (the request's
 * handler): a fraction of an AbortController's EventTarget, or an EventEmitter, on every attempt.
 */
export class UpstreamAbort {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }

  /** @internal Called once on abort; replaces any earlier listener. */
  listen(listener: (() => void) | undefined): void {
    this.#listener = listener;
  }
}
