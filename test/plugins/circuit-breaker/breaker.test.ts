import { describe, expect, it } from 'vitest';
import { BreakerTable } from '@switchyard/plugin-circuit-breaker';
import type { Breaker, BreakerSettings, Transition } from '@switchyard/plugin-circuit-breaker';

const settings: BreakerSettings = {
  failureThreshold: 5,
  failureRatio: 0.5,
  minRequests: 20,
  windowMs: 10_000,
  openMs: 30_000,
  maxOpenMs: 300_000,
  openGrowth: 2,
  jitter: 0,
  halfOpenProbes: 1,
  successThreshold: 2,
  rateLimitCooldownMs: 5_000,
  maxCooldownMs: 60_000,
};

function table(overrides: Partial<BreakerSettings> = {}, random = () => 0.5) {
  let now = 1_000_000;
  const transitions: Transition[] = [];
  const t = new BreakerTable(
    { ...settings, ...overrides },
    { now: () => now, random, onTransition: (x) => transitions.push(x) },
  );
  return { t, transitions, advance: (ms: number) => (now += ms), now: () => now };
}

const fail = (t: BreakerTable, key: string, n: number) => {
  for (let i = 0; i < n; i++) t.record(key, 'failure');
};

describe('BreakerTable', () => {
  it('opens after failureThreshold consecutive failures, not before', () => {
    const { t, transitions } = table();
    fail(t, 'a', 4);
    expect(t.admit('a', 1000).ok).toBe(true);
    fail(t, 'a', 1);
    const verdict = t.admit('a', 1000);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(/circuit open \(5 consecutive failures/);
    expect(transitions).toEqual([
      expect.objectContaining({ key: 'a', from: 'closed', to: 'open', openMs: 30_000, openings: 1 }),
    ]);
  });

  it('a success resets the consecutive count; business errors, cancellations and 429s never count', () => {
    const { t } = table();
    fail(t, 'a', 4);
    t.record('a', 'success');
    fail(t, 'a', 4);
    for (let i = 0; i < 10; i++) {
      t.record('a', 'business_error');
      t.record('a', 'cancelled');
    }
    expect(t.state('a')).toBe('closed');
    t.record('a', 'rate_limited');
    expect(t.state('a')).toBe('closed');
  });

  it('opens on the failure ratio over the window once minRequests were seen', () => {
    const { t } = table({ failureThreshold: 100, minRequests: 10 });
    for (let i = 0; i < 4; i++) {
      t.record('a', 'failure');
      t.record('a', 'success');
    }
    t.record('a', 'failure');
    expect(t.state('a')).toBe('closed'); // 5 of 9: below minRequests
    t.record('a', 'success');
    t.record('a', 'failure'); // 6 of 11
    expect(t.state('a')).toBe('open');

    const fresh = table({ failureThreshold: 100, minRequests: 4, windowMs: 1000 });
    fresh.t.record('b', 'failure');
    fresh.t.record('b', 'failure');
    fresh.advance(1500); // the window slid past them
    fresh.t.record('b', 'success');
    fresh.t.record('b', 'success');
    fresh.t.record('b', 'failure');
    expect(fresh.t.snapshot('b')).toMatchObject({ windowRequests: 3, windowFailures: 1, state: 'closed' });
  });

  it('goes half-open after openMs, lets halfOpenProbes through, closes after successThreshold successes', () => {
    const { t, advance, transitions } = table();
    fail(t, 'a', 5);
    advance(29_999);
    expect(t.admit('a', 1000).ok).toBe(false);
    advance(1);
    expect(t.admit('a', 1000)).toEqual({ ok: true, probe: true });
    expect(t.admit('a', 1000)).toMatchObject({ ok: false, reason: 'circuit half-open (probe in flight)' });
    t.record('a', 'success');
    expect(t.state('a')).toBe('half_open');
    expect(t.admit('a', 1000)).toEqual({ ok: true, probe: true });
    t.record('a', 'success');
    expect(t.state('a')).toBe('closed');
    expect(transitions.map((x) => x.to)).toEqual(['open', 'half_open', 'closed']);
    expect(t.admit('a', 1000)).toEqual({ ok: true, probe: false });
  });

  it('a failed probe reopens for longer (growth), capped at maxOpenMs; closing resets the growth', () => {
    const { t, advance, transitions } = table({ maxOpenMs: 100_000 });
    fail(t, 'a', 5);
    for (const expected of [60_000, 100_000]) {
      advance(transitions.at(-1)!.openMs!);
      expect(t.admit('a', 1000).ok).toBe(true);
      t.record('a', 'failure');
      expect(transitions.at(-1)).toMatchObject({ to: 'open', openMs: expected, reason: 'probe failed' });
    }
    advance(100_000);
    t.admit('a', 1000);
    t.record('a', 'success');
    t.admit('a', 1000);
    t.record('a', 'success');
    fail(t, 'a', 5);
    expect(transitions.at(-1)).toMatchObject({ to: 'open', openMs: 30_000, openings: 1 });
  });

  it('jitters the open period within ± jitter', () => {
    const low = table({ jitter: 0.2 }, () => 0);
    fail(low.t, 'a', 5);
    expect(low.transitions[0]!.openMs).toBe(24_000);
    const high = table({ jitter: 0.2 }, () => 0.999999);
    fail(high.t, 'a', 5);
    expect(high.transitions[0]!.openMs).toBe(36_000);
  });

  it('an expired probe lease frees the slot; release() gives one back', () => {
    const { t, advance } = table();
    fail(t, 'a', 5);
    advance(30_000);
    expect(t.admit('a', 500).ok).toBe(true);
    expect(t.admit('a', 500).ok).toBe(false);
    advance(501);
    expect(t.admit('a', 500).ok).toBe(true);
    t.release('a');
    expect(t.admit('a', 500).ok).toBe(true);
  });

  it('a replica that died holding a half-open probe holds nothing elsewhere: another probes at once, and closes', () => {
    // Probe leases live in each replica's memory; only states are shared, and an adopted state
    // starts without leases. So a probe a dead replica never reported blocks no other replica.
    const a = table();
    const b = table();
    fail(a.t, 'x', 5);
    expect(b.t.adopt('x', a.t.shared('x')!)).toBe(true);
    a.advance(30_000);
    b.advance(30_000);
    expect(a.t.admit('x', 60_000)).toEqual({ ok: true, probe: true }); // A's probe: it then dies
    expect(b.t.adopt('x', a.t.shared('x')!)).toBe(true); // A's half-open, published
    expect(b.t.snapshot('x')).toMatchObject({ state: 'half_open', probesInFlight: 0 });
    expect(b.t.admit('x', 60_000)).toEqual({ ok: true, probe: true });
    expect(b.t.admit('x', 60_000)).toMatchObject({ ok: false, reason: 'circuit half-open (probe in flight)' });
    b.t.record('x', 'success');
    expect(b.t.admit('x', 60_000)).toEqual({ ok: true, probe: true });
    b.t.record('x', 'success');
    expect(b.t.state('x')).toBe('closed');
  });

  it('parks a rate-limited instance for its Retry-After (capped), or rateLimitCooldownMs without one', () => {
    const { t, advance, now } = table();
    t.record('a', 'rate_limited', 7000);
    const verdict = t.admit('a', 1000);
    expect(verdict).toMatchObject({ ok: false });
    expect(!verdict.ok && verdict.reason).toContain('Retry-After 7.0 s');
    advance(6999);
    expect(t.admit('a', 1000).ok).toBe(false);
    advance(1);
    expect(t.admit('a', 1000).ok).toBe(true);
    expect(t.state('a')).toBe('closed');

    t.record('b', 'rate_limited');
    advance(4999);
    expect(t.admit('b', 1000).ok).toBe(false);
    advance(1);
    expect(t.admit('b', 1000).ok).toBe(true);

    t.record('c', 'rate_limited', 3_600_000);
    expect(t.snapshot('c').parkedUntil).toBe(now() + 60_000);
    advance(60_000);
    expect(t.admit('c', 1000).ok).toBe(true);
  });

  it('health probes: a failure opens, a pass moves open to half-open at once', () => {
    const { t, transitions } = table();
    t.forceOpen('a', 'health check failed: refused');
    expect(t.state('a')).toBe('open');
    t.forceOpen('a', 'again');
    expect(transitions).toHaveLength(1);
    t.probePassed('a');
    expect(t.state('a')).toBe('half_open');
    t.probePassed('b');
    expect(t.state('b')).toBe('closed');
  });

  it('adopts a newer state from another replica, ignoring older ones', () => {
    const { t, now } = table();
    expect(t.adopt('a', { state: 'open', openUntil: now() + 10_000, openings: 1, reason: 'remote', at: now() })).toBe(
      true,
    );
    expect(t.admit('a', 1000)).toMatchObject({ ok: false });
    fail(t, 'b', 5);
    expect(t.adopt('b', { state: 'closed', openUntil: 0, openings: 0, reason: '', at: now() - 1 })).toBe(false);
    expect(t.state('b')).toBe('open');
    expect(t.shared('b')).toMatchObject({ state: 'open', openings: 1 });
  });

  it('works on the records it is given, and forgets the keys refused', () => {
    const records = new Map<string, Breaker>();
    const t = new BreakerTable({ ...settings, failureThreshold: 2 }, {}, records);
    fail(t, 'a', 1);
    fail(t, 'b', 2);
    const next = new BreakerTable(settings, {}, records);
    expect(next.snapshot('a').consecutiveFailures).toBe(1);
    expect(next.state('b')).toBe('open');
    next.forget((key) => key !== 'b');
    expect(next.keys()).toEqual(['a']);
    expect(t.keys()).toEqual(['a']);
  });

  it('an ejected key is refused whatever its state until restored; its counts and state go on', () => {
    const { t, advance } = table({ failureThreshold: 2 });
    t.eject('a', 'maintenance');
    expect(t.admit('a', 1000)).toEqual({ ok: false, reason: 'ejected (maintenance)' });
    expect(t.peek('a')).toEqual({ ok: false, reason: 'ejected (maintenance)' });
    expect(t.ejection('a')).toBe('maintenance');
    expect(t.snapshot('a')).toMatchObject({ state: 'closed', ejected: { reason: 'maintenance' } });
    fail(t, 'a', 2);
    expect(t.state('a')).toBe('open');
    advance(60_000);
    // Open period over: still refused while ejected, and no probe lease is handed out.
    expect(t.admit('a', 1000)).toMatchObject({ ok: false, reason: 'ejected (maintenance)' });
    expect(t.restore('a')).toBe(true);
    expect(t.restore('a')).toBe(false);
    expect(t.ejection('a')).toBeUndefined();
    expect(t.snapshot('a').ejected).toBeUndefined();
    expect(t.admit('a', 1000)).toEqual({ ok: true, probe: true });
    expect(t.restore('never-seen')).toBe(false);
    expect(t.admit('b', 1000)).toEqual({ ok: true, probe: false });
  });

  it('shares ejections: shared() carries them, adopt() takes a newer ejection or restore even when the state is the same', () => {
    const { t, advance, now } = table();
    t.eject('a', 'drain');
    expect(t.shared('a')).toMatchObject({ state: 'closed', ejected: 'drain', at: now() });
    const other = table();
    expect(other.t.adopt('a', t.shared('a')!)).toBe(true);
    expect(other.t.admit('a', 1000)).toEqual({ ok: false, reason: 'ejected (drain)' });
    expect(other.t.adopt('a', t.shared('a')!)).toBe(false);
    advance(10);
    t.restore('a');
    expect(t.shared('a')!.ejected).toBeUndefined();
    expect(other.t.adopt('a', t.shared('a')!)).toBe(true);
    expect(other.t.admit('a', 1000).ok).toBe(true);
    // An older message changes nothing.
    expect(
      other.t.adopt('a', { state: 'closed', openUntil: 0, openings: 0, reason: '', at: now() - 5, ejected: 'stale' }),
    ).toBe(false);
    expect(other.t.ejection('a')).toBeUndefined();
  });

  it('keeps ejections in the records handed to the next table (a reload)', () => {
    const records = new Map<string, Breaker>();
    new BreakerTable(settings, {}, records).eject('a', 'maintenance');
    expect(new BreakerTable(settings, {}, records).admit('a', 1000)).toEqual({
      ok: false,
      reason: 'ejected (maintenance)',
    });
  });
});

describe('BreakerTable: bounded whatever model names callers send (perModel keys)', () => {
  it('creates no breaker for business errors and cancellations', () => {
    const { t } = table();
    for (let i = 0; i < 1000; i++) {
      t.record(`u/caller-model-${i}`, 'business_error');
      t.record(`u/caller-cancel-${i}`, 'cancelled');
    }
    expect(t.keys()).toEqual([]);
  });

  it('keeps at most maxBreakers from attempt results; later keys are judged but not kept', () => {
    const t = new BreakerTable(settings, { now: () => 1_000_000, maxBreakers: 100 });
    for (let i = 0; i < 10_000; i++) t.record(`u/caller-model-${i}`, i % 2 ? 'success' : 'failure');
    expect(t.keys().length).toBe(100);
    t.record('u/kept-0', 'failure');
    expect(t.keys()).not.toContain('u/kept-0');
    // An operator's ejection is always kept.
    t.eject('u/ejected', 'maintenance');
    expect(t.admit('u/ejected', 1000).ok).toBe(false);
  });

  it('still lets a business error end a half-open probe on a breaker it holds', () => {
    const { t, advance } = table();
    fail(t, 'a', 5);
    advance(settings.openMs + 1);
    expect(t.admit('a', 1000)).toEqual({ ok: true, probe: true });
    expect(t.admit('a', 1000).ok).toBe(false); // the one probe is out
    t.record('a', 'business_error');
    expect(t.admit('a', 1000)).toEqual({ ok: true, probe: true });
  });
});
