import { describe, expect, it } from 'vitest';
import { allowedHosts, guardRequest, guardSettings, hostOf, isJsonType } from '../../core/dist/http/request-guard.js';

const hosts = (set: ReadonlySet<string> | undefined): string[] | undefined => (set ? [...set].sort() : undefined);

describe('which Host names a gateway answers to', () => {
  it('bound to loopback: the loopback names and the bound one; bound elsewhere: any (keys or allowUnauthenticated guard it)', () => {
    expect(hosts(allowedHosts(undefined, '127.0.0.1', false))).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    expect(hosts(allowedHosts(undefined, '127.0.0.2', true))).toEqual(['127.0.0.1', '127.0.0.2', '[::1]', 'localhost']);
    expect(hosts(allowedHosts(undefined, '::1', false))).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    expect(allowedHosts(undefined, '0.0.0.0', true)).toBeUndefined();
    expect(allowedHosts(undefined, '10.0.0.5', false)).toBeUndefined();
  });

  it('not listening (callback() only): loopback names without keys, any with them', () => {
    expect(hosts(allowedHosts(undefined, undefined, false))).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    expect(allowedHosts(undefined, undefined, true)).toBeUndefined();
  });

  it('server.allowedHosts wins, ports and case dropped; `*` allows any', () => {
    expect(
      hosts(allowedHosts(['GW.internal', 'api.example.com:443', '::1', '[fe80::1]:8080'], '127.0.0.1', false)),
    ).toEqual(['[::1]', '[fe80::1]', 'api.example.com', 'gw.internal']);
    expect(allowedHosts(['*'], '127.0.0.1', false)).toBeUndefined();
  });

  it('reads Host headers with ports, IPv6 brackets and a trailing dot', () => {
    expect(hostOf('Example.com:8080')).toBe('example.com');
    expect(hostOf('[::1]:8080')).toBe('[::1]');
    expect(hostOf('localhost.')).toBe('localhost');
    expect(hostOf('')).toBeUndefined();
    expect(hostOf(undefined)).toBeUndefined();
  });
});

describe('guardRequest', () => {
  const loopback = guardSettings(allowedHosts(undefined, '127.0.0.1', false));
  const open = guardSettings(undefined);

  it('with any Host allowed, an Origin must still be the request Host itself or listed', () => {
    expect(
      guardRequest(open, 'GET', '/v1/models', { host: 'gw.example:8080', origin: 'https://gw.example:8080' }),
    ).toBeUndefined();
    expect(
      guardRequest(open, 'GET', '/v1/models', { host: 'gw.example:8080', origin: 'https://evil.example' })?.status,
    ).toBe(403);
    expect(
      guardRequest(guardSettings(undefined, ['*']), 'GET', '/v1/models', {
        host: 'gw.example',
        origin: 'https://evil.example',
      }),
    ).toBeUndefined();
  });

  it('checks the content type of POSTs to /v1/ and /admin/ only', () => {
    expect(
      guardRequest(loopback, 'POST', '/v1/embeddings', { host: 'localhost', 'content-type': 'text/plain' })?.status,
    ).toBe(415);
    expect(
      guardRequest(loopback, 'POST', '/admin/route/explain', {
        host: 'localhost',
        'content-type': 'application/x-www-form-urlencoded',
      })?.status,
    ).toBe(415);
    expect(
      guardRequest(loopback, 'GET', '/v1/models', { host: 'localhost', 'content-type': 'text/plain' }),
    ).toBeUndefined();
    expect(guardRequest(loopback, 'POST', '/v1/chat/completions', { host: 'localhost' })).toBeUndefined();
    expect(isJsonType('application/json;charset=utf-8')).toBe(true);
    expect(isJsonType('application/problem+json')).toBe(true);
    expect(isJsonType('text/json')).toBe(false);
    expect(isJsonType('application/jsonp')).toBe(false);
  });
});
