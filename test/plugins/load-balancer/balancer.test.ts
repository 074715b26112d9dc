import { describe, expect, it } from 'vitest';
import { Balancer, SessionTable, affinityKey } from '@switchyard/plugin-load-balancer';
import { MemoryStore } from '@switchyard/core';
import { RedisStore } from '@switchyard/store-redis/store';
import { Redis } from 'ioredis';

const target = (name: string, priority = 1, weight = 1) => ({ id: `${name}/m`, instance: { name, priority, weight } });

/** A seeded generator, so the random algorithms are reproducible. */
function seeded(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('Balancer', () => {
  it('gives the positions of its order in the input, for a plan to take the order by position', () => {
    for (const algorithm of ['weighted', 'round-robin', 'least-busy', 'p2c'] as const) {
      const b = new Balancer(algorithm, 10_000, { random: seeded() });
      const input = [target('backup', 2), target('x', 1, 3), target('y', 1), target('z', 1, 2), target('last', 3)];
      for (let i = 0; i < 10; i++) {
        const { targets, indices, scores } = b.order(input);
        expect(indices.map((k) => input[k])).toEqual(targets);
        expect([...indices].sort()).toEqual([0, 1, 2, 3, 4]);
        expect([...scores.keys()].sort()).toEqual(input.map((t) => t.id).sort());
      }
    }
  });

  it('orders priority tiers lowest first, whatever the algorithm', () => {
    for (const algorithm of ['weighted', 'round-robin', 'least-busy', 'p2c'] as const) {
      const b = new Balancer(algorithm, 10_000, { random: seeded() });
      for (let i = 0; i < 20; i++) {
        const ids = b
          .order([target('backup', 2), target('x', 1), target('y', 1), target('last', 3)])
          .targets.map((t) => t.instance.name);
        expect(ids.slice(2)).toEqual(['backup', 'last']);
        expect(new Set(ids.slice(0, 2))).toEqual(new Set(['x', 'y']));
      }
    }
  });

  it('weighted: picks in proportion to weight, never a zero weight first', () => {
    const b = new Balancer('weighted', 10_000, { random: seeded(7) });
    const firsts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const first = b.order([target('a', 1, 3), target('b', 1, 1), target('z', 1, 0)]).targets[0]!.instance.name;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    expect(firsts.get('z')).toBeUndefined();
    const share = firsts.get('a')! / 4000;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
  });

  it('round-robin: rotates the tier', () => {
    const b = new Balancer('round-robin', 10_000);
    const tier = [target('a'), target('b'), target('c')];
    const firsts = Array.from({ length: 6 }, () => b.order(tier).targets[0]!.instance.name);
    expect(firsts).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('round-robin: keeps a bounded number of turns, whatever model names callers send (prefix-claimed tiers)', () => {
    const b = new Balancer('round-robin', 10_000, { maxRotations: 100 });
    const tierOf = (model: string) =>
      ['a', 'b'].map((name) => ({ id: `${name}/${model}`, instance: { name, priority: 1, weight: 1 } }));
    for (let i = 0; i < 10_000; i++) b.order(tierOf(`gpt-caller-${i}`));
    expect(b.rotations).toBe(100);
    // A tier still kept rotates on; a forgotten one starts over at its first target.
    const kept = tierOf('gpt-caller-9999');
    expect(b.order(kept).targets[0]!.instance.name).toBe('b');
    expect(b.order(kept).targets[0]!.instance.name).toBe('a');
    expect(b.order(tierOf('gpt-caller-0')).targets[0]!.instance.name).toBe('a');
    expect(b.rotations).toBe(100);
  });

  it('round-robin: a peek (dry run) shows the next turn without taking it', () => {
    const b = new Balancer('round-robin', 10_000);
    const tier = [target('a'), target('b'), target('c')];
    expect(b.order(tier).targets[0]!.instance.name).toBe('a');
    expect(b.order(tier, true).targets[0]!.instance.name).toBe('b');
    expect(b.order(tier, true).targets[0]!.instance.name).toBe('b');
    expect(b.order(tier).targets[0]!.instance.name).toBe('b');
  });

  it('least-busy: an idle tier splits by weight (random ties), a loaded instance counts per unit of weight, a zero weight goes last', () => {
    const b = new Balancer('least-busy', 10_000, { random: seeded(11) });
    const firsts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const order = b
        .order([target('a', 1, 3), target('b', 1, 1), target('z', 1, 0)])
        .targets.map((t) => t.instance.name);
      firsts.set(order[0]!, (firsts.get(order[0]!) ?? 0) + 1);
      expect(order[2]).toBe('z');
    }
    expect(firsts.get('a')! / 4000).toBeGreaterThan(0.7);
    expect(firsts.get('a')! / 4000).toBeLessThan(0.8);
    expect(firsts.get('z')).toBeUndefined();
    // Two in flight on a (weight 3) is less load than one on b (weight 1).
    b.started('a');
    b.started('a');
    b.started('b');
    expect(b.order([target('a', 1, 3), target('b', 1, 1)]).targets.map((t) => t.instance.name)).toEqual(['a', 'b']);
  });

  it('least-busy: the instance with the fewest attempts in flight goes first', () => {
    const b = new Balancer('least-busy', 10_000, { random: seeded() });
    b.started('a');
    b.started('a');
    b.started('b');
    expect(b.order([target('a'), target('b'), target('c')]).targets.map((t) => t.instance.name)).toEqual([
      'c',
      'b',
      'a',
    ]);
    b.finished('a', 10, false);
    b.finished('a', 10, false);
    b.finished('a', 10, false); // never below zero
    expect(b.inFlight('a')).toBe(0);
  });

  it('p2c: peak-EWMA latency × in-flight; a slow sample counts at once and decays with time', () => {
    let now = 0;
    const b = new Balancer('p2c', 1000, { now: () => now, random: seeded() });
    b.started('slow');
    b.finished('slow', 400, false);
    b.started('fast');
    b.finished('fast', 20, false);
    expect(b.latency('slow')).toBe(400);
    // With two candidates, both are sampled: the cheaper always wins.
    for (let i = 0; i < 10; i++)
      expect(b.order([target('slow'), target('fast')]).targets[0]!.instance.name).toBe('fast');
    // In-flight load on the fast one flips it.
    for (let i = 0; i < 30; i++) b.started('fast');
    expect(b.order([target('slow'), target('fast')]).targets[0]!.instance.name).toBe('slow');
    now += 1000;
    expect(b.latency('slow')).toBeCloseTo(400 / Math.E, 5);
    // A fast-failing instance is treated as slow, never attractive.
    b.started('broken');
    b.finished('broken', 1, true);
    expect(b.latency('broken')).toBeGreaterThanOrEqual(1000);
  });
});

describe('SessionTable', () => {
  const settings = { ttlMs: 60_000, maxSessions: 3, recheckMs: 1000 };

  it('binds, refreshes on use, expires after ttlMs of disuse, and caps memory (LRU)', async () => {
    let now = 1_000_000;
    const store = new MemoryStore();
    const sessions = new SessionTable(store, settings, { now: () => now });
    await sessions.bind('k1', 'a/m');
    expect(await sessions.get('k1')).toBe('a/m');
    now += 50_000;
    expect(await sessions.get('k1')).toBe('a/m'); // used: lives on
    now += 50_000;
    expect(await sessions.get('k1')).toBe('a/m');
    now += 60_001;
    expect(sessions.size).toBe(0);
    for (const k of ['k2', 'k3', 'k4', 'k5']) await sessions.bind(k, 'b/m');
    expect(sessions.size).toBe(3);
    await store.close();
  });

  it.each(['memory', 'redis'])(
    'shares bindings through the store (%s): another replica sees a binding and its move',
    async (kind) => {
      const prefix = `switchyard-test:lb:${process.pid}:${Date.now()}:`;
      const make = () =>
        kind === 'memory' ? shared : new RedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: prefix });
      const shared = new MemoryStore();
      const s1 = make();
      const s2 = make();
      try {
        for (const s of [s1, s2]) if (s instanceof RedisStore) expect(await s.whenReady(5000)).toBe(true);
        const one = new SessionTable(s1, { ...settings, recheckMs: 0 });
        const two = new SessionTable(s2, { ...settings, recheckMs: 0 });
        await one.bind('k', 'a/m');
        expect(await two.get('k')).toBe('a/m');
        await two.bind('k', 'b/m');
        expect(await one.get('k')).toBe('b/m');
        expect(await two.get('unknown')).toBeUndefined();
      } finally {
        await s1.close();
        if (s2 !== s1) await s2.close();
        if (kind === 'redis') {
          const admin = new Redis('redis://127.0.0.1:6379');
          const keys = await admin.keys(`${prefix}*`);
          if (keys.length) await admin.del(...keys);
          admin.disconnect();
        }
      }
    },
  );
});

describe('affinityKey', () => {
  const x = (over: Record<string, unknown> = {}) => ({
    caller: undefined,
    headers: {},
    body: {},
    request: {
      messages: [
        { role: 'system', content: 'long shared prompt' },
        { role: 'user', content: 'q1' },
      ],
    },
    ...over,
  });
  const settings = {
    sources: ['caller', 'header', 'user', 'prompt'] as const,
    header: 'x-session-id',
    promptMessages: 1,
  };

  it('takes the first source that yields a value, hashed and tagged with its source', () => {
    expect(affinityKey(x({ caller: { name: 'app-1' } }), settings)).toMatch(/^caller:[\w-]{22}$/);
    expect(affinityKey(x({ headers: { 'x-session-id': 's-1' } }), settings)).toMatch(/^header:/);
    expect(affinityKey(x({ body: { user: 'u-1' } }), settings)).toMatch(/^user:/);
    expect(affinityKey(x({ body: { metadata: { user_id: 'u-1' } } }), settings)).toBe(
      affinityKey(x({ body: { user: 'u-1' } }), settings),
    );
    expect(affinityKey(x(), settings)).toMatch(/^prompt:/);
    expect(affinityKey(x({ request: undefined }), { ...settings, sources: ['caller', 'prompt'] })).toBeUndefined();
  });

  it('prompt prefix: a conversation keeps its key as it grows; another system prompt gets another', () => {
    const only = { ...settings, sources: ['prompt'] as const };
    const first = affinityKey(x(), only);
    const later = affinityKey(
      x({
        request: {
          messages: [
            { role: 'system', content: 'long shared prompt' },
            { role: 'user', content: 'q1' },
            { role: 'assistant', content: 'a1' },
            { role: 'user', content: 'q2' },
          ],
        },
      }),
      only,
    );
    expect(later).toBe(first);
    const other = affinityKey(
      x({
        request: {
          messages: [
            { role: 'system', content: 'another prompt' },
            { role: 'user', content: 'q1' },
          ],
        },
      }),
      only,
    );
    expect(other).not.toBe(first);
    const tools = affinityKey(
      x({
        request: {
          messages: [
            { role: 'system', content: 'long shared prompt' },
            { role: 'user', content: 'q1' },
          ],
          tools: [{ type: 'function' }],
        },
      }),
      only,
    );
    expect(tools).not.toBe(first);
  });
});
