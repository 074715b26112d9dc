/** One budget a reservation is charged against: its store key (scope and period), limit and the amount held. */
export interface Charge {
  readonly key: string;
  readonly limit: number;
  readonly amount: number;
  /** How long the budget's counters must be kept (its period's end, plus a margin); undefined: forever. */
  readonly keepMs: number | undefined;
}

/** A request's worst case, held against each of its budgets at once or not at all. */
export interface Reservation {
  /** The request id: the reservation's name until it is settled. */
  readonly id: string;
  readonly at: number;
  /** Released by itself after this instant (epoch ms) if never settled. */
  readonly expiresAt: number;
  readonly charges: readonly Charge[];
}

/** A budget's counters: settled spend and what reservations hold. */
export interface Reading {
  readonly spent: number;
  readonly reserved: number;
}

export type ReserveResult =
  | { readonly ok: true; readonly readings: readonly Reading[] }
  | { readonly ok: false; readonly index: number; readonly reading: Reading };

/** One line of the spend records: a key × team × model × day. */
export interface SpendIncrement {
  readonly day: string;
  readonly key: string;
  readonly team: string;
  readonly model: string;
  readonly usd: number;
  readonly requests: number;
}

/** A spend record as read back. */
export type SpendRow = SpendIncrement;

/** A finished request: its reservation (if any) released from `keys` and its cost added to them and to the records. */
export interface Settlement {
  readonly id: string;
  readonly keys: readonly string[];
  readonly usd: number;
  readonly records: readonly SpendIncrement[];
  /** How long each key's counters must be kept, as at reservation. */
  readonly keepMs: ReadonlyArray<number | undefined>;
  /** Spend records' lifetime. */
  readonly recordsKeepMs: number;
  /**
   * Its reservation (`id`) was taken in the store: a settlement sent again after a send that may
   * have run counts only if it still finds that hold, which the first send releases.
   */
  readonly held?: boolean;
}

/**
 * Where budgets are counted. Every operation is atomic: a reservation is checked against all
 * of its budgets and taken from all of them, or from none, whatever else runs at once.
 */
export interface Ledger {
  readonly kind: 'memory' | 'redis';
  reserve(reservation: Reservation): Promise<ReserveResult>;
  /** Moves the expiry of these holds (of requests still running) to `expiresAt`; a hold already released stays released. */
  extend(
    holds: ReadonlyArray<{ readonly id: string; readonly keys: readonly string[] }>,
    expiresAt: number,
  ): Promise<void>;
  /** Applies a settlement; a Redis ledger may hold it briefly to send it with the next reservation. */
  settle(settlement: Settlement): void;
  /** Sends settlements still held. */
  flush(): Promise<void>;
  read(keys: readonly string[], at: number): Promise<Reading[]>;
  spend(days: readonly string[]): Promise<SpendRow[]>;
  close(): Promise<void>;
}

/** Amounts within this of a limit fit it: sums of float USD are not exact. */
export const EPSILON = 1e-12;

/** A spend record's field: key, team and model (JSON keeps any character apart). */
export function recordField(r: Pick<SpendIncrement, 'key' | 'team' | 'model'>): string {
  return JSON.stringify([r.key, r.team, r.model]);
}

export function parseRecordField(field: string): { key: string; team: string; model: string } | undefined {
  try {
    const [key, team, model] = JSON.parse(field) as unknown[];
    return typeof key === 'string' && typeof team === 'string' && typeof model === 'string'
      ? { key, team, model }
      : undefined;
  } catch {
    return undefined;
  }
}
