import { hashKey } from './key-table.js';
import type { GatewayKeyConfig } from './key-table.js';

/** Hex digits of the key's sha256 shown to tell keys apart: enough to recognize, useless to log in with. */
const FINGERPRINT_HEX = 12;

/** One gateway key as GET /admin/keys shows it: never the key, only the start of its hash. */
export interface KeyListing {
  readonly name: string;
  /** `sha256:` and the first 12 hex digits of the key's hash (the start of `switchyard keys hash`). */
  readonly fingerprint: string;
  readonly enabled: boolean;
  readonly admin: boolean;
  readonly models: readonly string[];
  /** Allowed instances or provider types; absent: all. */
  readonly providers?: readonly string[];
  /** Ids of upstream account objects the key may name; absent: none. */
  readonly accountObjects?: readonly string[];
  readonly expiresAt?: string;
  readonly expired: boolean;
  readonly team?: string;
  readonly owner?: string;
  readonly strategy?: string;
  /** The key's limits as configured here (a rate-limit plugin may override them). */
  readonly limits?: Readonly<Record<string, unknown>>;
  /** The key's own budget (a budgets plugin's `keys` entry overrides it). */
  readonly budget?: Readonly<Record<string, unknown>>;
  /** `config`: from the config file; `runtime`: created through the admin API (kept in the store). */
  readonly source: 'config' | 'runtime';
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** A key as listed, with where it comes from and, for run-time keys, when it was created and changed. */
export type ListedKey = GatewayKeyConfig & {
  readonly source?: 'config' | 'runtime';
  readonly createdAt?: string;
  readonly updatedAt?: string;
};

/** What the listing shows of each key, computed once; `expired` is decided at `now`. */
export function keyListing(configs: readonly ListedKey[]): (now: number) => KeyListing[] {
  const keys = configs.map((c) => {
    const hash =
      c.key !== undefined ? hashKey(c.key) : `sha256:${(c.keyHash ?? '').replace(/^sha256:/, '').toLowerCase()}`;
    const expiresAt = c.expiresAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(c.expiresAt);
    const shown: Omit<KeyListing, 'expired'> = {
      name: c.name,
      fingerprint: hash.slice(0, 'sha256:'.length + FINGERPRINT_HEX),
      enabled: c.enabled ?? true,
      admin: c.admin ?? false,
      models: c.models ?? ['*'],
      ...(c.providers ? { providers: c.providers } : {}),
      ...(c.accountObjects?.length ? { accountObjects: c.accountObjects } : {}),
      ...(c.expiresAt === undefined ? {} : { expiresAt: c.expiresAt }),
      ...(c.team === undefined ? {} : { team: c.team }),
      ...(c.owner === undefined ? {} : { owner: c.owner }),
      ...(c.strategy === undefined ? {} : { strategy: c.strategy }),
      ...(c.limits === undefined ? {} : { limits: c.limits }),
      ...(c.budget === undefined ? {} : { budget: c.budget }),
      source: c.source ?? 'config',
      ...(c.createdAt === undefined ? {} : { createdAt: c.createdAt }),
      ...(c.updatedAt === undefined ? {} : { updatedAt: c.updatedAt }),
    };
    return { shown, expiresAt };
  });
  return (now) => keys.map(({ shown, expiresAt }) => ({ ...shown, expired: expiresAt <= now }));
}
