import { describe, expect, it } from 'vitest';
import { Timeouts } from '../../core/src/upstream/timeouts.js';

const EXPIRED = Symbol('expired');

/** A target that records when and why it was aborted, and resolves `aborted` then. */
function target(): { abort(reason: unknown): void; aborted: Promise<number>; reason?: unknown } {
  let resolve!: (at: number) => void;
  const t = {
    aborted: new Promise<number>((r) => (resolve = r)),
    reason: undefined as unknown,
    abort(reason: unknown) {
      t.reason = reason;
      resolve(performance.now());
    },
  };
  return t;
}

describe('attempt timeouts (one Node timer per duration)', () => {
  it('aborts each target with the reason once its time passed, never before, in the order started', async () => {
    const timeouts = new Timeouts(EXPIRED);
    const a = target();
    const b = target();
    const startedA = performance.now();
    timeouts.start(15, a, startedA);
    const startedB = performance.now();
    timeouts.start(15, b, startedB);
    const [atA, atB] = await Promise.all([a.aborted, b.aborted]);
    expect(a.reason).toBe(EXPIRED);
    expect(b.reason).toBe(EXPIRED);
    // Due within 1 ms counts as due (Node's loop clock may lag that much).
    expect(atA - startedA).toBeGreaterThanOrEqual(14);
    expect(atB - startedB).toBeGreaterThanOrEqual(14);
    expect(atA).toBeLessThanOrEqual(atB);
  });

  it('a cleared timeout never fires, whether it was first, in the middle or last; the others still do', async () => {
    const timeouts = new Timeouts(EXPIRED);
    const targets = [target(), target(), target(), target()];
    const pending = targets.map((t) => timeouts.start(10, t));
    timeouts.clear(pending[0]!);
    timeouts.clear(pending[2]!);
    timeouts.clear(pending[2]!);
    // A timeout of another duration set later, expiring after every one of these: once it fired, so had they.
    const last = target();
    timeouts.start(40, last);
    await Promise.all([targets[1]!.aborted, targets[3]!.aborted, last.aborted]);
    expect(targets.map((t) => t.reason)).toEqual([undefined, EXPIRED, undefined, EXPIRED]);
  });

  it('keeps serving a duration after its queue emptied', async () => {
    const timeouts = new Timeouts(EXPIRED);
    const first = target();
    await (timeouts.start(5, first), first.aborted);
    const cleared = target();
    timeouts.clear(timeouts.start(5, cleared));
    const second = target();
    timeouts.start(5, second);
    await second.aborted;
    expect(cleared.reason).toBeUndefined();
  });
});
