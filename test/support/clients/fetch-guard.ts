/**
 * For clients that run in-process (SDKs): while installed, `globalThis.fetch` refuses and records
 * every request to a host other than 127.0.0.1 / localhost / [::1], so a test can show an SDK
 * called nothing but the loopback mock (tracing exporters, model lookups, telemetry included).
 */
export interface FetchGuard {
  /** URLs of refused requests, in order. */
  readonly refused: string[];
  /** Puts the original fetch back. */
  restore(): void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function guardFetch(): FetchGuard {
  const original = globalThis.fetch;
  const refused: string[] = [];
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!LOOPBACK.has(url.hostname)) {
      refused.push(url.href);
      return Promise.reject(new TypeError(`fetch to ${url.host} refused: tests stay on 127.0.0.1`));
    }
    return original(input, init);
  };
  return { refused, restore: () => void (globalThis.fetch = original) };
}
