import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import { describe, expect, it } from 'vitest';
import { bailRunner, NOTHING, seriesRunner, waterfallRunner } from '../../core/src/hook-runners.js';
import { GatewayHooks } from '../../core/src/hooks.js';
import type { Logger } from '../../core/src/logger.js';

const silent = { error: () => undefined } as unknown as Logger;

describe('hook runners (the request path calls hooks through these)', () => {
  it('bail: taps run in stage order, sync, promise and callback taps alike; the first value ends the call', async () => {
    const hooks = new GatewayHooks(silent);
    const hook = hooks.beforeRoute as unknown as AsyncSeriesBailHook<[string[]], string>;
    hook.tapPromise({ name: 'late', stage: 10 }, async (seen) => (seen.push('late'), 'late'));
    hook.tap('sync', (seen) => void seen.push('sync'));
    hook.tapAsync('callback', (seen, done) => (seen.push('callback'), done()));
    hook.tapPromise('answers', async (seen) => (seen.push('answers'), 'answer'));
    const seen: string[] = [];
    expect(await hooks.run.beforeRoute(seen as never)).toBe('answer');
    expect(seen).toEqual(['sync', 'callback', 'answers']);
    expect(await bailRunner(new AsyncSeriesBailHook<[number], string>(['n']))(1)).toBeUndefined();
  });

  it('waterfall: each tap gets what the last returned; undefined keeps the value', async () => {
    const hooks = new GatewayHooks(silent);
    const hook = hooks.selectRoute as unknown as AsyncSeriesWaterfallHook<[number, number]>;
    hook.tap('add', (value, step) => value + step);
    hook.tap('keeps', () => undefined);
    hook.tapPromise('double', async (value) => value * 2);
    hook.tapAsync('minus one', (value, _step, done) => done(null, value - 1));
    expect(await hooks.run.selectRoute(1 as never, 2 as never)).toBe(5);
  });

  it("callback taps get their callback after the hook's own arguments, timed and isolated like the others", async () => {
    const errors: unknown[] = [];
    const logger = { error: (fields: unknown) => void errors.push(fields) } as unknown as Logger;
    const hooks = new GatewayHooks(logger, { timing: true });
    const seen: unknown[] = [];
    hooks.onFinish.tapAsync('one argument', (x, done) => (seen.push(x), done()));
    hooks.onResult.tapAsync('fails', (_result, _x, done) => done(new Error('tap failed')));
    hooks.onResult.tapAsync('two arguments', (result, x, done) => (seen.push(result, x), done()));
    hooks.beforeRoute.tapAsync('bails', (_x, done) => done(null, undefined));
    hooks.ready.tapAsync('no argument', (done) => (seen.push('ready'), done()));
    hooks.seal();
    const x = { timings: { spans: [] as number[] } } as unknown as Parameters<typeof hooks.run.onFinish>[0];
    const result = {} as Parameters<typeof hooks.run.onResult>[0];
    await hooks.run.onFinish(x);
    await hooks.run.onResult(result, x);
    expect(await hooks.run.beforeRoute(x)).toBeUndefined();
    await hooks.ready.promise();
    expect(seen).toEqual([x, result, x, 'ready']);
    expect(errors).toEqual([expect.objectContaining({ plugin: 'fails', hook: 'onResult' })]);
    // beforeRoute's tap and both onResult taps were timed: a plugin index and the ms per call.
    expect(x.timings.spans).toHaveLength(6);
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

  it('answers at once, without a promise, while every tap does (sync taps, promise taps returning NOTHING)', () => {
    const bail = new AsyncSeriesBailHook<[string[]], string>(['seen']);
    bail.tap('sync', (seen) => void seen.push('sync'));
    bail.tapPromise('idle', (seen) => (seen.push('idle'), NOTHING));
    bail.tap('answers', () => 'answer');
    const seen: string[] = [];
    expect(bailRunner(bail)(seen)).toBe('answer');
    expect(seen).toEqual(['sync', 'idle']);

    const waterfall = new AsyncSeriesWaterfallHook<[number, number]>(['value', 'step']);
    waterfall.tap('add', (value, step) => value + step);
    waterfall.tapPromise('keeps', () => NOTHING as unknown as Promise<number>);
    expect(waterfallRunner(waterfall)(1, 2)).toBe(3);

    const series = new AsyncSeriesHook<[string[]]>(['seen']);
    series.tapPromise('idle', (seen) => (seen.push('idle'), NOTHING));
    series.tap('sync', (seen) => void seen.push('sync'));
    const order: string[] = [];
    expect(seriesRunner(series)(order)).toBeUndefined();
    expect(order).toEqual(['idle', 'sync']);
  });

  it('goes on asynchronously from the first tap that returns a promise, in order; a sync throw is thrown at once', async () => {
    const hook = new AsyncSeriesWaterfallHook<[string[], string]>(['seen', 'tag']);
    hook.tap('first', (seen) => [...seen, 'first']);
    hook.tapPromise('waits', async (seen) => [...seen, 'waits']);
    hook.tapPromise('idle', () => NOTHING as unknown as Promise<string[]>);
    hook.tap('last', (seen) => [...seen, 'last']);
    const result = waterfallRunner(hook)([], 't');
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toEqual(['first', 'waits', 'last']);

    const throwing = new AsyncSeriesBailHook<[number], number>(['n']);
    throwing.tap('fails', () => {
      throw new Error('sync tap failed');
    });
    expect(() => bailRunner(throwing)(1)).toThrow('sync tap failed');
  });

  it("NOTHING is a resolved promise of undefined: tapable's own call takes it as a tap's answer", async () => {
    const hook = new AsyncSeriesBailHook<[number], number>(['n']);
    hook.tapPromise('idle', () => NOTHING as unknown as Promise<number>);
    hook.tap('double', (n) => n * 2);
    expect(await hook.promise(4)).toBe(8);
  });

  it('onResult and onFinish taps returning NOTHING keep the call synchronous through their isolating wrapper', async () => {
    const errors: unknown[] = [];
    const logger = { error: (fields: unknown) => void errors.push(fields) } as unknown as Logger;
    const hooks = new GatewayHooks(logger);
    const seen: string[] = [];
    hooks.onFinish.tapPromise('idle', () => (seen.push('idle'), NOTHING));
    hooks.onFinish.tap('sync', () => void seen.push('sync'));
    hooks.seal();
    const x = {} as Parameters<typeof hooks.run.onFinish>[0];
    expect(hooks.run.onFinish(x)).toBeUndefined();
    expect(seen).toEqual(['idle', 'sync']);
    expect(errors).toEqual([]);
  });
});
