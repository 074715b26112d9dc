import type { IncomingHttpHeaders } from 'node:http';
import { SwitchyardError } from '../errors.js';

/**
 * What a browser could otherwise make a gateway do: a page on another site (CSRF) or on a
 * rebound DNS name (DNS rebinding) sending "simple" requests to a loopback gateway. Checked
 * on every request before any route runs; pure, so it can be tested alone.
 */
export interface GuardSettings {
  /** Host names (lowercase, IPv6 in brackets) the Host header may carry; undefined: any. */
  readonly hosts: ReadonlySet<string> | undefined;
  /** Origins allowed beside the gateway's own (`scheme://host[:port]`, lowercase; `*` any). */
  readonly origins: ReadonlySet<string>;
}

/** Names a loopback-bound gateway answers to by default. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Whether a host name or address is this machine's loopback. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/** Probes from orchestrators come by pod IP: these answer whatever the Host. */
const ANY_HOST_PATHS = new Set(['/health', '/ready']);
const JSON_ROUTES = /^\/(v1|admin)\//;

/**
 * The Host names a gateway answers to: `server.allowedHosts` when set (`*` in it: any);
 * else, bound to loopback, the loopback names and the bound name; else (bound elsewhere, which
 * needs gateway keys or `server.allowUnauthenticated`) any. Not listening (callback() only):
 * the loopback names without gateway keys, any with them.
 */
export function allowedHosts(
  configured: readonly string[] | undefined,
  bound: string | undefined,
  authenticates: boolean,
): ReadonlySet<string> | undefined {
  if (configured) return configured.includes('*') ? undefined : new Set(configured.map(configuredHost));
  if (bound === undefined) return authenticates ? undefined : new Set(LOOPBACK_HOSTS);
  if (!isLoopback(bound)) return undefined;
  return new Set([...LOOPBACK_HOSTS, normalizeHost(bound)]);
}

export function guardSettings(hosts: ReadonlySet<string> | undefined, origins: readonly string[] = []): GuardSettings {
  return { hosts, origins: new Set(origins.map(normalizeOrigin)) };
}

/** `Example.COM.` → `example.com`; `::1` → `[::1]`. */
export function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase().replace(/\.$/, '');
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** A configured host name, a port written after it dropped (`example.com:8080`, `[::1]:80`); a bare IPv6 address kept whole. */
function configuredHost(entry: string): string {
  const colons = entry.split(':').length - 1;
  return colons > 1 && !entry.startsWith('[') ? normalizeHost(entry) : (hostOf(entry) ?? normalizeHost(entry));
}

function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

/** The host name of a Host header value, port dropped (`[::1]:8080` → `[::1]`); undefined when absent or malformed. */
export function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    return end > 0 ? normalizeHost(header.slice(0, end + 1)) : undefined;
  }
  const colon = header.indexOf(':');
  return normalizeHost(colon < 0 ? header : header.slice(0, colon));
}

/** The last Host header seen and its host name: callers of one gateway nearly always send the same one. */
let lastHostHeader: string | undefined;
let lastHost: string | undefined;

function cachedHostOf(header: string | undefined): string | undefined {
  if (header !== lastHostHeader) {
    lastHost = hostOf(header);
    lastHostHeader = header;
  }
  return lastHost;
}

/** The error a request gets before any route runs, or undefined to let it through. */
export function guardRequest(
  settings: GuardSettings,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
): SwitchyardError | undefined {
  const host = cachedHostOf(headers.host);
  if (settings.hosts && !ANY_HOST_PATHS.has(path) && (host === undefined || !settings.hosts.has(host))) {
    return new SwitchyardError(
      'SWITCHYARD_ERR_HOST_NOT_ALLOWED',
      `host ${shown(headers.host ?? '')} is not allowed: add it to server.allowedHosts`,
      { publicCode: 'host_not_allowed' },
    );
  }
  const origin = headers.origin;
  if (origin !== undefined && !originAllowed(settings, origin, headers.host)) {
    return new SwitchyardError(
      'SWITCHYARD_ERR_ORIGIN_NOT_ALLOWED',
      `requests from origin ${shown(origin)} are not allowed: add it to server.allowedOrigins`,
      { publicCode: 'origin_not_allowed' },
    );
  }
  if (method === 'POST' && JSON_ROUTES.test(path)) {
    const type = headers['content-type'];
    if (type !== undefined && !isJsonType(type)) {
      return new SwitchyardError(
        'SWITCHYARD_ERR_UNSUPPORTED_MEDIA_TYPE',
        `content-type ${shown(type)} is not accepted: send application/json`,
        { publicCode: 'unsupported_media_type' },
      );
    }
  }
  return undefined;
}

/**
 * A browser's Origin is the gateway's own when it names the request's Host: the same host name
 * (loopback spellings interchangeable) and the same port, a port left out being its scheme's
 * default (another port of the same name is another server: a dev server, a notebook). Other
 * origins must be listed.
 */
function originAllowed(settings: GuardSettings, origin: string, hostHeader: string | undefined): boolean {
  const normalized = normalizeOrigin(origin);
  if (settings.origins.has('*') || settings.origins.has(normalized)) return true;
  let url: URL;
  try {
    url = new URL(normalized);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = cachedHostOf(hostHeader);
  if (hostHeader === undefined || host === undefined) return false;
  const name = normalizeHost(url.hostname);
  if (name !== host && !(isLoopback(name) && isLoopback(host))) return false;
  const port = portOf(hostHeader);
  return url.port === (port === DEFAULT_PORTS[url.protocol] ? '' : port);
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** The port of a Host header value (`[::1]:8080` → `8080`), '' when it names none. */
function portOf(header: string): string {
  const colon = header.lastIndexOf(':');
  return colon > header.lastIndexOf(']') ? header.slice(colon + 1) : '';
}

/** `application/json`, or any `+json` type, parameters (charset) ignored. */
export function isJsonType(contentType: string): boolean {
  if (contentType === 'application/json') return true;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function shown(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}
