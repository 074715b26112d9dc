import { describe, expect, it } from 'vitest';
import {
  allowsModel,
  allowsProvider,
  allowsTarget,
  hashKey,
  keyInQuery,
  KeyTable,
  presentedKey,
} from '@switchyard/plugin-auth';
import { bytesPerCall } from '../../support/allocation.js';

const KEY = 'sk-gw-alpha-0123456789abcdef';

describe('KeyTable', () => {
  const table = new KeyTable([
    {
      name: 'plain',
      key: KEY,
      models: ['gpt-4o*', 'smart', 'tag:cheap'],
      team: 'search',
      owner: 'ana',
      limits: { requestsPerMinute: 5 },
    },
    { name: 'hashed', keyHash: hashKey('sk-gw-beta'), providers: ['openai-*', 'anthropic'] },
    { name: 'off', key: 'sk-gw-off', enabled: false },
    { name: 'old', key: 'sk-gw-old', expiresAt: '2020-01-01T00:00:00Z' },
  ]);

  it('finds keys by plaintext or sha256 hash, and refuses unknown, disabled and expired ones', () => {
    expect(table.lookup(KEY)).toMatchObject({ ok: true, key: { name: 'plain' } });
    expect(table.lookup('sk-gw-beta')).toMatchObject({ ok: true, key: { name: 'hashed' } });
    expect(table.lookup('sk-gw-off')).toMatchObject({ ok: false, reason: 'disabled' });
    expect(table.lookup('sk-gw-old')).toMatchObject({ ok: false, reason: 'expired' });
    for (const wrong of ['', KEY.toUpperCase(), ` ${KEY}`, `${KEY} `, KEY.slice(0, -1), `${KEY}x`]) {
      expect(table.lookup(wrong)).toEqual({ ok: false, reason: 'unknown' });
    }
  });

  it('publishes the caller identity without the key', () => {
    const found = table.lookup(KEY);
    expect(found.ok && found.key.caller).toEqual({
      name: 'plain',
      team: 'search',
      metadata: { owner: 'ana', limits: { requestsPerMinute: 5 } },
    });
    expect(JSON.stringify(found)).not.toContain(KEY);
  });

  it('matches models by name, glob, alias and literal tag: query; providers by name or type', () => {
    const found = table.lookup(KEY);
    if (!found.ok) throw new Error('lookup failed');
    expect(['gpt-4o', 'gpt-4o-mini', 'smart', 'tag:cheap'].map((m) => allowsModel(found.key, m))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['gpt-4', 'smartest', 'tag:fast', 'xgpt-4o', ''].map((m) => allowsModel(found.key, m))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    const hashed = table.lookup('sk-gw-beta');
    if (!hashed.ok) throw new Error('lookup failed');
    expect(allowsModel(hashed.key, 'anything')).toBe(true);
    expect(allowsProvider(hashed.key, 'openai-main', 'openai')).toBe(true);
    expect(allowsProvider(hashed.key, 'claude-eu', 'anthropic')).toBe(true);
    expect(allowsProvider(hashed.key, 'gemini', 'gemini')).toBe(false);
  });

  it('checks a model and a target, per request, without allocating', () => {
    const plain = table.lookup(KEY);
    const any = table.lookup('sk-gw-beta');
    if (!plain.ok || !any.ok) throw new Error('lookup failed');
    const target = { id: 'oai/gpt-4o-mini', model: 'gpt-4o-mini' };
    expect(bytesPerCall(() => allowsModel(any.key, 'gpt-4o-mini'))).toBeLessThan(16);
    expect(bytesPerCall(() => allowsModel(plain.key, 'gpt-4o-mini'))).toBeLessThan(16);
    expect(bytesPerCall(() => allowsTarget(plain.key, 'tag:fast', target))).toBeLessThan(16);
    expect(allowsTarget(plain.key, 'tag:fast', target)).toBe(true);
    expect(allowsTarget(plain.key, 'tag:fast', { id: 'oai/gpt-4.1', model: 'gpt-4.1' })).toBe(false);
  });

  it('lists every configuration problem at once', () => {
    expect(
      () =>
        new KeyTable([
          { name: 'a', key: 'same' },
          { name: 'a', key: 'same' },
          { name: 'c', keyHash: 'md5:abc' },
          { name: 'd', key: ' padded ' },
          { name: 'e', key: 'x', expiresAt: 'next tuesday' },
        ]),
    ).toThrow(/duplicate key name "a".*the same key as "a".*keyHash must be.*whitespace.*not an ISO 8601 date/s);
  });
});

describe('presentedKey', () => {
  it('reads Bearer (any scheme case), then x-api-key, then x-goog-api-key', () => {
    expect(presentedKey({ authorization: `Bearer ${KEY}` })).toEqual({ kind: 'key', key: KEY, via: 'authorization' });
    expect(presentedKey({ authorization: `bearer ${KEY}` })).toMatchObject({ kind: 'key', key: KEY });
    expect(presentedKey({ 'x-api-key': KEY })).toEqual({ kind: 'key', key: KEY, via: 'x-api-key' });
    expect(presentedKey({ 'x-goog-api-key': KEY })).toEqual({ kind: 'key', key: KEY, via: 'x-goog-api-key' });
    expect(presentedKey({})).toEqual({ kind: 'missing' });
  });

  it('calls other Authorization shapes malformed', () => {
    for (const value of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', KEY, `Bearer ${KEY} extra`, `Token ${KEY}`]) {
      expect(presentedKey({ authorization: value }).kind, value).toBe('malformed');
    }
  });

  it('finds key-carrying query parameters', () => {
    expect(keyInQuery('/v1/chat/completions')).toBeUndefined();
    expect(keyInQuery('/v1/chat/completions?stream=true')).toBeUndefined();
    expect(keyInQuery('/v1/chat/completions?key=abc')).toBe('key');
    expect(keyInQuery('/v1/models?x=1&API_KEY=abc')).toBe('API_KEY');
  });
});
