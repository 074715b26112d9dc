import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '@switchyard/core';

describe('MemoryStore', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps values as copies and expires them after their TTL', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryStore();
    const value = { instance: 'a', hits: [1] };
    await store.set('sticky:k', value, 1000);
    value.hits.push(2);
    expect(await store.get('sticky:k')).toEqual({ instance: 'a', hits: [1] });
    vi.setSystemTime(1_000_999);
    expect(await store.get('sticky:k')).toBeDefined();
    vi.setSystemTime(1_001_000);
    expect(await store.get('sticky:k')).toBeUndefined();
    await store.close();
  });

  it('increments atomically, keeping the TTL set at creation', async () => {
    vi.useFakeTimers({ now: 0 });
    const store = new MemoryStore();
    expect(
      await Promise.all([store.increment('n', 1, 500), store.increment('n', 2, 5000), store.increment('n')]),
    ).toEqual([1, 3, 4]);
    vi.setSystemTime(600);
    expect(await store.increment('n')).toBe(1);
    await store.close();
  });

  it('compare-and-set succeeds only on the expected value', async () => {
    const store = new MemoryStore();
    expect(await store.compareAndSet('cb', undefined, { state: 'open' })).toBe(true);
    expect(await store.compareAndSet('cb', undefined, { state: 'closed' })).toBe(false);
    expect(await store.compareAndSet('cb', { state: 'open' }, { state: 'half-open' })).toBe(true);
    expect(await store.get('cb')).toEqual({ state: 'half-open' });
    await store.delete('cb');
    expect(await store.get('cb')).toBeUndefined();
    await store.close();
  });
});
