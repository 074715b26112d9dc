/** What a timeout ends: an attempt's abort switch. */
export interface Expirable {
  abort(reason: unknown): void;
}

/** One pending timeout: a node of the queue of its duration. */
export interface PendingTimeout {
  /** performance.now() by which it expires. */
  readonly at: number;
  target: Expirable | undefined;
  prev: PendingTimeout | undefined;
  next: PendingTimeout | undefined;
  readonly queue: Queue;
}

/** The pending timeouts of one duration: in deadline order, since each expires `ms` after it started. */
interface Queue {
  readonly ms: number;
  head: PendingTimeout | undefined;
  tail: PendingTimeout | undefined;
  /** A Node timer is set for this queue (maybe early for its head, never late). */
  armed: boolean;
}

/**
 * Attempt timeouts without a Node timer each: the pending timeouts of one duration wait in a
 * linked queue (started in order, so they expire in order), and one unref'd Node timer per
 * duration fires for the oldest, aborts what expired and is set again for what is left.
 * Starting and clearing a timeout links and unlinks a node: an attempt that ends in time never
 * touches Node's timer lists. Unref'd: an attempt keeps the process alive through its upstream
 * socket, not its timeout.
 */
export class Timeouts {
  readonly #queues = new Map<number, Queue>();
  readonly #reason: unknown;

  /** `reason`: what expired timeouts abort their target with. */
  constructor(reason: unknown) {
    this.#reason = reason;
  }

  /** Aborts `target` once `ms` passed since `now`, unless cleared before. */
  start(ms: number, target: Expirable, now = performance.now()): PendingTimeout {
    let queue = this.#queues.get(ms);
    if (!queue) this.#queues.set(ms, (queue = { ms, head: undefined, tail: undefined, armed: false }));
    const pending: PendingTimeout = { at: now + ms, target, prev: queue.tail, next: undefined, queue };
    if (queue.tail) queue.tail.next = pending;
    else queue.head = pending;
    queue.tail = pending;
    if (!queue.armed) this.#arm(queue, ms);
    return pending;
  }

  /** The timeout will not fire; clearing it again (or once it fired) does nothing. */
  clear(pending: PendingTimeout): void {
    cancel(pending);
  }

  #arm(queue: Queue, delay: number): void {
    queue.armed = true;
    setTimeout(this.#fire, Math.max(1, Math.ceil(delay)), queue).unref();
  }

  readonly #fire = (queue: Queue): void => {
    queue.armed = false;
    const now = performance.now();
    // Node fires on its loop clock, which may lag a fraction of a millisecond: within 1 ms is due.
    for (let head = queue.head; head !== undefined && head.at - now < 1; head = queue.head) {
      const target = head.target!;
      head.target = undefined;
      unlink(head);
      target.abort(this.#reason);
    }
    if (queue.head) this.#arm(queue, queue.head.at - now);
    else this.#queues.delete(queue.ms);
  };
}

/** `pending` will not fire (Timeouts.clear() without its Timeouts at hand); again, or once it fired, nothing. */
export function cancel(pending: PendingTimeout): void {
  if (pending.target === undefined) return;
  pending.target = undefined;
  unlink(pending);
}

function unlink(pending: PendingTimeout): void {
  const { prev, next, queue } = pending;
  if (prev) prev.next = next;
  else queue.head = next;
  if (next) next.prev = prev;
  else queue.tail = prev;
  pending.prev = pending.next = undefined;
}
