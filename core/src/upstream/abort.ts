import { EventEmitter } from 'node:events';

/**
 * A one-shot abort switch for one upstream call. undici accepts an EventEmitter as `signal`,
 * and this costs a fraction of an AbortController with its EventTarget on every attempt.
 */
export class UpstreamAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}
