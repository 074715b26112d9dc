import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { UpstreamAbort } from './abort.js';

export interface UpstreamClientOptions {
  /** Keep-alive sockets per origin. @default 128 */
  connections?: number;
  /** Idle keep-alive socket lifetime. @default 30000 */
  keepAliveTimeoutMs?: number;
}

export interface SendOptions {
  signal: AbortSignal | UpstreamAbort;
  /** Longest silence between body chunks once the head arrived. */
  bodyTimeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** One undici Pool per origin, created on first use and reused for every request. */
export class UpstreamClient {
  readonly #pools = new Map<string, Pool>();
  readonly #options: Required<UpstreamClientOptions>;

  constructor(options: UpstreamClientOptions = {}) {
    this.#options = { connections: options.connections ?? 128, keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 30_000 };
  }

  async send(
    url: string,
    init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
    options: SendOptions,
  ): Promise<UpstreamResponse> {
    const target = new URL(url);
    const response = await this.#pool(target.origin).request({
      path: target.pathname + target.search,
      method: init.method,
      headers: init.headers,
      body: init.body ?? null,
      signal: options.signal,
      // The attempt's own timer covers the head (and, streaming, the first event).
      headersTimeout: 0,
      bodyTimeout: options.bodyTimeoutMs,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  /** A GET returning parsed JSON, for model listings and health probes. */
  async getJson(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; json: unknown }> {
    const res = await this.send(url, { method: 'GET', headers }, { signal: AbortSignal.timeout(timeoutMs), bodyTimeoutMs: timeoutMs });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  }

  /** Pools open now: one per upstream origin used since the last close(). */
  get poolCount(): number {
    return this.#pools.size;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.#options.connections,
        keepAliveTimeout: this.#options.keepAliveTimeoutMs,
        pipelining: 1,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }
}
