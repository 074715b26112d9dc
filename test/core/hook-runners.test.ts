import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import { describe, expect, it } from 'vitest';
import { bailRunner, seriesRunner, waterfallRunner } from '../../core/src/hook-runners.js';

describe('hook runners (the request path calls hooks through these)', () => {
  it('bail: taps run in stage order, sync, promise and callback taps alike; the first value ends the call', async () => {
    const hook = new AsyncSeriesBailHook<[string[]], string>(['seen']);
    hook.tapPromise({ name: 'late', stage: 10 }, async (seen) => (seen.push('late'), 'late'));
    hook.tap('sync', (seen) => void seen.push('sync'));
    hook.tapAsync('callback', (seen, done) => (seen.push('callback'), done()));
    hook.tapPromise('answers', async (seen) => (seen.push('answers'), 'answer'));
    const seen: string[] = [];
    expect(await bailRunner(hook)(seen)).toBe('answer');
    expect(seen).toEqual(['sync', 'callback', 'answers']);
    expect(await bailRunner(new AsyncSeriesBailHook<[number], string>(['n']))(1)).toBeUndefined();
  });

  it('waterfall: each tap gets what the last returned; undefined keeps the value', async () => {
    const hook = new AsyncSeriesWaterfallHook<[number, number]>(['value', 'step']);
    hook.tap('add', (value, step) => value + step);
    hook.tap('keeps', () => undefined);
    hook.tapPromise('double', async (value) => value * 2);
    hook.tapAsync('minus one', (value, _step, done) => done(null, value - 1));
    expect(await waterfallRunner(hook)(1, 2)).toBe(5);
  });

  it('series: every tap runs in order with both arguments; a failing tap rejects the call', async () => {
    const hook = new AsyncSeriesHook<[string[], string]>(['seen', 'tag']);
    hook.tapPromise('a', async (seen, tag) => void seen.push(`a:${tag}`));
    hook.tap('b', (seen, tag) => void seen.push(`b:${tag}`));
    const seen: string[] = [];
    await seriesRunner(hook)(seen, 't');
    expect(seen).toEqual(['a:t', 'b:t']);
    hook.tap('fails', () => {
      throw new Error('tap failed');
    });
    await expect(seriesRunner(hook)([], 't')).rejects.toThrow('tap failed');
  });

  it("keeps tapable's own call when an interceptor watches calls", async () => {
    const hook = new AsyncSeriesBailHook<[number], number>(['n']);
    const calls: number[] = [];
    hook.intercept({ call: (n) => void calls.push(n) });
    hook.tap('double', (n) => n * 2);
    expect(await bailRunner(hook)(21)).toBe(42);
    expect(calls).toEqual([21]);
  });
});
