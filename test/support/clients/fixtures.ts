/**
 * Recorded client requests (test/fixtures/clients/*.json): what each real client sends on a normal
 * run, with secrets masked and long tool descriptions trimmed (structure kept).
 *
 * The client tests call `checkFixture(name, requests)`: with RECORD_CLIENT_FIXTURES=1 it writes the
 * fixture from this run; otherwise it compares this run's request shape (method, path and query,
 * protocol headers, body keys, turn roles and item types, tool names) with the fixture, so a
 * client upgrade that changes what is sent fails loudly until the fixture (and README) is redone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Any mock's recorded request. */
export interface RequestLike {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface FixtureRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

const DIR = fileURLToPath(new URL('../../fixtures/clients/', import.meta.url));
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key']);
/** Per-connection headers that say nothing about the client. */
const TRANSPORT_HEADERS = new Set(['host', 'content-length', 'connection']);
const TRIM_AT = 240;

/** A request as stored in a fixture: secrets masked, tool description text over 240 characters trimmed. */
export function toFixture(request: RequestLike): FixtureRequest {
  const url = new URL(request.path, 'http://mock');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined || TRANSPORT_HEADERS.has(name)) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = SECRET_HEADERS.has(name) ? mask(text) : text;
  }
  const body = request.body === undefined ? undefined : structuredClone(request.body);
  if (body && Array.isArray(body.tools)) body.tools = body.tools.map(trimTool);
  return { method: request.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body };
}

/** Records (RECORD_CLIENT_FIXTURES=1) or checks the requests of one scenario; returns the differences in shape. */
export function checkFixture(name: string, requests: RequestLike[]): string[] {
  const file = `${DIR}${name}.json`;
  const recorded = requests.map(toFixture);
  if (process.env.RECORD_CLIENT_FIXTURES === '1') {
    writeFileSync(file, `${JSON.stringify(recorded, null, 2)}\n`);
    return [];
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as FixtureRequest[];
  const differences: string[] = [];
  if (stored.length !== recorded.length)
    differences.push(`${name}: ${recorded.length} requests, fixture has ${stored.length}`);
  stored.forEach((expected, i) => {
    const got = recorded[i];
    if (!got) return;
    const a = shapeOf(expected);
    const b = shapeOf(got);
    for (const key of Object.keys(a) as Array<keyof typeof a>) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key]))
        differences.push(`${name}[${i}].${key}: fixture ${JSON.stringify(a[key])}, now ${JSON.stringify(b[key])}`);
    }
  });
  return differences;
}

/** What must stay the same between two runs of the same client version. */
function shapeOf(request: FixtureRequest): Record<string, unknown> {
  const body = (request.body ?? {}) as Record<string, any>;
  const turns: unknown[] = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : [];
  return {
    request: `${request.method} ${request.path}`,
    query: request.query,
    headerNames: Object.keys(request.headers)
      .filter((h) => !h.startsWith('x-stainless-retry'))
      .sort(),
    protocolHeaders: pick(request.headers, [
      'anthropic-version',
      'anthropic-beta',
      'accept',
      'content-type',
      'openai-beta',
    ]),
    bodyKeys: Object.keys(body).sort(),
    turns: turns.map((t: any) =>
      [t.type, t.role, Array.isArray(t.content) ? t.content.map((c: any) => c.type) : typeof t.content].filter(
        (x) => x !== undefined,
      ),
    ),
    tools: Array.isArray(body.tools) ? body.tools.map((t: any) => t.name ?? t.function?.name ?? t.type) : undefined,
  };
}

function trimTool(tool: any): any {
  return trimDescriptions(tool);
}

/** Shortens `description` strings (at any depth) over the limit, noting the original length. */
function trimDescriptions(value: any): any {
  if (Array.isArray(value)) return value.map(trimDescriptions);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      key === 'description' && typeof inner === 'string' && inner.length > TRIM_AT
        ? `${inner.slice(0, TRIM_AT)}… [trimmed: ${inner.length} characters]`
        : trimDescriptions(inner);
  }
  return out;
}

function pick(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => headers[n] !== undefined).map((n) => [n, headers[n]!]));
}

function mask(value: string): string {
  const scheme = /^Bearer\s+/i.exec(value)?.[0] ?? '';
  return `${scheme}<redacted>`;
}
