import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { ServerResponse } from 'node:http';

/**
 * A routed response's header fields, gathered as one flat `[name, value, …]` list and sent with a
 * single `writeHead()`: `setHeader()` would allocate an entry and grow a dictionary per field.
 * Fields are checked as they are set, as `setHeader()` checks them, and a later field replaces
 * an earlier one of the same name (any case) where it stood, as `setHeader()` does.
 */
export class ResponseHead {
  readonly #fields: string[];

  constructor(requestId: string, close: boolean) {
    this.#fields = close ? ['x-request-id', requestId, 'connection', 'close'] : ['x-request-id', requestId];
  }

  set(name: string, value: string): void {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    this.setOwn(name, value);
  }

  /**
   * A field core composes from constants and numbers (content-length, attempts, Server-Timing):
   * set without the check here. Node checks every field again when it writes the head; the check
   * in set() is for values from outside (plugins, upstreams), refused before they join the head.
   */
  setOwn(name: string, value: string): void {
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) {
      const field = fields[i]!;
      if (field === name || (field.length === name.length && field.toLowerCase() === name.toLowerCase())) {
        // In its place, with the later spelling of its name: as setHeader() replaces one.
        fields[i] = name;
        fields[i + 1] = value;
        return;
      }
    }
    fields.push(name, value);
  }

  /** Sets every field of `headers`. */
  add(headers: Readonly<Record<string, string>>): void {
    for (const name in headers) this.set(name, headers[name]!);
  }

  /** Writes the head with `status` unless it was written; the fields go out with the first body bytes. */
  send(res: ServerResponse, status: number): void {
    if (!res.headersSent) res.writeHead(status, this.#fields);
  }
}
