import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One static file, ready to send. */
export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

/** The page (index.html, for the console's path) and its hashed files (under `<path>/assets/`). */
export interface ConsoleAssets {
  readonly page: Asset;
  readonly files: ReadonlyMap<string, Asset>;
}

/** Where the built page writes the console's path into its asset URLs. */
export const BASE_PLACEHOLDER = '__SWITCHYARD_CONSOLE_BASE__';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Sent with every console file. The page runs only its own script and style files (no inline
 * code, no other origin), talks only to its own origin, and cannot be framed.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

/** File names carry their content hash, so they never change: cache them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page keeps its name: revalidate it each time (its ETag makes that cheap). */
const REVALIDATE = 'no-cache';

/**
 * Reads the built console from `dir` (index.html and assets/), with `base` (the console's path)
 * written into the page's asset URLs. Undefined when the page was never built.
 */
export function loadAssets(dir: string, base: string): ConsoleAssets | undefined {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return undefined;
  const html = readFileSync(index, 'utf8').replaceAll(BASE_PLACEHOLDER, base);
  const files = new Map<string, Asset>();
  const assetsDir = join(dir, 'assets');
  if (existsSync(assetsDir)) {
    for (const name of readdirSync(assetsDir)) {
      const type = TYPES[extname(name)];
      if (type) files.set(name, asset(readFileSync(join(assetsDir, name)), type, IMMUTABLE));
    }
  }
  return { page: asset(Buffer.from(html), TYPES['.html']!, REVALIDATE), files };
}

function asset(body: Buffer, type: string, cacheControl: string): Asset {
  return { body, type, cacheControl, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** Whether the caller's cached copy (If-None-Match) is this one. */
export function isFresh(asset: Asset, ifNoneMatch: string | undefined): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag || tag.trim() === '*');
}
