/** An access token and how long it stays valid from when it was fetched. */
export interface AccessToken {
  token: string;
  expiresInMs: number;
}

/**
 * One cached access token, fetched again `refreshBeforeMs` before it expires. Concurrent callers
 * share one fetch; a failed fetch is not cached (the next call tries again). The clock is
 * injectable so that refreshes can be tested without waiting.
 */
export class TokenCache {
  #current: { token: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(
    private readonly fetch: () => Promise<AccessToken>,
    private readonly refreshBeforeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    const current = this.#current;
    if (current && this.now() < current.expiresAt - this.refreshBeforeMs) return current.token;
    this.#pending ??= this.fetch().then(
      (fresh) => {
        this.#current = { token: fresh.token, expiresAt: this.now() + fresh.expiresInMs };
        this.#pending = undefined;
        return fresh.token;
      },
      (err: unknown) => {
        this.#pending = undefined;
        throw err;
      },
    );
    return this.#pending;
  }
}

/**
 * One TokenCache per key (a provider instance), made at its first use by `create`; keys `create`
 * gives none for (an instance with a static key) get undefined. Keys are held weakly, so the
 * caches of a replaced config generation go with its instances.
 */
export class TokenCaches<K extends object> {
  readonly #caches = new WeakMap<K, TokenCache | null>();

  constructor(private readonly create: (key: K) => TokenCache | undefined) {}

  for(key: K): TokenCache | undefined {
    let cache = this.#caches.get(key);
    if (cache === undefined) {
      cache = this.create(key) ?? null;
      this.#caches.set(key, cache);
    }
    return cache ?? undefined;
  }
}
