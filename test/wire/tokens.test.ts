import { describe, expect, it } from 'vitest';
import { TokenCache, TokenCaches } from '@switchyard/wire-tokens';

describe('TokenCache', () => {
  it('shares one fetch, keeps the token until the refresh window, and does not cache a failure', async () => {
    let now = 0;
    let fetches = 0;
    let fail = false;
    const cache = new TokenCache(
      async () => {
        fetches++;
        if (fail) throw new Error('down');
        return { token: `t${fetches}`, expiresInMs: 60_000 };
      },
      10_000,
      () => now,
    );
    expect(await Promise.all([cache.get(), cache.get()])).toEqual(['t1', 't1']);
    now = 49_999;
    expect(await cache.get()).toBe('t1');
    now = 50_000;
    fail = true;
    await expect(cache.get()).rejects.toThrow('down');
    fail = false;
    expect(await cache.get()).toBe('t3');
    expect(fetches).toBe(3);
  });
});

describe('TokenCaches', () => {
  it('makes one cache per key at its first use, and none for a key that needs none', async () => {
    const made: string[] = [];
    const caches = new TokenCaches<{ name: string; secret?: string }>((key) => {
      made.push(key.name);
      return key.secret
        ? new TokenCache(async () => ({ token: `${key.name}-token`, expiresInMs: 60_000 }), 0)
        : undefined;
    });
    const entra = { name: 'entra', secret: 's' };
    const keyed = { name: 'keyed' };
    expect(caches.for(entra)).toBe(caches.for(entra));
    expect(await caches.for(entra)!.get()).toBe('entra-token');
    expect(caches.for(keyed)).toBeUndefined();
    expect(caches.for(keyed)).toBeUndefined();
    expect(made).toEqual(['entra', 'keyed']);
  });
});
