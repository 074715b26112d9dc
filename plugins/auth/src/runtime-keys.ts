import { randomBytes, randomUUID } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import { errorCode, SwitchyardError, Type } from '@switchyard/core';
import type { Logger, Store } from '@switchyard/core';
import { hashKey } from './key-table.js';
import { keyBudgetSchema, keyName, keySettings } from './schema.js';
import type { GatewayKeyConfig } from './schema.js';

/** Where run-time keys live in the gateway store, and the channel their changes are announced on. */
export const STORE_KEY = 'auth:keys';
export const CHANNEL = 'auth:keys';

/** 409: the name (or the key) is taken, it belongs to the config file, or run-time keys are off. */
export const KEY_CONFLICT = errorCode('SWITCHYARD_ERR_KEY_CONFLICT', {
  status: 409,
  type: 'invalid_request_error',
  class: 'caller',
  kind: 'key_conflict',
});
/** 503: the store holding run-time keys cannot be reached. */
export const KEY_STORE_UNAVAILABLE = errorCode('SWITCHYARD_ERR_KEY_STORE_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'gateway',
  kind: 'key_store_unavailable',
});

/** A run-time key as stored: its hash only, never the key. */
export type StoredKey = Omit<GatewayKeyConfig, 'key' | 'keyHash'> & {
  keyHash: string;
  createdAt: string;
  updatedAt: string;
};

/** Every run-time key, in one document changed by compare-and-set (changes are rare, each is whole). */
export interface KeysDocument {
  version: number;
  /** Set when the document is first written: a document written anew after the store lost it has another. */
  epoch?: string;
  keys: Record<string, StoredKey>;
}

const nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
const secret = Type.String({
  minLength: 16,
  maxLength: 512,
  pattern: '^\\S+$',
  description: 'The key itself; default: a new random one, shown once.',
});

/** `POST /admin/keys`. */
export const createBody = Type.Object(
  { name: Type.String({ ...keyName, maxLength: 128 }), key: Type.Optional(secret), ...keySettings },
  { additionalProperties: false },
);

/** `PATCH /admin/keys/:name`: fields to change; `null` removes an optional one; `rotate` (or `key`) replaces the key. */
export const patchBody = Type.Object(
  {
    rotate: Type.Optional(Type.Boolean()),
    key: Type.Optional(secret),
    // No defaults here: a field left out is left as it is.
    enabled: Type.Optional(Type.Boolean()),
    admin: Type.Optional(Type.Boolean()),
    models: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    providers: nullable(Type.Array(Type.String({ minLength: 1 }))),
    accountObjects: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    expiresAt: nullable(Type.String()),
    team: nullable(Type.String()),
    owner: nullable(Type.String()),
    strategy: nullable(Type.String()),
    limits: nullable(Type.Record(Type.String(), Type.Unknown())),
    budget: nullable(keyBudgetSchema),
    metadata: nullable(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export type CreateBody = Static<typeof createBody>;
export type PatchBody = Static<typeof patchBody>;

/** A new key: `sk-sy-` and 32 random bytes, base64url. */
export function newKey(): string {
  return `sk-sy-${randomBytes(32).toString('base64url')}`;
}

/**
 * The body checked against `schema` (defaults filled in), or a 400 listing each problem. TypeBox's
 * Value module is imported by the first call: only a gateway whose keys are managed at run time needs it.
 */
export async function checked<T extends TSchema>(schema: T, body: unknown): Promise<Static<T>> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'the body must be a JSON object');
  const { Value } = await import('@sinclair/typebox/value');
  const value = Value.Default(schema, structuredClone(body));
  const problems = [...Value.Errors(schema, value)].map(
    (e) => `${e.path.slice(1).replace(/\//g, '.') || '(body)'}: ${e.message}`,
  );
  if (problems.length) throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', problems.join('; '));
  return value as Static<T>;
}

/**
 * Run-time keys in the gateway store: created, changed and deleted by compare-and-set on one
 * document, each change announced on a channel so every replica reloads at once, and read again
 * every `refreshMs` in case an announcement was lost. Config keys win: their names and keys
 * cannot be taken.
 */
export class RuntimeKeys {
  #unsubscribe: (() => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #following: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly config: { readonly names: ReadonlySet<string>; readonly hashes: ReadonlySet<string> },
    /** Called with the document whenever it may have changed (after a write here, a notice, a refresh). */
    private readonly changed: (doc: KeysDocument) => void,
  ) {}

  async load(): Promise<KeysDocument> {
    const doc = await this.store.get<KeysDocument>(STORE_KEY);
    return doc && typeof doc === 'object' && doc.keys ? doc : { version: 0, keys: {} };
  }

  /** Creates a key: the key is returned once, only its hash is kept. */
  async create(body: CreateBody, now: Date): Promise<{ key: string; stored: StoredKey }> {
    const key = body.key ?? newKey();
    const { key: _given, ...settings } = body;
    const at = now.toISOString();
    const stored: StoredKey = { ...settings, keyHash: hashKey(key), createdAt: at, updatedAt: at };
    this.#checkDate(stored.expiresAt);
    await this.#change((doc) => {
      if (this.config.names.has(body.name))
        throw conflict(`key "${body.name}" is defined in the config file`, 'key_in_config');
      if (doc.keys[body.name]) throw conflict(`key "${body.name}" exists`, 'key_exists');
      this.#checkUnique(stored.keyHash, doc, body.name);
      doc.keys[body.name] = stored;
    });
    return { key, stored };
  }

  /** Changes a key; with `rotate` (or `key`) its key is replaced and the new one returned once. */
  async update(name: string, patch: PatchBody, now: Date): Promise<{ key?: string; stored: StoredKey }> {
    const { rotate, key: given, ...fields } = patch;
    const key = given ?? (rotate ? newKey() : undefined);
    if (typeof fields.expiresAt === 'string') this.#checkDate(fields.expiresAt);
    let stored: StoredKey | undefined;
    await this.#change((doc) => {
      if (this.config.names.has(name))
        throw conflict(`key "${name}" is defined in the config file: change it there`, 'key_in_config');
      const current = doc.keys[name];
      if (!current)
        throw new SwitchyardError('SWITCHYARD_ERR_NOT_FOUND', `no run-time key "${name}"`, {
          publicCode: 'key_not_found',
        });
      const cleared = new Set(Object.entries(fields).flatMap(([field, value]) => (value === null ? [field] : [])));
      const given = Object.entries(fields).filter(([, value]) => value !== null && value !== undefined);
      const next: Record<string, unknown> = {
        ...Object.fromEntries(Object.entries(current).filter(([field]) => !cleared.has(field))),
        ...Object.fromEntries(given),
        updatedAt: now.toISOString(),
      };
      if (key !== undefined) {
        next.keyHash = hashKey(key);
        this.#checkUnique(next.keyHash as string, doc, name);
      }
      stored = next as StoredKey;
      doc.keys[name] = stored;
    });
    return key === undefined ? { stored: stored! } : { key, stored: stored! };
  }

  async remove(name: string): Promise<void> {
    await this.#change((doc) => {
      if (this.config.names.has(name))
        throw conflict(`key "${name}" is defined in the config file: remove it there`, 'key_in_config');
      if (!doc.keys[name])
        throw new SwitchyardError('SWITCHYARD_ERR_NOT_FOUND', `no run-time key "${name}"`, {
          publicCode: 'key_not_found',
        });
      doc.keys = Object.fromEntries(Object.entries(doc.keys).filter(([other]) => other !== name));
    });
  }

  /**
   * Follows changes made on any replica: the announcement channel, and a read every `refreshMs`;
   * once subscribed, the keys are read again, so a change made since the last read is not left to
   * the periodic read. Called at `ready`, or on first use where no `ready` comes (a gateway run
   * through `callback()` alone); later calls, and calls after stop(), do nothing.
   */
  start(refreshMs: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return (this.#following ??= this.#follow(refreshMs));
  }

  /** Whether start() or stop() was called: nothing is left to start. */
  get started(): boolean {
    return this.#following !== undefined || this.#stopped;
  }

  async #follow(refreshMs: number): Promise<void> {
    const reload = (): void =>
      void this.load().then(this.changed, (err: unknown) =>
        this.logger.warn({ err, plugin: 'auth' }, 'could not read run-time keys; keeping the last ones read'),
      );
    // The periodic read first: a subscription the store is slow to grant does not hold it up.
    this.#timer = setInterval(reload, refreshMs).unref();
    const unsubscribe = await this.store.subscribe(CHANNEL, reload).catch((err: unknown) => {
      this.logger.warn(
        { err, plugin: 'auth' },
        `could not subscribe to run-time key changes; reading them every ${refreshMs} ms`,
      );
      return undefined;
    });
    // Stopped while subscribing (a store slow to answer): nothing to follow any more.
    if (this.#stopped) return void (await unsubscribe?.().catch(() => undefined));
    this.#unsubscribe = unsubscribe;
    reload();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#unsubscribe?.().catch(() => undefined);
  }

  /** Applies `mutate` to the stored document by compare-and-set (retried when another write came first), then announces it. */
  async #change(mutate: (doc: KeysDocument) => void): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.#stored(() => this.store.get<KeysDocument>(STORE_KEY));
      const doc: KeysDocument = current ? structuredClone(current) : { version: 0, keys: {} };
      mutate(doc);
      doc.version++;
      doc.epoch ??= randomUUID();
      if (await this.#stored(() => this.store.compareAndSet(STORE_KEY, current, doc))) {
        this.changed(doc);
        await this.store
          .publish(CHANNEL, { version: doc.version })
          .catch((err: unknown) =>
            this.logger.warn(
              { err, plugin: 'auth' },
              'could not announce a run-time key change; other replicas read it within keysRefreshMs',
            ),
          );
        return;
      }
    }
    throw new SwitchyardError(
      KEY_STORE_UNAVAILABLE,
      'run-time keys are being changed by too many writers at once; retry',
      { expose: true, publicCode: 'key_store_unavailable' },
    );
  }

  async #stored<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new SwitchyardError(
        KEY_STORE_UNAVAILABLE,
        'the store holding run-time keys is unreachable; retry shortly',
        { expose: true, cause: err, publicCode: 'key_store_unavailable', headers: { 'retry-after': '1' } },
      );
    }
  }

  #checkUnique(hash: string, doc: KeysDocument, name: string): void {
    const clash =
      this.config.hashes.has(hash) ||
      Object.entries(doc.keys).some(([other, k]) => other !== name && k.keyHash === hash);
    if (clash) throw conflict('that key is already in use by another key', 'key_exists');
  }

  #checkDate(value: string | undefined): void {
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `expiresAt "${value}" is not an ISO 8601 date`, {
        param: 'expiresAt',
      });
  }
}

function conflict(message: string, publicCode: string): SwitchyardError {
  return new SwitchyardError(KEY_CONFLICT, message, { publicCode });
}
