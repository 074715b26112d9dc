/**
 * The one place secrets are masked before anything is printed: log lines, error messages,
 * `/admin/config`, `config show`, start-up lines. Secrets are found by the name they sit under
 * (config keys, query parameters), by where they sit in a URL (userinfo) and by their shape
 * (provider keys, bearer tokens).
 */

/** Config keys whose values are secrets: keys, tokens, passwords, authorization headers. */
const SECRET_KEY =
  /(^|[-_])?(api[-_]?key|key|key[-_]?hash|token|secret|password|passwd|authorization|credentials?|cookie)$/i;

/** Query parameters that carry secrets: `key`, `api_key`, `apikey`, `x-goog-api-key`, `access_token`, `sig`, `signature`, `password`... */
const SECRET_PARAM =
  /(^|[-_.])(key|apikey|token|secret|password|passwd|pwd|sig|signature|credentials?|auth|authorization)$/i;

/**
 * Key-shaped strings (OpenAI and Anthropic keys, Google API keys, bearer tokens) and URLs, in
 * one pass: a URL is rewritten only when it has userinfo or a query string.
 */
const IN_TEXT =
  /\bsk-ant-[\w-]{8,}|\bsk-[\w-]{16,}|\bAIza[\w-]{20,}|\b[Bb]earer\s+[\w.~+/=-]{8,}|\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g;
const KEY_SHAPED = /\bsk-ant-[\w-]{8,}|\bsk-[\w-]{16,}|\bAIza[\w-]{20,}/g;

export const CENSOR = '[redacted]';
const MASK = '****';

/** `sk-abc…wxyz` → `****wxyz` (long values keep their last four characters, to tell keys apart). */
export function maskValue(value: string): string {
  return value.length >= 16 ? `${MASK}${value.slice(-4)}` : MASK;
}

/**
 * One URL with its secrets masked: the whole userinfo (`https://user:pass@host` → `https://****@host`)
 * and the values of secret-looking query parameters (`?key=…` → `?key=****`). Everything else
 * is kept as written.
 */
export function maskUrl(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url;
  const start = scheme + 3;
  let end = url.length;
  for (const c of ['/', '?', '#']) {
    const i = url.indexOf(c, start);
    if (i >= 0 && i < end) end = i;
  }
  let out = url;
  const at = url.lastIndexOf('@', end - 1);
  if (at >= start) out = `${url.slice(0, start)}${MASK}${url.slice(at)}`;
  const q = out.indexOf('?');
  if (q < 0) return out;
  const hash = out.indexOf('#', q);
  const query = out.slice(q + 1, hash < 0 ? undefined : hash);
  const masked = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 && SECRET_PARAM.test(safeDecode(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${MASK}` : pair;
    })
    .join('&');
  return `${out.slice(0, q + 1)}${masked}${hash < 0 ? '' : out.slice(hash)}`;
}

/** `text` with every key-like substring censored and every URL masked. One regex scan; the same string back when clean. */
export function maskText(text: string): string {
  return text.replace(IN_TEXT, (found) =>
    found.includes('://') ? maskUrl(found).replace(KEY_SHAPED, CENSOR) : CENSOR,
  );
}

/** A deep copy of a config tree with every secret masked: values under secret names, URL credentials, key-shaped strings. */
export function maskSecrets<T>(tree: T): T {
  const walk = (node: unknown, key: string | undefined): unknown => {
    if (typeof node === 'string') {
      if (key !== undefined && SECRET_KEY.test(key)) return maskValue(node);
      return maskText(node);
    }
    if (Array.isArray(node)) return node.map((item) => walk(item, undefined));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, k);
      return out;
    }
    return node;
  };
  return walk(tree, undefined) as T;
}

/**
 * The secret values of a provider instance's settings (its key, its base URL's userinfo and
 * secret query values, secret-named header values), for removing them from text an upstream
 * sent back. Values shorter than 4 characters are left out: they would mask half the text.
 */
export function secretValuesOf(instance: {
  readonly apiKey?: string;
  readonly baseUrl: string;
  readonly headers?: Readonly<Record<string, string>>;
}): string[] {
  const values: string[] = [];
  if (instance.apiKey) values.push(instance.apiKey);
  try {
    const url = new URL(instance.baseUrl);
    if (url.username) values.push(url.username, safeDecode(url.username));
    if (url.password) values.push(url.password, safeDecode(url.password));
    for (const [name, value] of url.searchParams)
      if (SECRET_PARAM.test(name) && value) values.push(value, encodeURIComponent(value));
  } catch {
    /* an unparsable base URL carries nothing to look for */
  }
  for (const [name, value] of Object.entries(instance.headers ?? {}))
    if (SECRET_KEY.test(name) && value) values.push(value);
  return [...new Set(values.filter((v) => v.length >= 4))].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
