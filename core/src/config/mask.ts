const SECRET_KEY = /(^|[-_])?(api[-_]?key|key|key[-_]?hash|token|secret|password|passwd|authorization|credentials?)$/i;

/** `sk-abc…wxyz` → `****wxyz` (long values keep their last four characters, to tell keys apart). */
export function maskValue(value: string): string {
  return value.length >= 16 ? `****${value.slice(-4)}` : '****';
}

/** Masks the password in `redis://user:pass@host`-style URLs. */
function maskUrlCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]+@/i, '$1****@');
}

/** A deep copy of a config tree with every secret masked: keys, tokens, passwords, URL credentials. */
export function maskSecrets<T>(tree: T): T {
  const walk = (node: unknown, key: string | undefined): unknown => {
    if (typeof node === 'string') {
      if (key !== undefined && SECRET_KEY.test(key)) return maskValue(node);
      return maskUrlCredentials(node);
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
