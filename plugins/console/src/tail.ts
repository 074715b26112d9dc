/** One finished request as the tail shows it: metadata only, never prompt or answer text. */
export interface RequestRecord {
  /** Increases by one per request: the page asks for those after the last it has. */
  readonly seq: number;
  /** Epoch ms when the request finished. */
  readonly at: number;
  readonly id: string;
  /** The gateway key's name (never the key). */
  readonly caller?: string;
  readonly protocol: string;
  readonly model: string;
  readonly stream: boolean;
  /** `instance/model` of the last attempt. */
  readonly target?: string;
  readonly attempts: number;
  readonly status: number;
  /** The error's code (e.g. `SWITCHYARD_ERR_UPSTREAM_FAILED`), not its message: messages may quote a request. */
  readonly errorCode?: string;
  readonly latencyMs: number;
  readonly ttftMs?: number;
  readonly tokens?: { readonly input: number; readonly output: number };
  readonly costUsd?: number;
  /** A caching plugin's outcome (hit, miss...). */
  readonly cache?: string;
  readonly aborted?: boolean;
}

export interface TailPage {
  /** Newest first. */
  readonly requests: readonly RequestRecord[];
  /** The newest seq recorded so far (0 before any). */
  readonly last: number;
}

/** The latest `max` finished requests, in a ring. */
export class RequestTail {
  readonly #ring: Array<RequestRecord | undefined>;
  #seq = 0;

  constructor(readonly max: number) {
    this.#ring = new Array<RequestRecord | undefined>(max);
  }

  /** Keeps `record` (its seq set here). */
  add(record: Omit<RequestRecord, 'seq'> & { seq?: number }): void {
    record.seq = ++this.#seq;
    this.#ring[record.seq % this.max] = record as RequestRecord;
  }

  /** Requests with a seq above `after`, newest first, at most `limit`. */
  list(after = 0, limit = this.max): TailPage {
    const requests: RequestRecord[] = [];
    for (let seq = this.#seq; seq > after && seq > this.#seq - this.max && requests.length < limit; seq--) {
      requests.push(this.#ring[seq % this.max]!);
    }
    return { requests, last: this.#seq };
  }
}
