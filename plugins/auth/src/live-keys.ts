import type { Logger } from '@switchyard/core';
import { KeyTable } from './key-table.js';
import { keyListing } from './listing.js';
import type { KeyListing, ListedKey } from './listing.js';
import type { KeysDocument } from './runtime-keys.js';
import type { GatewayKeyConfig } from './schema.js';

/**
 * The keys that answer now: the config file's, and the run-time keys of the store's document
 * whose names and keys the config does not already use (config keys win). Rebuilt whole and
 * swapped at each change; a lookup reads the table of the moment.
 */
export class LiveKeys {
  readonly configNames: ReadonlySet<string>;
  readonly configHashes: ReadonlySet<string>;
  #table: KeyTable;
  #listing: (now: number) => KeyListing[];
  #names: Set<string>;
  #version = -1;
  #epoch: string | undefined;

  /** Throws KeyConfigError when the config's keys are wrong. */
  constructor(
    private readonly config: readonly GatewayKeyConfig[],
    private readonly logger: Logger,
    private readonly changed: () => void = () => undefined,
  ) {
    this.#table = new KeyTable(config);
    this.#listing = keyListing(config);
    this.#names = new Set(config.map((c) => c.name));
    this.configNames = new Set(this.#names);
    this.configHashes = new Set(this.#table.keys.map((k) => `sha256:${k.hash.toString('hex')}`));
  }

  get table(): KeyTable {
    return this.#table;
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  listing(now: number): KeyListing[] {
    return this.#listing(now);
  }

  /**
   * Adopts a document of run-time keys newer than the last adopted (reads that finish out of order never
   * go back), and any document when the store lost the last one: none at all (version 0), or one written
   * anew since (another epoch). Run-time keys the store no longer holds are gone here too.
   */
  adopt(doc: KeysDocument): void {
    const lost = (doc.version === 0 && this.#version > 0) || doc.epoch !== this.#epoch;
    if (doc.version <= this.#version && !lost) return;
    const runtime: ListedKey[] = [];
    for (const [name, stored] of Object.entries(doc.keys)) {
      if (this.configNames.has(name) || this.configHashes.has(stored.keyHash)) continue; // the config file wins
      runtime.push({ ...stored, name, source: 'runtime' });
    }
    const all = [...this.config, ...runtime];
    try {
      this.#table = new KeyTable(all);
    } catch (err) {
      this.logger.error({ err, plugin: 'auth' }, 'run-time keys in the store are not valid; keeping the keys in use');
      return;
    }
    this.#version = doc.version;
    this.#epoch = doc.epoch;
    this.#listing = keyListing(all);
    this.#names = new Set(all.map((k) => k.name));
    this.changed();
  }
}
