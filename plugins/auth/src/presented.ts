import type { IncomingHttpHeaders } from 'node:http';

/** Query parameters that commonly carry API keys; a request using one is refused. */
export const QUERY_KEY_PARAMS: readonly string[] = [
  'key',
  'api_key',
  'api-key',
  'apikey',
  'access_token',
  'token',
  'x-api-key',
  'x-goog-api-key',
];

export type Presented =
  | { kind: 'key'; key: string; via: 'authorization' | 'x-api-key' | 'x-goog-api-key' }
  | { kind: 'missing' }
  | { kind: 'malformed'; why: string };

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The gateway key a request presents: `Authorization: Bearer <key>`, else `x-api-key`, else
 * `x-goog-api-key`. Values are taken as sent (keys are case-sensitive; Node already strips the
 * header's outer whitespace); a key containing whitespace cannot be a configured one.
 */
export function presentedKey(headers: IncomingHttpHeaders): Presented {
  const authorization = headers.authorization;
  if (authorization !== undefined && authorization !== '') {
    const match = BEARER.exec(authorization);
    if (!match) return { kind: 'malformed', why: 'the Authorization header must be "Bearer <gateway key>"' };
    return { kind: 'key', key: match[1]!, via: 'authorization' };
  }
  for (const via of ['x-api-key', 'x-goog-api-key'] as const) {
    const value = headers[via];
    if (typeof value === 'string' && value !== '') return { kind: 'key', key: value, via };
    if (Array.isArray(value)) return { kind: 'malformed', why: `send one ${via} header, not several` };
  }
  return { kind: 'missing' };
}

/** The first key-carrying query parameter in a request target, if any. */
export function keyInQuery(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of params.keys()) if (QUERY_KEY_PARAMS.includes(name.toLowerCase())) return name;
  return undefined;
}
