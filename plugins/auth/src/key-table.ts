import { createHash, timingSafeEqual } from 'node:crypto';
import type { GatewayKeyConfig } from './schema.js';

export type { GatewayKeyConfig } from './schema.js';

/** A key ready for lookup: its hash, compiled patterns and the caller identity it confers. */
export interface GatewayKey {
  readonly name: string;
  readonly hash: Buffer;
  readonly enabled: boolean;
  readonly admin: boolean;
  readonly expiresAt: number;
  /** Every `models` entry as a pattern (the requested name is checked against these first). */
  readonly models: readonly RegExp[];
  /** `models` entries without a glob character: a requested alias, `tag:` query or `instance/model` listed here grants every target it resolves to. */
  readonly exactModels: ReadonlySet<string>;
  /** True when `models` has `*`: every target is allowed. */
  readonly anyModel: boolean;
  /** `models` entries matched against a target: without a `/` against its model name, with one against `instance/model`. */
  readonly targetPatterns: ReadonlyArray<{ readonly re: RegExp; readonly id: boolean }>;
  readonly providers: readonly RegExp[] | undefined;
  /** Ids of upstream account objects the key may name (`accountObjects`; `*`: any). */
  readonly accountObjects: ReadonlySet<string>;
  readonly caller: { name: string; scope?: string; team?: string; metadata: Readonly<Record<string, unknown>> };
}

/** A key's settings as the table reads them; a run-time key also has its creation time. */
export type TableEntry = GatewayKeyConfig & { readonly source?: 'config' | 'runtime'; readonly createdAt?: string };

export type Lookup =
  { ok: true; key: GatewayKey } | { ok: false; reason: 'unknown' | 'disabled' | 'expired'; key?: GatewayKey };

const HASH_PREFIX = 'sha256:';
const UNKNOWN: Lookup = Object.freeze({ ok: false, reason: 'unknown' });

/** `sha256:<hex>` of a key, the format `keyHash` takes. */
export function hashKey(key: string): string {
  return HASH_PREFIX + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A glob (`*`, `?`) as an anchored regular expression; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/**
 * Configured keys, looked up by hash with a constant-time comparison against every entry. A
 * presented key that matched is remembered, so it is hashed once per table: the memo holds at
 * most one entry per configured key (only matches are kept), and a table is rebuilt whole at
 * every change of keys (config reload, run-time create/change/delete), which starts it empty.
 * State (enabled, expiry) is still checked at every lookup.
 */
export class KeyTable {
  readonly keys: readonly GatewayKey[];
  readonly #matched = new Map<string, GatewayKey>();

  constructor(configs: readonly TableEntry[]) {
    const problems: string[] = [];
    const seenNames = new Set<string>();
    const seenHashes = new Map<string, string>();
    const keys: GatewayKey[] = [];
    configs.forEach((c, i) => {
      const hex = c.key !== undefined ? hashKey(c.key) : normalizeHash(c.keyHash);
      if (!hex) {
        problems.push(`keys[${i}] (${c.name}): keyHash must be "sha256:" followed by 64 hex digits`);
        return;
      }
      if (c.key !== undefined && c.key.trim() !== c.key)
        problems.push(`keys[${i}] (${c.name}): key has leading or trailing whitespace`);
      if (c.key === '') problems.push(`keys[${i}] (${c.name}): key is empty (is its environment variable set?)`);
      if (seenNames.has(c.name)) problems.push(`keys[${i}]: duplicate key name "${c.name}"`);
      const clash = seenHashes.get(hex);
      if (clash !== undefined) problems.push(`keys[${i}] (${c.name}): the same key as "${clash}"`);
      seenNames.add(c.name);
      seenHashes.set(hex, c.name);
      const expiresAt = c.expiresAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(c.expiresAt);
      if (Number.isNaN(expiresAt))
        problems.push(`keys[${i}] (${c.name}): expiresAt "${c.expiresAt}" is not an ISO 8601 date`);
      const metadata: Record<string, unknown> = { ...c.metadata };
      if (c.owner !== undefined) metadata.owner = c.owner;
      if (c.strategy !== undefined) metadata.strategy = c.strategy;
      if (c.limits !== undefined) metadata.limits = c.limits;
      if (c.budget !== undefined) metadata.budget = c.budget;
      keys.push({
        name: c.name,
        hash: Buffer.from(hex.slice(HASH_PREFIX.length), 'hex'),
        enabled: c.enabled ?? true,
        admin: c.admin ?? false,
        expiresAt,
        models: (c.models ?? ['*']).map(globToRegExp),
        exactModels: new Set((c.models ?? ['*']).filter((m) => !/[*?]/.test(m))),
        anyModel: (c.models ?? ['*']).includes('*'),
        targetPatterns: (c.models ?? ['*']).map((m) => ({ re: globToRegExp(m), id: m.includes('/') })),
        providers: c.providers?.map(globToRegExp),
        accountObjects: new Set(c.accountObjects ?? []),
        caller: {
          name: c.name,
          ...(c.source === 'runtime' && c.createdAt ? { scope: `${c.name}@${c.createdAt}` } : {}),
          ...(c.team === undefined ? {} : { team: c.team }),
          metadata: Object.freeze(metadata),
        },
      });
    });
    if (problems.length) throw new KeyConfigError(problems);
    this.keys = keys;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key a presented key matched before, else its hash compared with every configured hash in constant time. */
  lookup(presented: string, now = Date.now()): Lookup {
    let found = this.#matched.get(presented);
    if (found === undefined) {
      found = this.#match(presented);
      if (found === undefined) return UNKNOWN;
      this.#matched.set(presented, found);
    }
    if (!found.enabled) return { ok: false, reason: 'disabled', key: found };
    if (found.expiresAt <= now) return { ok: false, reason: 'expired', key: found };
    return { ok: true, key: found };
  }

  #match(presented: string): GatewayKey | undefined {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: GatewayKey | undefined;
    for (const key of this.keys) if (timingSafeEqual(digest, key.hash) && !found) found = key;
    return found;
  }
}

/**
 * Whether the key may ask for this name at all: an entry matches it, or — for `instance/model` —
 * the model part. What is actually sent upstream is checked per target by allowsTarget().
 */
export function allowsModel(key: GatewayKey, model: string): boolean {
  if (anyMatches(key.models, model)) return true;
  const slash = model.indexOf('/');
  return slash > 0 && anyMatches(key.models, model.slice(slash + 1));
}

/** Whether one of `patterns` matches `text`: a loop, where some() would make a closure per call (per request). */
function anyMatches(patterns: readonly RegExp[], text: string): boolean {
  for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(text)) return true;
  return false;
}

/**
 * Whether the key may reach a target found for the requested name: the requested name is
 * listed exactly (an alias, a `tag:` query or an `instance/model` grants what it resolves to),
 * or an entry matches the model sent upstream (entries with a `/` match `instance/model`).
 */
export function allowsTarget(
  key: GatewayKey,
  requested: string,
  target: { readonly id: string; readonly model: string },
): boolean {
  if (key.anyModel || key.exactModels.has(requested)) return true;
  for (const p of key.targetPatterns) if (p.re.test(p.id ? target.id : target.model)) return true;
  return false;
}

/**
 * Whether the key may have a target's upstream run `model` for a hosted tool: the name is listed
 * exactly, or an entry matches it (entries with a `/` match `instance/model`). undefined (a model
 * the upstream picks) only for a key allowing every model.
 */
export function allowsToolModel(
  key: GatewayKey,
  model: string | undefined,
  target: { readonly instance: { readonly name: string } },
): boolean {
  if (key.anyModel) return true;
  if (model === undefined) return false;
  if (key.exactModels.has(model)) return true;
  return key.targetPatterns.some((p) => p.re.test(p.id ? `${target.instance.name}/${model}` : model));
}

export function allowsProvider(key: GatewayKey, instance: string, type: string): boolean {
  return !key.providers || key.providers.some((re) => re.test(instance) || re.test(type));
}

export class KeyConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

function normalizeHash(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const hex = value.startsWith(HASH_PREFIX) ? value.slice(HASH_PREFIX.length) : value;
  return /^[0-9a-fA-F]{64}$/.test(hex) ? HASH_PREFIX + hex.toLowerCase() : undefined;
}
