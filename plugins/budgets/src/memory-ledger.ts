import { EPSILON, parseRecordField, recordField } from './ledger.js';
import type { Ledger, Reading, Reservation, ReserveResult, Settlement, SpendRow } from './ledger.js';

interface Account {
  spent: number;
  /** Held amounts by request id, with their expiry. */
  readonly held: Map<string, { amount: number; expiresAt: number }>;
  /** Epoch ms after which the account is dropped. */
  keepUntil: number;
}

/** One process's budgets: every operation runs whole between two awaits, so it is atomic. */
export class MemoryLedger implements Ledger {
  readonly kind = 'memory';
  readonly #accounts = new Map<string, Account>();
  /** day → record field → usd and requests. */
  readonly #records = new Map<string, Map<string, { usd: number; requests: number; keepUntil: number }>>();

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(r: Reservation): Promise<ReserveResult> {
    const readings: Reading[] = [];
    for (let i = 0; i < r.charges.length; i++) {
      const charge = r.charges[i]!;
      const reading = this.#reading(this.#account(charge.key), r.at);
      if (reading.spent + reading.reserved + charge.amount > charge.limit + EPSILON)
        return { ok: false, index: i, reading };
      readings.push(reading);
    }
    for (const charge of r.charges) {
      const account = this.#account(charge.key);
      account.held.set(r.id, { amount: charge.amount, expiresAt: r.expiresAt });
      account.keepUntil = keepUntil(r.at, charge.keepMs);
    }
    return { ok: true, readings };
  }

  async extend(holds: ReadonlyArray<{ id: string; keys: readonly string[] }>, expiresAt: number): Promise<void> {
    for (const { id, keys } of holds)
      for (const key of keys) {
        const hold = this.#accounts.get(key)?.held.get(id);
        if (hold) hold.expiresAt = expiresAt;
      }
  }

  settle(s: Settlement): void {
    const now = this.now();
    s.keys.forEach((key, i) => {
      const account = this.#account(key);
      account.held.delete(s.id);
      account.spent += s.usd;
      account.keepUntil = Math.max(account.keepUntil, keepUntil(now, s.keepMs[i]));
    });
    for (const r of s.records) {
      let day = this.#records.get(r.day);
      if (!day) {
        this.#prune(now);
        this.#records.set(r.day, (day = new Map()));
      }
      const field = recordField(r);
      const row = day.get(field) ?? { usd: 0, requests: 0, keepUntil: 0 };
      row.usd += r.usd;
      row.requests += r.requests;
      row.keepUntil = now + s.recordsKeepMs;
      day.set(field, row);
    }
  }

  async flush(): Promise<void> {}

  async read(keys: readonly string[], at: number): Promise<Reading[]> {
    return keys.map((key) => {
      const account = this.#accounts.get(key);
      return account ? this.#reading(account, at) : { spent: 0, reserved: 0 };
    });
  }

  async spend(days: readonly string[]): Promise<SpendRow[]> {
    const now = this.now();
    const rows: SpendRow[] = [];
    for (const day of days) {
      for (const [field, row] of this.#records.get(day) ?? []) {
        const who = parseRecordField(field);
        if (who && row.keepUntil > now) rows.push({ day, ...who, usd: row.usd, requests: row.requests });
      }
    }
    return rows;
  }

  async close(): Promise<void> {}

  /** Drops what outlived its keeping time (run when a new day of records begins). */
  #prune(now: number): void {
    for (const [key, account] of this.#accounts)
      if (account.keepUntil <= now && account.held.size === 0) this.#accounts.delete(key);
    for (const [day, rows] of this.#records) {
      for (const [field, row] of rows) if (row.keepUntil <= now) rows.delete(field);
      if (rows.size === 0) this.#records.delete(day);
    }
  }

  #account(key: string): Account {
    let account = this.#accounts.get(key);
    if (account && account.keepUntil <= this.now() && account.held.size === 0) {
      this.#accounts.delete(key);
      account = undefined;
    }
    if (!account) {
      account = { spent: 0, held: new Map(), keepUntil: Number.POSITIVE_INFINITY };
      this.#accounts.set(key, account);
    }
    return account;
  }

  /** The account's counters at `at`, expired reservations released first. */
  #reading(account: Account, at: number): Reading {
    let reserved = 0;
    for (const [id, hold] of account.held) {
      if (hold.expiresAt <= at) account.held.delete(id);
      else reserved += hold.amount;
    }
    return { spent: account.spent, reserved };
  }
}

function keepUntil(from: number, keepMs: number | undefined): number {
  return keepMs === undefined ? Number.POSITIVE_INFINITY : from + keepMs;
}
